// visualize(): plain view specs (plotly figures, three.js volumes) from products, without a browser.
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, Image, imageFigure, load, open, spectrumFigure, View, visualize, volumeSpec } from "smoothy";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("visualize");
const ORION = path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits");

test("a spectrum: a line on radio velocity in km/s when the header has a rest frequency", async () => {
  if (!sharedAvailable("visualize")) return;
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

test("an image: a heatmap with sexagesimal celestial ticks, binned to at most maxPixels a side", async () => {
  if (!sharedAvailable("visualize")) return;
  const image = (await load(path.join(FITS_DIR, "m13.fits"))) as Image;
  const figure = imageFigure(image, { maxPixels: 100 });
  const z = (figure.data[0] as { z: number[][] }).z;
  assert.is(z.length, 100);
  assert.is(z[0].length, 100);
  assert.match(JSON.stringify(figure.layout), /16h41m/);
  assert.match(JSON.stringify(figure.layout), /shown 3× binned/);
});

test("a cube: an 8-bit volume as Data3DTexture takes it; a View renders HTML that loads its libraries from the kernelspec", async () => {
  if (!sharedAvailable("visualize")) return;
  const cube = (await load(ORION)) as Cube;
  const volume = volumeSpec(cube, { maxSide: 50 });
  assert.equal([volume.width, volume.height, volume.depth], [50, 50, 21]);
  assert.is(volume.data.length, 50 * 50 * 21);
  assert.ok(volume.data.some((v) => v === 255) && volume.data.some((v) => v === 0));
  const view = await visualize(cube);
  assert.instance(view, View);
  const bundle = view[Symbol.for("Jupyter.display")]() as Record<string, string>;
  assert.match(bundle["text/html"], /kernelspecs\/jovial\/three\.module\.js/);
  assert.match(bundle["text/plain"], /Cube 100 × 100 × 41/);
  const moment = (await visualize(cube, { cube: "moment0" }))[Symbol.for("Jupyter.display")]() as Record<string, unknown>;
  assert.ok(moment["application/vnd.plotly.v1+json"]);
});

test("a table, an HDUList, a path; and a clear error for anything else", async () => {
  if (!sharedAvailable("visualize")) return;
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
    const bundle = (await visualize(file))[Symbol.for("Jupyter.display")]() as Record<string, string>;
    assert.not.match(bundle["text/html"], /<\/script><img/);
    assert.match(bundle["text/html"], /\\u003c\/script>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
