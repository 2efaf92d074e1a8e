#!/usr/bin/env node
// smoothy's FITS reading beside `cat`, astropy (Debian's python3-astropy) and fitsjs (npm), in one run on
// the same files: a 200 MiB and a 1 GiB float32 cube this script writes. Opening (headers only), a full
// read into a new buffer and into a reused one, one plane, one spectrum, the peak memory of a full read,
// and `visualize` of a 512 × 512 × 256 cube. Every reader runs in a child process of its own, one at a
// time. The table goes to bench/smoothy.md and to the smoothy section of bench/README.md.
import { writeReadmeSection } from "./readme-section.js";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cubeCards, spectralCubeCards, writeCube } from "./smoothy_cube.js";

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const peers = path.join(bench, ".peers");
const python = "/usr/bin/python3"; // Debian's, which has python3-astropy (the first python3 on PATH may not)
const log = (...args) => console.error("[bench smoothy]", ...args);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: "utf8", timeout: 20 * 60 * 1000, maxBuffer: 16 << 20, ...opts });

const MiB = 2 ** 20;
// SMOOTHY_BENCH_QUICK=1: tiny cubes, to try the script; prints the table and writes no file of bench/.
const QUICK = process.env.SMOOTHY_BENCH_QUICK === "1";
const CUBES = QUICK
  ? [
      { key: "200mib", label: "1.25 MiB", shape: [128, 128, 20], reps: 3, fitsjsReps: 1 },
      { key: "1gib", label: "2.5 MiB", shape: [128, 128, 40], reps: 3, fitsjsReps: 1 },
    ]
  : [
      { key: "200mib", label: "200 MiB", shape: [512, 512, 200], reps: 5, fitsjsReps: 3 },
      { key: "1gib", label: "1 GiB", shape: [512, 512, 1024], reps: 3, fitsjsReps: 3 },
    ];
const VISUAL = { shape: QUICK ? [64, 64, 32] : [512, 512, 256], reps: 3 };

// ------------------------------------------------------------------------------------------ fitsjs
/** Installs fitsjs into bench/.peers (as bench/run.js installs its peers); returns an error message or null. */
function ensureFitsjs() {
  const pkg = path.join(peers, "node_modules", "fitsjs", "package.json");
  if (!existsSync(pkg)) {
    log(`installing fitsjs into ${path.relative(root, peers)}/ ...`);
    mkdirSync(peers, { recursive: true });
    const r = run("npm", ["install", "--prefix", peers, "--no-audit", "--no-fund", "--loglevel=error", "fitsjs@latest"]);
    if (r.status !== 0) return `npm install fitsjs failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" ")}`;
    if (!existsSync(pkg)) return "npm install fitsjs succeeded but the package is missing";
  }
  return null;
}

// ---------------------------------------------------------------------------------------- children
/** Runs one measuring child; its last stdout line is JSON. Returns the object or { error }. */
function child(what, cmd, args, env = {}) {
  log(`${what} ...`);
  const started = Date.now();
  const r = run(cmd, args, { cwd: bench, env: { ...process.env, ...env } });
  log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    if (r.status !== 0) throw new Error();
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`)
      .trim()
      .split("\n")
      .filter((l) => !/^\s+at /.test(l));
    return { error: why.slice(-2).join(" ").slice(0, 300) || `exit ${r.status}` };
  }
}
const smoothy = (what, ...args) => child(`smoothy ${what}`, process.execPath, ["--expose-gc", path.join(bench, "smoothy_child.js"), ...args]);
const astropy = (what, ...args) => child(`astropy ${what}`, python, [path.join(bench, "smoothy_astropy.py"), ...args]);
const fitsjs = (what, args, env) => child(`fitsjs ${what}`, process.execPath, ["--expose-gc", path.join(bench, "smoothy_fitsjs.cjs"), ...args], env);

function medianMs(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}
const cat = (file) => {
  const r = spawnSync("sh", ["-c", 'cat "$1" > /dev/null', "sh", file]);
  if (r.status !== 0) throw new Error(`cat ${file} failed`);
};
/** (peak − baseline) / data size of one full read, from a child's { baseline_kb, peak_kb, bytes }. */
const memoryRatio = (m) => (m.error ? m : { ratio: ((m.peak_kb - m.baseline_kb) * 1024) / m.bytes, ...m });

// ----------------------------------------------------------------------------------------- versions
function versions() {
  const commit = run("git", ["-C", root, "rev-parse", "--short", "HEAD"]).stdout.trim() || "?";
  const dirty = run("git", ["-C", root, "status", "--porcelain", "--", "smoothy/src"]).stdout.trim().split("\n").filter(Boolean).length;
  const py = run(python, ["-c", "import astropy, numpy; print(astropy.__version__, numpy.__version__)"]).stdout.trim().split(" ");
  let fitsjsVersion = "?";
  try {
    fitsjsVersion = JSON.parse(readFileSync(path.join(peers, "node_modules", "fitsjs", "package.json"), "utf8")).version;
  } catch {}
  return {
    smoothy: `commit ${commit}${dirty ? `, ${dirty} uncommitted change(s) under smoothy/src` : ""}`,
    astropy: py[0] || "?",
    numpy: py[1] || "?",
    fitsjs: fitsjsVersion,
    cat: run("cat", ["--version"])
      .stdout.split("\n")[0]
      .replace(/^cat \(GNU coreutils\) /, "GNU coreutils "),
  };
}

// -------------------------------------------------------------------------------------------- table
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const escapeCell = (text) => String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
const na = (why) => `n/a (${escapeCell(why.length > 110 ? why.slice(0, 107) + "…" : why)})`;
const ms = (v) => (v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`);
const x = (v) => `${v.toFixed(2)}×`;
/** A cell: a number formatted, or why there is none. */
const cell = (v, fmt = ms) => (isNum(v) ? fmt(v) : v && typeof v === "object" && v.error ? na(v.error) : typeof v === "string" ? v : "—");
const ratio = (a, b) => (isNum(a) && isNum(b) ? x(a / b) : "—");
const verdict = (ok, text) => (ok === null ? `n/a (${text})` : `${ok ? "met" : "**missed**"} (${text})`);

