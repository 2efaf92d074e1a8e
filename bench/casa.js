#!/usr/bin/env node
// casa-bridge beside python-casacore (Debian's python3-casacore), in one run on the same files: a
// 512 × 512 × 256 float CASA image read whole and plane by plane, and a column of a million rows read
// directly and through a TaQL selection. Medians; the table goes to the casa section of bench/README.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CasaImage, CasaTable, taql } from "casa-bridge";
import { writeReadmeSection } from "./readme-section.js";

const log = (...a) => console.error("[bench casa]", ...a);
const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-bench-casa-"));
const python = (mode) => {
  const r = spawnSync("/usr/bin/python3", [path.join(path.dirname(new URL(import.meta.url).pathname), "casa_python.py"), mode, dir], { encoding: "utf8", timeout: 30 * 60 * 1000 });
  if (r.status !== 0) throw new Error(`casa_python.py ${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
};

async function median(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

try {
  log("making the fixtures with python-casacore");
  const { image: imagePath, table: tablePath } = python("make");
  const image = CasaImage.open(imagePath);
  await image.plane(0); // opened and warm, as on the python side
  const ours = {
    whole_s: await median(() => image.getData(), 5),
    planes_s: await median(async () => {
      for (let k = 0; k < 256; k++) await image.plane(k);
    }, 3),
  };
  image.close();
  const table = CasaTable.open(tablePath);
  ours.column_s = await median(() => table.getColumn("VALUE"), 7);
  // Kept open through the TaQL loop, as the python side keeps its table: casacore then reuses it.
  ours.taql_s = await median(async () => {
    const t = await taql(`SELECT VALUE FROM '${tablePath}' WHERE GROUP < 50`);
    await t.getColumn("VALUE");
    t.close();
  }, 5);
  table.close();
  log("python-casacore's side");
  const theirs = python("time");
  const rows = [
    ["512 × 512 × 256 float image, read whole (256 MiB)", "whole_s"],
    ["the same, plane by plane (256 reads)", "planes_s"],
    ["a double column of 1,000,000 rows", "column_s"],
    ["TaQL: SELECT VALUE ... WHERE GROUP < 50, then the column (500,000 rows)", "taql_s"],
  ];
  const time = (s) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
  const table2 = [
    "| measure (median) | casa-bridge | python-casacore | ours / theirs | target |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      ([label, key]) =>
        `| ${label} | ${time(ours[key])} | ${time(theirs[key])} | ${(ours[key] / theirs[key]).toFixed(2)}× | ≤ 1×: ${ours[key] <= theirs[key] ? "met" : "**missed**"} |`,
    ),
  ].join("\n");
  console.log(table2);
  writeReadmeSection(
    "casa",
    `## casa-bridge beside python-casacore

From \`bench/casa.js\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: the same files, made by python-casacore, read by
both in one run (each image kept open and warmed by one plane first).

${table2}
`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
