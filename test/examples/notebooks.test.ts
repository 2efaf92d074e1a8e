// "Examples are tests": every notebook in examples/ runs top to bottom under Debian's nbclient.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PYTHON, ROOT, testJupyterHome } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("examples");
const home = testJupyterHome();
const examples = path.join(ROOT, "examples");
const notebooks = readdirSync(examples)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

interface Output {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, string>;
  ename?: string;
}
interface Run {
  error: string | null;
  cells: Array<{ cell_type: string; source: string; tags: string[]; outputs: Output[] }>;
}

function run(notebook: string): Run {
  const r = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "run_notebook.py"), path.join(examples, notebook), path.join(home.dir, notebook), examples], {
    env: { ...process.env, ...home.env, JOVIAL_FITS_DIR: FITS_DIR },
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`nbclient failed on ${notebook}:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout) as Run;
}

const runs = new Map<string, Run>();
for (const notebook of notebooks) {
  test(`${notebook} runs without unexpected errors`, () => {
    const result = run(notebook);
    runs.set(notebook, result);
    assert.is(result.error, null, result.error ?? "");
    for (const cell of result.cells.filter((c) => c.cell_type === "code")) {
      const errors = cell.outputs.filter((o) => o.output_type === "error");
      assert.is(errors.length > 0, cell.tags.includes("raises-exception"), `cell ${JSON.stringify(cell.source.slice(0, 60))}: errors only where tagged`);
    }
  });
}

test("01-typescript-kernel.ipynb shows results, streams, rich displays, a type error and a traceback", () => {
  const result = runs.get("01-typescript-kernel.ipynb") ?? run("01-typescript-kernel.ipynb");
  const outputs = result.cells.flatMap((c) => c.outputs);
  const all = JSON.stringify(outputs);
  assert.ok(
    outputs.some((o) => o.output_type === "execute_result" && /^49\.4/.test(o.data!["text/plain"])),
    "velocity() result",
  );
  assert.ok(
    outputs.some((o) => o.output_type === "error" && o.ename === "TSError"),
    "the type error",
  );
  assert.ok(
    outputs.some((o) => o.output_type === "stream" && /observed in B7/.test(o.text!)),
    "streamed lines",
  );
  assert.ok(
    outputs.some((o) => o.data?.["text/html"]?.includes("<table>")),
    "an HTML table",
  );
  assert.ok(
    outputs.some((o) => o.data?.["image/svg+xml"]),
    "an SVG",
  );
  assert.ok(
    outputs.some((o) => o.data?.["text/plain"] === "'reduced 5 of 5 cubes'"),
    "the display updated in place to its last state",
  );
  assert.ok(
    outputs.some((o) => o.data?.["text/html"]?.includes("<b>Orion KL</b>")),
    "Jupyter.display bundle",
  );
  assert.match(all, /PrimaryHDU/);
  assert.match(all, /\[ 'Orion KL', \[ 4, 3 \], 'Jy\/beam' \]/);
  assert.match(all, /at fluxRatio \(In\[\d+\]:2:\d+\)/);
});

test("02-smoothy.ipynb walks through the real ALMA cube: its view, moment maps with contours, a spectrum, a slab in K", () => {
  const result = runs.get("02-smoothy.ipynb") ?? run("02-smoothy.ipynb");
  const outputs = result.cells.flatMap((c) => c.outputs);
  const html = outputs.map((o) => o.data?.["text/html"] ?? "").join("\n");
  const text = JSON.stringify(outputs);
  assert.match(html, /kernelspecs\/jovial\/three\.module\.js/, "the volume loads three.js from the kernelspec");
  assert.match(html, /data-part="map"/, "the cube's moment-0 map and spectrum beside the volume");
  assert.ok((html.match(/kernelspecs\/jovial\/plotly\.min\.js/g) ?? []).length >= 5, "the plotly views: cube, moment 0, moment 1, spectrum, continuum");
  assert.match(text, /"type":"contour"|contourlevel|\\"contour\\"/, "moment 0 with contours");
  assert.match(text, /pos\.eq\.ra/);
  assert.match(text, /peak \d+\.\d K/);
  assert.match(text, /Jy km \/ \(beam s\): (100 × 100|64 × 64)/, "the moment-0 map written and read back, its unit as astropy writes it");
  if (sharedAvailable("02-smoothy with the real data")) {
    assert.match(text, /the real ALMA data in /);
    assert.match(text, /shape: \[ 100, 100, 41 \]/, "the Orion KL methanol cube, Stokes squeezed away");
  }
});

test("03-clumps.ipynb finds the Orion KL clumps with FellWalker and ClumpFind and shows them outlined beside the catalogue", () => {
  const result = runs.get("03-clumps.ipynb") ?? run("03-clumps.ipynb");
  const outputs = result.cells.flatMap((c) => c.outputs);
  const text = JSON.stringify(outputs);
  assert.match(text, /\d+ clumps \(fellwalker, RMS /);
  assert.match(text, /\d+ clumps \(clumpfind, RMS /);
  assert.match(text, /MINPIX: '16'/, "CUPID's resolved configuration (3-D default MinPix)");
  const html = outputs.map((o) => o.data?.["text/html"] ?? "").join("\n");
  assert.match(html, /<th>Cen3<\/th>/, "the catalogue of a 3-D cube");
  assert.match(html, /clumps on moment 0/, "the outlines over the moment-0 map");
  assert.match(text, /clumps written to /);
  if (sharedAvailable("03-clumps with the real data")) assert.match(text, /RA_cen/);
});

test("04-casa.ipynb opens a CASA image as a smoothy cube, lists a MeasurementSet, runs TaQL and converts measures", () => {
  const result = runs.get("04-casa.ipynb") ?? run("04-casa.ipynb");
  const text = JSON.stringify(result.cells.flatMap((c) => c.outputs));
  assert.match(text, /casacore 3\.\d/);
  assert.match(text, /PagedImage/);
  assert.match(text, /Frequency \(spectral LSRK\)/);
  assert.match(text, /npts: \d+/);
  assert.match(text, /clumps \(fellwalker/);
  assert.match(text, /Scans: 5/);
  assert.match(text, /rowsPerScan: \[ 36, 36, 36, 36, 36 \]/);
  assert.match(text, /galactic: \[ '209\.01\d+', '-19\.38\d+' \]/);
});

test("05-pipeline.ipynb runs RoISE over a generated archive with distribute(), draws the paper's two figures and resumes from its results", () => {
  const result = runs.get("05-pipeline.ipynb") ?? run("05-pipeline.ipynb");
  const text = JSON.stringify(result.cells.flatMap((c) => c.outputs));
  assert.match(text, /(24|25) cubes done, \d+ regions, 0 failures/);
  assert.match(text, /regions on the sky/);
  assert.match(text, /area against intensity/);
  assert.match(text, /\\"type\\":\\"log\\"|"type":"log"/, "log axes");
  assert.match(text, /(24|25) results, read back from the file/);
});

test.after(() => home.cleanup());
test.run();