function render(results, visual, v) {
  const head = ["measure", "cube", `cat (${v.cat})`, `smoothy (${v.smoothy})`, `astropy ${v.astropy}`, `fitsjs ${v.fitsjs}`, "smoothy / cat", "smoothy / astropy", "target"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`];
  const row = (...cells) => lines.push(`| ${cells.join(" | ")} |`);
  for (const c of CUBES) {
    const R = results[c.key];
    const s = R.smoothy.error ? {} : R.smoothy,
      a = R.astropy.error ? {} : R.astropy,
      f = R.fitsjs.error ? {} : R.fitsjs;
    const sErr = R.smoothy.error ? R.smoothy : undefined,
      aErr = R.astropy.error ? R.astropy : undefined,
      fErr = R.fitsjs.error ? R.fitsjs : undefined;
    const vsAstropy = (ours, theirs) => (isNum(ours) && isNum(theirs) ? verdict(ours <= theirs, `≤ astropy; ${x(ours / theirs)}`) : verdict(null, "not measured"));
    const reps = `median of ${c.reps}`;
    row(
      `open, read NAXIS3 (median of 20)`,
      c.label,
      "—",
      cell(sErr ?? s.metadata_ms),
      cell(aErr ?? a.metadata_ms),
      cell(fErr ?? f.metadata_ms),
      "—",
      ratio(s.metadata_ms, a.metadata_ms),
      vsAstropy(s.metadata_ms, a.metadata_ms),
    );
    row(
      `full read into a new buffer (${reps}; fitsjs ${c.fitsjsReps})`,
      c.label,
      cell(R.cat),
      cell(sErr ?? s.whole_ms),
      cell(aErr ?? a.whole_ms),
      cell(fErr ?? f.whole_ms),
      ratio(s.whole_ms, R.cat),
      ratio(s.whole_ms, a.whole_ms),
      vsAstropy(s.whole_ms, a.whole_ms),
    );
    row(
      `full read into a reused buffer (${reps}, after one untimed read into it)`,
      c.label,
      cell(R.cat),
      cell(sErr ?? s.into_ms),
      "n/a (no such API)",
      "n/a (no such API)",
      ratio(s.into_ms, R.cat),
      ratio(s.into_ms, a.whole_ms),
      isNum(s.into_ms) && isNum(R.cat) ? verdict(s.into_ms <= 3 * R.cat, `≤ 3× cat; ${x(s.into_ms / R.cat)}`) : verdict(null, "not measured"),
    );
    row(
      `one ${c.shape[0]} × ${c.shape[1]} plane (median of 20; fitsjs 5)`,
      c.label,
      "—",
      cell(sErr ?? s.plane_ms),
      cell(aErr ?? a.plane_ms),
      cell(fErr ?? f.plane_ms),
      "—",
      ratio(s.plane_ms, a.plane_ms),
      "—",
    );
    row(
      `the ${c.shape[2]}-channel spectrum at one pixel (median of 20)`,
      c.label,
      "—",
      cell(sErr ?? s.spectrum_ms),
      cell(aErr ?? a.spectrum_ms),
      "n/a (reads whole frames only)",
      "—",
      ratio(s.spectrum_ms, a.spectrum_ms),
      "—",
    );
    const m = R.memory;
    const memCell = (r) => (r.error ? na(r.error) : `${x(r.ratio)} (${((r.peak_kb - r.baseline_kb) / 1024).toFixed(0)} MiB)`);
    const memVerdict = (r) => (r.error ? verdict(null, "not measured") : verdict(r.ratio <= 1.1, `≤ 1.1×`));
    row(`peak memory of one full read into a new buffer ÷ data size`, c.label, "—", memCell(m.smoothy), memCell(m.astropy), memCell(m.fitsjs), "—", "—", memVerdict(m.smoothy));
    row(`peak memory of one full read into a caller's buffer (counted) ÷ data size`, c.label, "—", memCell(m.smoothyInto), "—", "—", "—", "—", memVerdict(m.smoothyInto));
    const chk = R.check;
    row(
      `fitsjs's values = smoothy's? (3 whole planes, bit for bit)`,
      c.label,
      "—",
      "—",
      "—",
      chk.error
        ? na(chk.error)
        : chk.mismatches === 0
          ? `yes: ${chk.values} values, 0 differ`
          : `**no**: ${chk.mismatches} of ${chk.values} differ (${escapeCell(chk.first_mismatch)})`,
      "—",
      "—",
      "—",
    );
  }
  const V = visual;
  row(
    `\`visualize(await load(f))\` + its HTML (median of ${VISUAL.reps})`,
    `${VISUAL.shape.join(" × ")} (${(VISUAL.shape.reduce((p, q) => p * q, 4) / MiB).toFixed(0)} MiB)`,
    "—",
    V.error ? na(V.error) : `${ms(V.total_ms)} (load ${ms(V.load_ms)}, visualize ${ms(V.visualize_ms)}, HTML ${ms(V.html_ms)}); HTML ${(V.html_bytes / 1024).toFixed(0)} KiB`,
    "—",
    "—",
    "—",
    "—",
    V.error ? verdict(null, "not measured") : verdict(V.total_ms <= 2000, "≤ 2 s"),
  );

  // Where smoothy's time goes: the same work without smoothy.
  const diag = ["| without smoothy (node:fs, same file; medians) | cube | cat | time | ÷ cat | ÷ smoothy's reused-buffer read |", "| --- | --- | --- | --- | --- | --- |"];
  for (const c of CUBES) {
    const R = results[c.key],
      s = R.smoothy.error ? {} : R.smoothy;
    const d = (label, v) => diag.push(`| ${label} | ${c.label} | ${cell(R.cat)} | ${cell(v)} | ${ratio(v, R.cat)} | ${ratio(v, s.into_ms)} |`);
    d("pread into the reused buffer: 16 MiB pieces, 4 at once (smoothy's pieces), no byte swap", s.raw_read_ms);
    d("byte swap of the data in place (`Buffer.swap32`, smoothy's after-read pass)", s.swap_ms);
    d("the same pread in 1 MiB pieces, 2 at once, each piece swapped as it arrives", s.raw_read_swap_ms);
    d("page faults of a fresh buffer of the data's size (one write per 4 KiB page)", s.fault_ms);
    d("smoothy: the first read into the reused buffer (pays its page faults)", s.into_first_ms);
  }
  return { table: lines.join("\n"), diag: diag.join("\n") };
}

