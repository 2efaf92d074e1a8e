#!/usr/bin/env node
// CUPID's clump finders (native/cupid through cupid-bindings) beside CUPID itself: on every reference
// case, against CUPID's own core time recorded there (result.json's timing_core_s, measured on the
// same kind of 2-core machine), and on a generated 128 × 256 × 256 float32 cube with hundreds of
// clumps, against the times the issue gives for CUPID there (FellWalker 0.8 s, ClumpFind 0.9 s):
// CUPID itself is not installed here. Ours both as the native flow's own time (RMS when not given, algorithm, catalogue, mask, in
// its worker thread) and as the whole call from JavaScript (the copy in, the worker's round trip, the
// catalogue's columns and world coordinates). Medians; the table goes to the cupid section of bench/README.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Cube, Header, load, mulberry32 } from "smoothy";
import { findClumps } from "cupid-bindings";
import { writeReadmeSection } from "./readme-section.js";

const bench = path.dirname(fileURLToPath(import.meta.url));
const reference = path.resolve(bench, "..", "..", "shared", "cupid", "reference");
const log = (...a) => console.error("[bench cupid]", ...a);

/** Medians of the whole call and of the native flow's own time. */
async function median(fn, n) {
  const call = [],
    core = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const result = await fn();
    call.push((performance.now() - t) / 1000);
    core.push(result.seconds);
  }
  const mid = (a) => a.sort((x, y) => x - y)[Math.floor(n / 2)];
  return { call: mid(call), core: mid(core) };
}

/** A cube like a crowded molecular cloud: hundreds of Gaussian clumps of varied sizes, in noise 0.1. */
function crowdedCube([nx, ny, nz], count) {
  const data = new Float32Array(nx * ny * nz);
  const { next: uniform, normal } = mulberry32(12345);
  for (let i = 0; i < data.length; i++) data[i] = 0.1 * normal();
  for (let k = 0; k < count; k++) {
    const [cx, cy, cz] = [uniform() * nx, uniform() * ny, uniform() * nz];
    const s = 1.2 + uniform() * 2.5,
      peak = 0.5 + uniform() * 4,
      r = Math.ceil(3 * s);
    for (let z = Math.max(0, Math.floor(cz - r)); z < Math.min(nz, cz + r); z++)
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(ny, cy + r); y++)
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(nx, cx + r); x++)
          data[(z * ny + y) * nx + x] += peak * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2) / (2 * s * s));
  }
  return new Cube({ data, shape: [nx, ny, nz], unit: "K", source: "generated", header: new Header([]) });
}

const rows = [];
if (existsSync(reference)) {
  for (const c of readdirSync(reference).filter((d) => !d.endsWith(".md"))) {
    for (const run of readdirSync(path.join(reference, c))
      .filter((r) => /^(fw|cf|rh|gc)_/.test(r))
      .sort()) {
      const result = JSON.parse(readFileSync(path.join(reference, c, run, "result.json"), "utf8"));
      const input = await load(path.resolve(reference, c, result.input));
      const options = { method: result.method, config: result.config_supplied, rms: result.rms_supplied, deconv: result.deconv === 1, backoff: result.backoff === 1 };
      const { call, core } = await median(() => findClumps(input, options), result.method === "gaussclumps" ? 5 : 21);
      rows.push({ what: `${c}/${run} (${result.method})`, ours: core, call, cupid: result.timing_core_s.median });
      log(rows.at(-1));
    }
  }
} else {
  log(`${reference} is absent: the reference cases are skipped`);
}
const shape = [256, 256, 128];
log("generating the 128 × 256 × 256 cube");
const cube = crowdedCube(shape, 600);
for (const [method, cupid] of [
  ["fellwalker", 0.8],
  ["clumpfind", 0.9],
]) {
  let clumps = 0;
  const { call, core } = await median(async () => {
    const r = await findClumps(cube, { method, rms: 0.1 });
    clumps = r.nClumps;
    return r;
  }, 3);
  rows.push({ what: `128 × 256 × 256 float32, 600 sources: ${clumps} clumps (${method})`, ours: core, call, cupid, cupidSource: "the issue's figure" });
  log(rows.at(-1));
}
const cores = os.cpus().length;
const time = (s) => (s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(3)} s`);
const table = [
  "| case | ours: native flow | ours: whole call from JS | CUPID: core algorithm | native / CUPID |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.what} | ${time(r.ours)} | ${time(r.call)} | ${time(r.cupid)}${r.cupidSource ? ` (${r.cupidSource})` : ""} | ${(r.ours / r.cupid).toFixed(2)}× |`),
].join("\n");
console.log(table);
const date = new Date().toISOString().slice(0, 16).replace("T", " ");
writeFileSync(path.join(bench, "cupid.json"), JSON.stringify({ date, cores, rows }, null, 2) + "\n");
writeReadmeSection(
  "cupid",
  `## CUPID's clump finders beside CUPID

From \`bench/cupid.js\` on ${date} UTC, ${cores} cores. Ours: the native FINDCLUMPS flow's own time in its worker
thread (algorithm, catalogue and mask; the RMS is given, as in the reference runs), and the whole \`findClumps\`
call from JavaScript; medians of 21 runs (GaussClumps 5; the big cube 3). CUPID: the core algorithm
call alone as recorded in each reference case's \`result.json\` (\`timing_core_s\`, median of 7, single thread,
gcc -O2, the same kind of 2-core machine); for the generated cube, the times the issue gives, as CUPID is not
installed here.

${table}
`,
);
