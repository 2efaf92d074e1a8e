#!/usr/bin/env node
// `npm run bench`: our kernel beside tslab and Deno's kernel, in one run, through Debian's jupyter_client.
// This file installs the peers (once, into bench/.peers/), writes the three kernelspecs into a private
// JUPYTER_PATH, runs bench/kernels.py once per kernel (one at a time) and renders the table into
// stdout, bench/results.json and bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const peers = path.join(bench, ".peers");
const python = "/usr/bin/python3"; // Debian's, which has jupyter_client (the first python3 on PATH may not)
const KERNEL_TIMEOUT_MS = 20 * 60 * 1000; // last resort for one kernel's whole measurement

const log = (...args) => console.error("[bench]", ...args);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: "utf8", timeout: 10 * 60 * 1000, ...opts });

// ---------------------------------------------------------------------------------------------- peers
const tslabBin = path.join(peers, "node_modules", "tslab", "bin", "tslab");
function denoBinary() {
  const platform = `${process.platform}-${process.arch}`; // e.g. linux-x64; Deno's packages add "-glibc" on Linux
  const candidates = [
    path.join(peers, "node_modules", "@deno", `${platform}-glibc`, "deno"),
    path.join(peers, "node_modules", "@deno", platform, "deno"),
    path.join(peers, "node_modules", "deno", "deno"), // copied there by deno's postinstall
  ];
  return candidates.find((c) => existsSync(c));
}

/** Installs `pkg` into bench/.peers unless `present()`; returns an error message or null. */
function ensurePeer(pkg, present, check) {
  if (!present()) {
    log(`installing ${pkg} into ${path.relative(root, peers)}/ ...`);
    mkdirSync(peers, { recursive: true });
    const r = run("npm", ["install", "--prefix", peers, "--no-audit", "--no-fund", "--loglevel=error", `${pkg}@latest`]);
    if (r.status !== 0) return `npm install ${pkg} failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" ")}`;
    if (!present()) return `npm install ${pkg} succeeded but its binary is missing`;
  }
  const c = check();
  if (c.status !== 0) return `${pkg} does not run: ${(c.stderr || c.error?.message || `exit ${c.status}`).trim().split("\n")[0]}`;
  return null;
}

// ------------------------------------------------------------------------------------- kernelspecs
const tmp = mkdtempSync(path.join(os.tmpdir(), "jovial-bench-"));
const dataDir = path.join(tmp, "share", "jupyter");
const work = path.join(tmp, "work"); // every kernel starts in this empty folder
mkdirSync(work, { recursive: true });
const env = {
  ...process.env,
  JUPYTER_PATH: dataDir, // only these kernelspecs, not the user's
  JUPYTER_DATA_DIR: dataDir,
  JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
  JOVIAL_HISTORY_DIR: path.join(tmp, "history"),
  DENO_DIR: path.join(peers, "deno-dir"), // Deno's cache, kept like a user's ~/.cache/deno
  DENO_NO_UPDATE_CHECK: "1",
};