// --------------------------------------------------------------------------------------------- main
const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-bench-smoothy-"));
const loadBefore = os.loadavg()[0];
try {
  const fitsjsProblem = ensureFitsjs();
  if (fitsjsProblem) log(fitsjsProblem);
  const v = versions();
  const results = {};
  for (const c of CUBES) {
    const file = path.join(dir, `cube-${c.key}.fits`);
    const t = Date.now();
    writeCube(file, c.shape, { cards: cubeCards(c.shape, ["BUNIT   = 'Jy/beam '"]) });
    log(`wrote ${path.basename(file)} (${c.shape.join(" × ")}) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    cat(file); // warm page cache for everyone
    const R = {};
    results[c.key] = R;
    R.cat = medianMs(() => cat(file), c.reps);
    log(`cat ${c.label}: ${ms(R.cat)}`);
    R.smoothy = smoothy(`time ${c.label}`, "time", file, String(c.reps));
    R.astropy = astropy(`time ${c.label}`, "time", file, String(c.reps));
    R.fitsjs = fitsjsProblem ? { error: fitsjsProblem } : fitsjs(`time ${c.label}`, ["time", file, String(c.fitsjsReps)]);
    R.check = fitsjsProblem ? { error: fitsjsProblem } : fitsjs(`check ${c.label}`, ["check", file]);
    R.memory = {
      smoothy: memoryRatio(smoothy(`memory ${c.label}`, "mem", "fresh", file)),
      smoothyInto: memoryRatio(smoothy(`memory (into) ${c.label}`, "mem", "into", file)),
      astropy: memoryRatio(astropy(`memory ${c.label}`, "mem", file)),
      fitsjs: fitsjsProblem ? { error: fitsjsProblem } : memoryRatio(fitsjs(`memory ${c.label}`, ["mem", file])),
    };
    if (c.key === CUBES[0].key && !fitsjsProblem) R.fitsjsThreadPlane = fitsjs(`plane with a thread per Worker ${c.label}`, ["plane", file, "5"], { FITSJS_WORKER: "thread" });
    rmSync(file, { force: true });
  }

  // visualize: a spectral cube (RA, Dec, frequency) with a source in it, so it is shown as a volume.
  const vfile = path.join(dir, "cube-visualize.fits");
  const [vx, vy, vz] = VISUAL.shape;
  writeCube(vfile, VISUAL.shape, {
    cards: cubeCards(VISUAL.shape, spectralCubeCards(VISUAL.shape)),
    source: (px, py, pz) => {
      const r2 = ((px - vx / 2) ** 2 + (py - vy / 2) ** 2) / (2 * 30 ** 2) + (pz - vz / 2) ** 2 / (2 * 20 ** 2);
      return r2 < 12 ? 20 * Math.exp(-r2) : 0;
    },
  });
  cat(vfile);
  const visual = smoothy("visualize", "visualize", vfile, String(VISUAL.reps));
  rmSync(vfile, { force: true });

  const loadAfter = os.loadavg()[0];
  const { table, diag } = render(results, visual, v);
  const F = results[CUBES[0].key];
  const threadNote = F.fitsjsThreadPlane?.plane_ms
    ? `With a real thread per Worker instead (\`FITSJS_WORKER=thread\`), one plane of the ${CUBES[0].label} cube takes ${ms(F.fitsjsThreadPlane.plane_ms)} (median of 5) against ${cell(F.fitsjs.plane_ms)} in-thread: Node needs ~90 ms to start a worker thread, which fitsjs does for every frame.`
    : F.fitsjsThreadPlane?.error
      ? `With a real thread per Worker, fitsjs failed: ${F.fitsjsThreadPlane.error}.`
      : "";
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const machine = `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Linux ${os.release()}, Node ${process.version}, numpy ${v.numpy}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`;
  const visualLine = visual.error
    ? ""
    : `\`visualize\` made a ${visual.kind} view ("${escapeCell(visual.description)}"); its MIME bundle is ${(visual.bundle_bytes / 1024).toFixed(0)} KiB as JSON, the first of the ${VISUAL.reps} runs took ${ms(visual.first_total_ms)}, and that process's peak RSS was ${(visual.peak_kb / 1024).toFixed(0)} MiB.`;
  const body = `Run on ${date} UTC; ${machine}.

${table}

${visualLine}

Where smoothy's time goes (the same operations with node:fs alone, in smoothy's process, on the same buffer):

${diag}

### How each number is measured

- \`bench/smoothy.js\` writes each cube to a temporary folder: the header by hand, the data in 16 MiB chunks of
  big-endian float32 (a hash of the index: real bytes, not a sparse hole), \`fsync\`ed so that no writeback runs
  during the timings (\`bench/smoothy_cube.js\`). Each file is read once with \`cat\` before any timing (warm page
  cache) and deleted after its measurements. The readers run one after another, never at the same time.
- **cat**: \`sh -c 'cat FILE > /dev/null'\` through \`spawnSync\`, median of as many runs as smoothy's full reads.
- **smoothy** (\`bench/smoothy_child.js\`, \`node --expose-gc\`), **astropy** (\`bench/smoothy_astropy.py\`, Debian's
  \`/usr/bin/python3\`) and **fitsjs** (\`bench/smoothy_fitsjs.cjs\`) each run in a process of their own. Every
  operation opens the file afresh: smoothy \`open\` → \`data()\` / \`data({ into })\` / \`section\` → \`close\`;
  astropy \`fits.open\` + \`header\` / \`getdata(memmap=False)\` / \`.section[…]\`; fitsjs \`new astro.FITS(blob)\` →
  \`getFrames\` of every frame copied into one new Float32Array / \`getFrame\`. A plane is the middle one, the
  spectrum the one at the centre pixel. The array a read returns is dropped (and, in node, collected with
  \`gc()\`) after its timing, so each read starts from the same state; numpy frees astropy's on the spot.
- **Reused buffer**: one Float32Array of the data's size, read into once untimed (its page faults are in the
  table below), then the median of the timed reads into it. astropy and fitsjs have no way to read into a
  caller's buffer; the smoothy / astropy ratio on that row compares with astropy's new-buffer read.
- **Peak memory**: one full read in a fresh process: its peak RSS (\`process.resourceUsage().maxRSS\`,
  \`getrusage(RUSAGE_SELF).ru_maxrss\`) minus its RSS (\`process.memoryUsage().rss\`, VmRSS) just before the read
  (after the imports and the open), divided by the data size; for the reused buffer, the buffer is allocated after
  the baseline, so it counts.
- astropy returns the data as stored, big-endian (\`>f4\`), which numpy converts on each access; smoothy and fitsjs
  swap the bytes to native order during the read. numpy asks for transparent huge pages
  (\`MADV_HUGEPAGE\`) for large arrays, so a fresh array costs astropy one page fault per 2 MiB; a fresh
  ArrayBuffer costs node one per 4 KiB page.
- **fitsjs** ${v.fitsjs} is installed from npm into \`bench/.peers/\` by this script. It is a browser library: in
  Node 20 (which has Blob, File and URL) it needs a global \`FileReader\` (\`readAsArrayBuffer\`), a global
  \`astro\` (its own code names its namespace as a global, which \`require\` does not make), \`window.URL\`
  (\`createObjectURL\` for its worker scripts) and \`Worker\`: it decodes every frame in a new Web Worker. The file
  is given as a file-backed Blob (\`fs.openAsBlob\`), as a browser gives a File. The Worker runs its script in
  this thread, in a \`vm\` context, messages structured-cloned with their transfer lists. ${threadNote}
  fitsjs reads images frame by frame only (no spectrum, no buffer of the caller's). It keeps the raw buffers of a
  frame it has read, which its worker's postMessage has detached, and \`getFrame(0)\` means "the frame asked for
  last": after \`getFrame(5)\`, both \`getFrame(0)\` and \`getFrame(5)\` give all zeros here (a browser's
  postMessage would throw on the detached buffers). So every fitsjs read opens the file afresh. Its values are compared with smoothy's on the
  first, middle and last planes, bit for bit.
- **visualize**: a ${VISUAL.shape.join(" × ")} float32 cube with an RA/Dec/frequency WCS and a Gaussian source in
  noise; \`visualize(await load(file))\` then \`view[Symbol.for("Jupyter.display")]()\`, whose \`text/html\` size is
  given; median of ${VISUAL.reps} runs in one process.
- Targets (from the issue): a read into a reused buffer within 3× \`cat\`; no slower than astropy at either size
  (opening and the new-buffer read, like for like); peak memory at most 1.1× the data size; \`visualize\` of
  a 512 × 512 × 256 float32 cube within 2 s.
- Nothing else is controlled: other processes share the machine's cores and memory bandwidth (the load average
  is above), and this VM's page faults are slow.
`;
  console.log(`${table}\n\n${visualLine}\n\n${diag}`);
  if (!QUICK) writeOutputs(body, { date, machine, versions: v, results, visual });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function writeOutputs(body, raw) {
  writeFileSync(
    path.join(bench, "smoothy.md"),
    `# smoothy beside cat, astropy and fitsjs

Regenerated by \`npm run bench\` (\`node bench/smoothy.js\`; astropy's side in \`bench/smoothy_astropy.py\`, fitsjs's in
\`bench/smoothy_fitsjs.cjs\`, smoothy's in \`bench/smoothy_child.js\`). Raw numbers: \`bench/smoothy.json\`.

${body}`,
  );
  writeFileSync(path.join(bench, "smoothy.json"), JSON.stringify(raw, null, 2) + "\n");

  writeReadmeSection(
    "smoothy",
    `## smoothy: reading FITS beside cat, astropy and fitsjs

From \`bench/smoothy.js\` (also in [smoothy.md](smoothy.md), with the raw numbers in \`smoothy.json\`).

${body}`,
  );
  log("wrote bench/smoothy.md, bench/smoothy.json and the smoothy section of bench/README.md");
}
