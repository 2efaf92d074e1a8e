// visualize(): plain view specs (plotly figures, three.js volumes) from products, without a browser.
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, cubeViewSpec, Header, type Image, imageFigure, load, open, spectrumFigure, View, visualize, volumeSpec, type PlotlyFigure } from "smoothy";
import { stretchedColorscale } from "../../smoothy/src/visualize/stretch.ts";
import { FITS_DIR, sharedTest } from "../helpers/shared.ts";

const test = suite("visualize");
const ORION = path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits");

/** A view's MIME bundle, as the kernel asks for it (Deno's Jupyter.display convention). */
function displayBundle(view: View): Record<string, unknown> {
  return (view as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")]();
}

sharedTest(test, "a spectrum: a line on radio velocity in km/s when the header has a rest frequency", async () => {
  const cube = (await load(ORION)) as Cube;
  const figure = spectrumFigure(cube.spectrumAt(50, 60));
  const trace = figure.data[0] as { x: number[]; y: number[]; type: string };
  assert.is(trace.type, "scatter");
  assert.is(trace.x.length, 41);
  const v = cube.spectralValues("VRAD");
  assert.ok(Math.abs(trace.x[10] - v[10] / 1000) < 1e-9, "km/s");
  assert.match(JSON.stringify(figure.layout), /Radio velocity \(km\/s\)/);
  const inGhz = spectrumFigure(cube.spectrumAt(50, 60), { kind: "FREQ" });
  assert.ok(Math.abs((inGhz.data[0] as { x: number[] }).x[0] - 229.7631613214) < 1e-9);
});

sharedTest(test, "an image: a heatmap with sexagesimal celestial ticks, binned to at most maxPixels a side", async () => {
  const image = (await load(path.join(FITS_DIR, "m13.fits"))) as Image;
  const figure = imageFigure(image, { maxPixels: 100 });
  const z = (figure.data[0] as { z: { dtype: string; bdata: string; shape: string } }).z;
  assert.is(z.dtype, "f4");
  assert.is(z.shape, "100,100");
  assert.is(Buffer.from(z.bdata, "base64").length, 100 * 100 * 4, "float32, base64: a third of the size of numbers in JSON");
  assert.match(JSON.stringify(figure.layout), /16h41m/);
  assert.match(JSON.stringify(figure.layout), /shown 3× binned/);
});

sharedTest(test, "a cube: an 8-bit volume, a moment-0 map and 16-bit binned spectra; the HTML loads its libraries from the kernelspec", async () => {
  const cube = (await load(ORION)) as Cube;
  const volume = volumeSpec(cube, { maxSide: 50 });
  assert.equal([volume.width, volume.height, volume.depth], [50, 50, 21]);
  assert.is(volume.data.length, 50 * 50 * 21);
  assert.ok(volume.data.some((v) => v === 255) && volume.data.some((v) => v === 0));
  const spec = cubeViewSpec(cube, { transfer: "composite" });
  assert.is(spec.volume.transfer, "composite");
  const grid = spec.spectra;
  assert.equal(grid.shape, [34, 34, 41], "at most 48 cells a side: 3 × 3 pixels each");
  // The binned spectrum of the cell holding (50, 60) is the mean of its 3 × 3 pixels, to 16 bits.
  const [gx, gy] = [16, 20];
  for (const k of [0, 20, 40]) {
    const q = grid.data[(k * grid.shape[1] + gy) * grid.shape[0] + gx];
    const pixels = [48, 49, 50].flatMap((x) => [60, 61, 62].map((y) => cube.at(x, y, k))).filter(Number.isFinite);
    assert.ok(Math.abs(grid.low + grid.step * q - pixels.reduce((a, b) => a + b) / pixels.length) <= grid.step, `channel ${k}`);
  }
  const v = cube.spectralValues("VRAD");
  assert.ok(Math.abs(grid.x[7] - v[7] / 1000) < 1e-9, "spectra against velocity in km/s");
  const view = await visualize(cube);
  assert.instance(view, View);
  const bundle = displayBundle(view) as Record<string, string>;
  assert.match(bundle["text/html"], /kernelspecs\/jovial\/three\.module\.js/);
  assert.match(bundle["text/html"], /data-part="map"/);
  assert.match(bundle["text/plain"], /Cube 100 × 100 × 41/);
  const moment = (await visualize(cube, { cube: "moment0", stretch: "asinh", contours: [0.5, 1] })).spec as { kind: string; figure: PlotlyFigure };
  assert.is(moment.kind, "plotly");
  assert.equal(
    moment.figure.data.map((t) => t.type),
    ["heatmap", "contour", "contour"],
  );
  assert.is((moment.figure.data[0].colorscale as unknown[]).length, 65, "the stretch resamples the colour scale");
  await assert.is(await visualize(cube, { transfer: "soft" as never }).catch((e: Error) => e.message), 'transfer "soft": use "mip" or "composite"');
});

test("stretches: linear keeps the scale, sqrt/log/asinh put the scale's colours at stretched fractions", () => {
  assert.is(stretchedColorscale("Viridis", "linear"), "Viridis");
  const sqrt = stretchedColorscale("Greys", "sqrt") as Array<[number, string]>;
  // Greys runs black to white: at data fraction 0.25 a sqrt stretch shows the colour of 0.5.
  assert.equal(sqrt[16], [0.25, "rgb(128,128,128)"]);
  const log = stretchedColorscale("Greys", "log") as Array<[number, string]>;
  assert.ok(Number(/rgb\((\d+)/.exec(log[1][1])![1]) > 100, "log lifts the faint end");
  assert.throws(() => stretchedColorscale("Electric", "sqrt"), /use one of Viridis, Greys, Hot, RdBu/);
  assert.throws(() => stretchedColorscale("Viridis", "cube" as never), /stretch "cube"/);
});

test("a big cube's view stays under 2.5 MB; a standalone page carries its libraries and needs no server", async () => {
  const [nx, ny, nz] = [300, 300, 240];
  const data = new Float32Array(nx * ny * nz);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) + (i % 977 === 0 ? 50 : 0);
  const cube = new Cube({ data, shape: [nx, ny, nz], unit: "K", source: "generated", header: new Header([]) });
  const view = await visualize(cube);
  const html = (displayBundle(view) as Record<string, string>)["text/html"];
  assert.ok(html.length < 2.5e6, `${(html.length / 1e6).toFixed(2)} MB`);
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-page-"));
  try {
    const file = path.join(dir, "view.html");
    await visualize(cube, { out: file });
    const page = readFileSync(file, "utf8");
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /__jovialAssets\["three\.module\.js"\]/);
    assert.ok(page.length > html.length + 1e6, "plotly.js and three.js are inside the page");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

sharedTest(test, "a table, an HDUList, a path; and a clear error for anything else", async () => {
  const list = await open(path.join(FITS_DIR, "small_perplanebeam.fits"));
  const tableView = await visualize(list.get("BEAMS"));
  await list.close();
  assert.match(tableView.description, /Table: 11 rows × 5 columns/);
  const fromPath = await visualize(path.join(FITS_DIR, "gbt_1d.fits"));
  assert.match(fromPath.description, /Spectrum of 4096 channels/);
  const error = await visualize(42 as never).catch((e) => e);
  assert.match(error.message, /cannot show \[object Number\]/);
});

test("text from a FITS header cannot end the view's script (no script injection)", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  const { writeImage } = await import("smoothy");
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-xss-"));
  try {
    const file = path.join(dir, "evil.fits");
    await writeImage(file, { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }, { header: { BUNIT: "</script><img src=x onerror=alert(1)>" } });
    const bundle = displayBundle(await visualize(file)) as Record<string, string>;
    assert.not.match(bundle["text/html"], /<\/script><img/);
    assert.match(bundle["text/html"], /\\u003c\/script>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