function writeSpec(name, spec) {
  const dir = path.join(dataDir, "kernels", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
}

const kernels = [
  { name: "jovial", title: "ours (jovial)" },
  { name: "tslab", title: "tslab" },
  { name: "deno", title: "Deno" },
];

function setup() {
  const ours = run(process.execPath, [path.join(root, "bin", "jovial.js"), "kernel", "install", "--prefix", tmp], { env });
  kernels[0].problem =
    ours.status === 0 && existsSync(path.join(dataDir, "kernels", "jovial", "kernel.json")) ? null : `kernel install failed: ${(ours.stderr || ours.stdout).trim().split("\n")[0]}`;
  kernels[0].version = JSON.parse(readFileSync(path.join(root, "kernel", "package.json"), "utf8")).version;
  const commit = run("git", ["-C", root, "rev-parse", "--short", "HEAD"]).stdout.trim() || "?";
  const dirty = run("git", ["-C", root, "status", "--porcelain", "--", "kernel"]).stdout.trim().split("\n").filter(Boolean).length;
  kernels[0].version += ` (commit ${commit}${dirty ? `, ${dirty} uncommitted change(s) under kernel/` : ""})`;

  const tslab = kernels[1];
  tslab.problem = ensurePeer(
    "tslab",
    () => existsSync(tslabBin),
    () => run(process.execPath, [tslabBin, "--version"]),
  );
  if (!tslab.problem) {
    tslab.version = JSON.parse(readFileSync(path.join(peers, "node_modules", "tslab", "package.json"), "utf8")).version;
    // as `tslab install` writes it (python/install.py), with node and the script spelled out; no --js: TypeScript
    writeSpec("tslab", { argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript (tslab)", language: "typescript" });
  }

  const deno = kernels[2];
  deno.problem = ensurePeer(
    "deno",
    () => !!denoBinary(),
    () => run(denoBinary(), ["--version"], { env }),
  );
  if (!deno.problem) {
    deno.version = run(denoBinary(), ["--version"], { env }).stdout.match(/^deno (\S+)/)?.[1] ?? "?";
    writeSpec("deno", { argv: [denoBinary(), "jupyter", "--kernel", "--conn", "{connection_file}"], display_name: "Deno", language: "typescript" });
  }
  for (const k of kernels) if (k.problem) log(`${k.title}: ${k.problem}`);
}

// ------------------------------------------------------------------------------------- measurement
function measure(k) {
  if (k.problem) return { error: k.problem };
  log(`measuring ${k.title} ...`);
  const started = Date.now();
  const r = run(python, [path.join(bench, "kernels.py"), k.name, "--cwd", work], {
    env,
    cwd: work,
    timeout: KERNEL_TIMEOUT_MS,
    killSignal: "SIGTERM",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 << 20,
  });
  log(`${k.title} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    return { error: r.error?.code === "ETIMEDOUT" ? `no result within ${KERNEL_TIMEOUT_MS / 60000} min` : `kernels.py exit ${r.status}` };
  }
}

// ---------------------------------------------------------------------------------------- the table
const get = (obj, keys) => keys.split(".").reduce((o, key) => (o == null ? undefined : o[key]), obj);
const s = (v) => `${v.toFixed(2)} s`;
const ms = (v) => `${(v * 1000).toFixed(1)} ms`;
const mb = (v) => `${(v / 2 ** 20).toFixed(0)} MB`;
const x = (v) => `${v.toFixed(2)}×`;

// value(raw) -> number | {na: reason}. target(ours, peers) -> [met, text] or null for no target.
const rows = [
  { label: "cold start → kernel_info_reply (median of 3)", key: "cold_start.kernel_info_s", fmt: s, target: (v, p) => vsPeer(v, p.deno, 0.5, "Deno") },
  { label: "cold start → first `1+1` result (median of 3)", key: "cold_start.first_result_s", fmt: s, target: (v, p) => vsPeer(v, p.deno, 0.5, "Deno") },
  { label: "`1+1` round trip, median of 200", key: "one_plus_one.median_s", fmt: ms, target: (v, p) => vsPeer(v, fastest(p), 1, "fastest peer") },
  { label: "`1+1` round trip, p95 of 200", key: "one_plus_one.p95_s", fmt: ms, target: (v, p) => vsPeer(v, fastest(p), 1, "fastest peer") },
  { label: "typed-function cell, median of 20", key: "typed_function.median_s", fmt: ms, target: (v) => [v <= 0.03, "≤ 30 ms"] },
  { label: "`Math.` completion, median of 50", key: "completion.median_s", fmt: ms, target: (v, p) => vsPeer(v, fastest(p), 1, "fastest peer") },
  { label: "RSS right after kernel_info_reply (process tree, median of 3)", key: "rss_after_start.bytes", fmt: mb, target: (v, p) => vsPeer(v, p.tslab, 1, "tslab", true) },
  { label: "RSS after the first `1+1` (process tree, median of 3)", key: "rss_after_first_cell.bytes", fmt: mb, target: (v, p) => vsPeer(v, p.tslab, 1, "tslab", true) },
  { label: "RSS after 200 declaring cells (process tree)", key: "rss_after_cells.bytes", fmt: mb, target: (v, p) => vsPeer(v, p.tslab, 1, "tslab", true) },
  { label: "time per cell, mean of first 20 of 200", key: "declarations.first20_mean_s", fmt: ms },
  { label: "time per cell, mean of last 20 of 200", key: "declarations.last20_mean_s", fmt: ms },
  { label: "last 20 / first 20", key: "declarations.ratio", fmt: x, target: (v) => [v <= 1.5, "≤ 1.5×"] },
  { label: "`1+1` round trip after those 200 cells, median of 20", key: "one_plus_one_after_cells.median_s", fmt: ms },
  { label: "interrupt `while (true) {}` → execute_reply, median of 5", key: "interrupt.median_s", fmt: ms },
];

function fastest(p) {
  const values = [p.tslab, p.deno].filter((v) => typeof v === "number");
  return values.length ? Math.min(...values) : undefined;
}
/** [met, text]: is ours at most `factor` × the peer's value (strictly below it when `strict`)? */
function vsPeer(v, peer, factor, name, strict = false) {
  const want = `${strict ? "<" : "≤"} ${factor === 1 ? "" : `${factor}× `}${name}`;
  if (typeof peer !== "number") return [null, `${want}; peer value n/a`];
  return [strict ? v < peer * factor : v <= peer * factor, `${want}; ours = ${x(v / peer)} ${name}`];
}

const escapeCell = (text) => String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
function value(raw, key) {
  if (raw.error) return { na: raw.error };
  const section = get(raw, key.split(".")[0]);
  if (section?.error) return { na: section.error };
  const v = get(raw, key);
  return typeof v === "number" ? v : { na: "not measured" };
}
/** Irregularities behind a number: cells whose idle status never came, values that came after idle. */
function notes(raw, key) {
  const section = get(raw, key.split(".")[0]) ?? {};
  const out = [];
  if (section.lost_idle) out.push(`${section.lost_idle} idle status${section.lost_idle > 1 ? "es" : ""} never came`);
  if (section.late_results) out.push(`${section.late_results} result${section.late_results > 1 ? "s" : ""} after idle`);
  return out.length ? ` (${out.join("; ")})` : "";
}
const na = (reason) => `n/a (${escapeCell(reason.length > 90 ? reason.slice(0, 87) + "…" : reason)})`;

function render(results) {
  const head = ["measure", ...kernels.map((k) => `${k.title}${k.version ? " " + k.version : ""}`), "target met? (ours)"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`];
  for (const row of rows) {
    const vals = Object.fromEntries(kernels.map((k) => [k.name, value(results[k.name], row.key)]));
    const cells = kernels.map((k) => (typeof vals[k.name] === "number" ? row.fmt(vals[k.name]) + notes(results[k.name], row.key) : na(vals[k.name].na)));
    let verdict = "— (no target)";
    if (row.target) {
      const ours = vals.jovial;
      if (typeof ours !== "number") verdict = "NO (not measured)";
      else {
        const [met, text] = row.target(ours, { tslab: vals.tslab, deno: vals.deno });
        verdict = `${met === null ? "n/a" : met ? "yes" : "**NO**"} (${text})`;
      }
    }
    lines.push(`| ${[row.label, ...cells, verdict].join(" | ")} |`);
  }
  const interrupts = kernels.map((k) => {
    const i = results[k.name].interrupt;
    return `${k.title}: ${results[k.name].error ? "not run" : i?.error ? i.error : i ? `${(i.reply_status ?? []).join(", ")}` : "not run"}`;
  });
  return { table: lines.join("\n"), interrupts: interrupts.join("; ") };
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  let distro = "";
  try {
    distro = `Debian ${readFileSync("/etc/debian_version", "utf8").trim()}, `;
  } catch {}
  return {
    nproc: os.availableParallelism(),
    cpu,
    node: process.version,
    os: `${distro}Linux ${os.release()}`,
    memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1),
    jupyter_client: run(python, ["-c", "import jupyter_client; print(jupyter_client.__version__)"]).stdout.trim(),
  };
}

const METHOD = `## Method

- \`npm run bench\` (\`node bench/run.js\`) installs tslab and Deno from npm into \`bench/.peers/\` when they are not there
  yet, installs our kernelspec with \`node bin/jovial.js kernel install --prefix <tmp>\` and writes kernelspecs for
  tslab (\`node …/tslab/bin/tslab kernel --config-path {connection_file}\`, the TypeScript variant, as \`tslab install\`
  writes it) and Deno (\`deno jupyter --kernel --conn {connection_file}\`) beside it. \`JUPYTER_PATH\` and
  \`JUPYTER_DATA_DIR\` point at that private folder, so no user kernelspec is used; \`JOVIAL_HISTORY_DIR\` and the
  runtime dir are temporary too; \`DENO_DIR\` is \`bench/.peers/deno-dir\` (kept between runs, like a user's cache).
  Every kernel starts in the same empty working folder.
- Ours runs from the built \`kernel/dist\` of this checkout; the commit is in the column header.
- \`bench/kernels.py\` measures one kernel through Debian's \`jupyter_client\` (\`KernelManager\` + blocking client);
  the kernels are measured one after another, never in parallel.
- **Cold start**: from calling \`km.start_kernel()\` (which writes the connection file and spawns the process) to the
  first \`kernel_info_reply\` (re-asked every 2 s if unanswered), and to the end of the first \`1+1\` cell. Between
  the two, the client asks \`kernel_info\` again until its status shows up on iopub (as jupyter_client's
  \`wait_for_ready\` does; otherwise ZeroMQ's slow joiner can lose the first cell's messages), which is included
  in the second number. 3 fresh kernels, median.
- **Round trip** of a cell: from sending \`execute_request\` until both the \`execute_reply\` and the \`idle\` status
  on iopub have arrived. \`1+1\`: 5 warm-up cells, then 200, median and p95. Typed function: 20 cells
  \`function area_i(r: number): number { return Math.PI * r * r }\` + \`area_i(2)\`, a new name each time, median;
  the result is checked (12.566…). A cell's value is its \`execute_result\` (ours, Deno; Deno's ANSI colours stripped)
  or what it printed (tslab prints values on stdout); a value arriving after \`idle\` is waited for (≤ 2 s).
- **Completion**: \`complete_request\` for \`Math.\` (cursor at the end) until \`complete_reply\`, 50 times, median;
  the matches must include \`PI\`.
- **RSS**: sum of \`VmRSS\` over the kernel process and all its descendant processes (from \`/proc\`); threads share
  their process's RSS, so each process is counted once. "Right after kernel_info_reply" and "after the first \`1+1\`"
  are medians over the 3 cold starts (a kernel that loads things in the background right after start gives a moving
  number there; the raw values are in \`results.json\`); "after 200 declaring cells" is measured in its own fresh kernel.
- **Sessions**: besides the 3 cold starts, each kernel is started three more times, fresh, so that one measurement
  does not inherit the history of another: (a) one warm-up \`1+1\` (so that a kernel's
  first-cell loading does not count as growth), 200 cells \`const v{i} = {i};\` (their round trips give the first-20 /
  last-20 means), RSS, then 20 × \`1+1\`; (b) the 200 \`1+1\` round trips; (c) typed function (its first cell is the kernel's first cell and pays any
  first-cell loading: the median leaves it out, \`max_s\` in \`results.json\` shows it), completion, interrupt.
- **Interrupt**: \`while (true) {}\`, 0.5 s later \`km.interrupt_kernel()\` (SIGINT for all three kernelspecs), time until
  the \`execute_reply\`; 5 times, median; after each the kernel must still answer \`1+1\` (tslab replies \`abort\` to
  the cells sent right after; they are retried every 0.1 s and counted). Each request has a
  timeout (30 s; 10 s for the interrupt), so a failing kernel gives "n/a (reason)" rather than a hang; every kernel
  is shut down with \`km.shutdown_kernel(now=True)\`.
- A cell whose \`execute_reply\` came but whose \`idle\` status did not within 5 s is left out of the timings and
  counted in the table ("idle status never came"); "results after idle" counts values published after \`idle\`.
- Nothing else is controlled: other processes on the machine share its cores (the load average before and after the
  run is in the header above), so differences of a few milliseconds are noise.
- Targets (from the issue): cold start at most half of Deno's; \`1+1\` round trip and completion no slower than the
  fastest peer; typed-function cell within 30 ms; last 20 cells within 1.5× of the first 20; RSS below tslab's.
  Ratios in the last column are ours / peer.
`;

// ------------------------------------------------------------------------------------------- main
/** Newest modification time under kernel/dist: tells whether our kernel was rebuilt while it was measured. */
const distStamp = () => Math.max(0, ...readdirSync(path.join(root, "kernel", "dist"), { recursive: true }).map((f) => statSync(path.join(root, "kernel", "dist", f)).mtimeMs));

const loadBefore = os.loadavg()[0];
try {
  setup();
  const results = {};
  const builtBefore = distStamp();
  results.jovial = measure(kernels[0]);
  const rebuilt = distStamp() !== builtBefore;
  if (rebuilt) log("kernel/dist changed while ours was measured: its numbers may mix two builds");
  for (const k of kernels.slice(1)) results[k.name] = measure(k);
  const { table, interrupts } = render(results);
  const date = new Date().toISOString();
  const m = machine();
  m.load_average_1min = { before: loadBefore, after: os.loadavg()[0] };
  const machineLine =
    `${m.nproc} cores (${m.cpu}), ${m.memory_gb} GB, ${m.os}, Node ${m.node}, jupyter_client ${m.jupyter_client}; ` +
    `load average ${loadBefore.toFixed(2)} before, ${m.load_average_1min.after.toFixed(2)} after`;
  const versions = kernels.map((k) => `${k.title} ${k.version ?? "(not installed)"}`).join(", ");
  const warning = rebuilt ? "\n\n**Warning: kernel/dist was rebuilt while our kernel was measured; its numbers may mix two builds.**" : "";
  console.log(`${table}\n\nInterrupt replies: ${interrupts}${warning}`);
  writeFileSync(
    path.join(bench, "results.json"),
    JSON.stringify(
      {
        date,
        machine: m,
        versions: Object.fromEntries(kernels.map((k) => [k.name, k.version ?? null])),
        problems: Object.fromEntries(kernels.map((k) => [k.name, k.problem ?? null])),
        table,
        interrupts,
        kernel_rebuilt_during_run: rebuilt,
        raw: results,
      },
      null,
      2,
    ) + "\n",
  );
  // The other benchmarks' sections (smoothy, cupid) are kept as they are.
  const previous = existsSync(path.join(bench, "README.md")) ? readFileSync(path.join(bench, "README.md"), "utf8") : "";
  const sections = [...previous.matchAll(/<!-- (\w+): written by [^>]*-->[\s\S]*?<!-- \/\1 -->/g)].map((m) => m[0]).join("\n\n");
  writeFileSync(
    path.join(bench, "README.md"),
    `# Benchmarks

Our TypeScript kernel beside [tslab](https://github.com/yunabe/tslab) and Deno's built-in Jupyter kernel, measured
in one run through Jupyter's own client. Regenerated by \`npm run bench\` (this file and \`results.json\`, which
also holds every raw number). smoothy's FITS reading beside astropy is in [smoothy.md](smoothy.md).

Run on ${date.slice(0, 16).replace("T", " ")} UTC; ${machineLine}. Versions: ${versions}.

${table}

Interrupt replies (status of each \`execute_reply\`): ${interrupts}.${warning}

${METHOD}
${sections ? `\n${sections}\n` : ""}`,
  );
  log("wrote bench/results.json and bench/README.md");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
