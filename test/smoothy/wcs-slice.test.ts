// Each product's WCS is sliced to its own axes: against astropy's SlicedLowLevelWCS, wcs.celestial
// and wcs.spectral on the real Orion cube and on a cube whose frequency also moves along x.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Cube, Header, type Image, load, open, parseCard, WCS } from "smoothy";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";

const test = suite("sliced WCS");
const ORION = path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits");
const dir = mkdtempSync(path.join(os.tmpdir(), "wcs-slice-"));
const COUPLED = path.join(dir, "coupled.fits");

type Arrays = number[][];
interface Reference {
  points: { x: number[]; y: number[]; z: number[] };
  cube: Arrays;
  sub: { world: Arrays; pixel: Arrays };
  spectrum: { world_n_dim: number; world: Arrays; channels: number[] };
  plane: { world_n_dim: number; world: Arrays };
  celestial: { ctype: string[]; crpix: number[]; world: Arrays; pixel: Arrays };
  spectral: { ctype: string[]; world: Arrays };
  coupled_map: { world_n_dim: number; world: Arrays };
  coupled_spectrum: { world_n_dim: number; world: Arrays };
}
let reference!: Reference;
test.before(() => {
  if (!sharedAvailable("sliced WCS")) return;
  const r = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "astropy_sliced_wcs.py"), ORION, COUPLED], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  reference = JSON.parse(r.stdout);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** World arrays equal to astropy's, to 1e-10 of a degree or 1e-12 relative. */
function sameWorld(actual: Float64Array[], expected: Arrays, what: string): void {
  assert.is(actual.length, expected.length, `${what}: world axes`);
  actual.forEach((axis, w) =>
    axis.forEach((v, i) => {
      const e = expected[w][i];
      assert.ok(Math.abs(v - e) <= Math.max(1e-10, 1e-12 * Math.abs(e)), `${what}: world axis ${w}, point ${i}: ${v} vs astropy's ${e}`);
    }),
  );
}

sharedTest(test, "a cube with a squeezed Stokes axis has a 3-D WCS, as SlicedLowLevelWCS holding Stokes at 0", async () => {
  const cube = (await load(ORION)) as Cube;
  assert.is(cube.wcs!.pixelNDim, 3);
  assert.is(cube.wcs!.worldNDim, 3);
  assert.equal(
    cube.wcs!.ctype.map((c) => c.trim()),
    ["RA---SIN", "DEC--SIN", "FREQ"],
  );
  const { x, y, z } = reference.points;
  sameWorld(cube.pixelToWorldValues(x, y, z), reference.cube, "cube");
  assert.match(String(cube.wcs), /Sliced {2}: axes 1, 2, 3 of 4; 4 at pixel 0/);
});

sharedTest(test, "a sub-cube's WCS starts at its first pixel, both ways", async () => {
  const cube = (await load(ORION)) as Cube;
  const sub = cube.subcube([10, 20, 5], [40, 50, 30]);
  const world = sub.pixelToWorldValues([0, 1], [0, 2], [0, 3]);
  sameWorld(world, reference.sub.world, "sub-cube");
  sameWorld(sub.worldToPixelValues(...world), reference.sub.pixel, "sub-cube inverse");
  assert.is(sub.wcs!.crpix[0], cube.wcs!.crpix[0] - 10);
  assert.is(sub.wcs!.crpix[2], cube.wcs!.crpix[2] - 5);
});

sharedTest(test, "a spectrum's WCS is its spectral axis alone; a plane's and a moment map's are celestial", async () => {
  const cube = (await load(ORION)) as Cube;
  const spectrum = cube.spectrumAt(50, 60);
  assert.is(spectrum.wcs!.pixelNDim, 1);
  assert.is(spectrum.wcs!.worldNDim, reference.spectrum.world_n_dim);
  sameWorld(spectrum.pixelToWorldValues(reference.spectrum.channels), reference.spectrum.world, "spectrum");
  assert.equal([...spectrum.spectralValues()], [...cube.spectralValues()]);

  const { x, y } = reference.points;
  const plane = cube.plane(20);
  assert.is(plane.wcs!.worldNDim, reference.plane.world_n_dim);
  sameWorld(plane.pixelToWorldValues(x, y), reference.plane.world, "plane 20");

  const m0: Image = cube.moment(0);
  assert.equal(
    m0.wcs!.ctype.map((c) => c.trim()),
    reference.celestial.ctype,
  );
  assert.is(m0.spectralAxis, -1);
  assert.equal([...m0.wcs!.crpix], reference.celestial.crpix);
  sameWorld(m0.pixelToWorldValues(x, y), reference.celestial.world, "moment 0");
  sameWorld(m0.worldToPixelValues(...m0.pixelToWorldValues(x, y)), reference.celestial.pixel, "moment 0 inverse");
});

sharedTest(test, "WCS.celestial and WCS.spectral as astropy's; slices of slices compose", async () => {
  const hdul = await open(ORION);
  const wcs: WCS = hdul.get(0).wcs();
  const { x, y } = reference.points;
  sameWorld(wcs.celestial!.pixelToWorldValues(x, y), reference.celestial.world, "celestial");
  const channels = reference.spectrum.channels;
  sameWorld(wcs.spectral!.pixelToWorldValues(channels), reference.spectral.world, "spectral");
  assert.equal(
    wcs.spectral!.ctype.map((c) => c.trim()),
    reference.spectral.ctype,
  );
  // Stokes held, then a cut-out from pixel (10, 20, 5), is the sub-cube's WCS.
  const twice = wcs.slice([null, null, null, 0]).slice([[10], [20], [5]]);
  sameWorld(twice.pixelToWorldValues([0, 1], [0, 2], [0, 3]), reference.sub.world, "slice of a slice");
  assert.is(wcs.celestial!.spectral, undefined);
  assert.is(wcs.spectral!.celestial, undefined);
  await hdul.close();
});

sharedTest(test, "a world axis moved by a kept pixel axis stays, as in astropy (frequency moving along x)", async () => {
  const hdul = await open(COUPLED);
  const wcs = hdul.get(0).wcs();
  const map = wcs.slice([null, null, 3]);
  assert.is(map.pixelNDim, 2);
  assert.is(map.worldNDim, reference.coupled_map.world_n_dim);
  sameWorld(map.pixelToWorldValues([0, 5, 15], [0, 9, 2]), reference.coupled_map.world, "map of the coupled cube");
  const spectrum = wcs.slice([6, 4, null]);
  assert.is(spectrum.worldNDim, reference.coupled_spectrum.world_n_dim);
  sameWorld(spectrum.pixelToWorldValues([0, 1, 7]), reference.coupled_spectrum.world, "spectrum of the coupled cube");
  await hdul.close();
});

test("slices that are not slices of pixels are refused, naming the axis", () => {
  const cards = ["NAXIS   = 2", "CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", "CRVAL1  = 10.0", "CRVAL2  = 20.0", "CDELT1  = -0.01", "CDELT2  = 0.01"];
  const wcs = WCS.fromHeader(new Header(cards.map((c) => parseCard(c.padEnd(80)))));
  assert.throws(() => wcs.slice([null, null, null]), /3 axes given, the WCS has 2 pixel axes/);
  assert.throws(() => wcs.slice([Number.NaN]), /axis 0 is held at NaN/);
  assert.throws(() => wcs.slice([[5, 2]]), /axis 0 range \[5, 2\) is not a range of pixels/);
  assert.throws(() => wcs.slice([0]).pixelToWorldValues([1], [2]), /expected 1 coordinate arrays \(one per pixel axis\), got 2/);
});

test.run();
