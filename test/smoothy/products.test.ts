// Spectrum, Image, Cube and their operations, against astropy and numpy on the real Orion KL cube.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, Image, load, Spectrum, statistics } from "smoothy";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";

const test = suite("products");
const ORION = path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits");

const close = (a: number, b: number, rel = 1e-9) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= rel * Math.max(1e-30, Math.abs(b));

/** What test/clients/astropy_products.py reads of the Orion cube with astropy. */
interface ProductsReference {
  shape: number[];
  freq: number[];
  vrad: number[];
  vopt: number[];
  wave: number[];
  spectrum_50_60: number[];
  m0: Record<string, number | null>;
  m1: Record<string, number | null>;
  m2: Record<string, number | null>;
  mad_std: number;
  k_per_jy: number[];
  plane20_world_0_0: number[];
  [other: string]: unknown;
}
// Set before every test that reads it: those are skipped without ../shared.
let reference!: ProductsReference;
test.before(() => {
  if (!sharedAvailable("products")) return;
  const r = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "astropy_products.py"), ORION], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  reference = JSON.parse(r.stdout);
});

sharedTest(test, "a 4-D ALMA cube with a degenerate Stokes axis loads as a 3-D Cube with WCS, unit and beam", async () => {
  const cube = await load(ORION);
  assert.instance(cube, Cube);
  assert.equal(cube.shape, reference.shape);
  assert.is(cube.unit, "Jy / beam", "BUNIT = 'JY/BEAM', as astropy writes it");
  assert.ok(cube.beam && Math.abs(cube.beam.bmaj - 0.0005261126491759) < 1e-15);
  assert.is(cube.spectralAxis, 2);
});

sharedTest(test, "spectral values in frequency, radio and optical velocity and wavelength, as astropy's equivalencies", async () => {
  const cube = (await load(ORION)) as Cube;
  for (const [kind, key] of [
    ["FREQ", "freq"],
    ["VRAD", "vrad"],
    ["VOPT", "vopt"],
    ["WAVE", "wave"],
  ] as const) {
    const ours = cube.spectralValues(kind);
    reference[key].forEach((v: number, k: number) => assert.ok(close(ours[k], v, 1e-12) || Math.abs(ours[k] - v) < 1e-6, `${kind}[${k}]: ${ours[k]} vs ${v}`));
  }
});

sharedTest(test, "spectrum at a pixel, moments 0, 1, 2 in radio velocity, robust noise, Jy/beam to K", async () => {
  const cube = (await load(ORION)) as Cube;
  const spectrum = cube.spectrumAt(50, 60);
  assert.instance(spectrum, Spectrum);
  reference.spectrum_50_60.forEach((v: number, k: number) => assert.ok(close(spectrum.data[k], v, 1e-7), `channel ${k}`));
  for (const order of [0, 1, 2] as const) {
    const m = cube.moment(order, "VRAD", { unit: "m/s" });
    const km = cube.moment(order, "VRAD");
    assert.instance(m, Image);
    assert.is(km.unit, order === 0 ? "Jy km / (beam s)" : "km / s", "velocity moments default to km/s");
    assert.is(cube.moment(order).unit, km.unit, "a line cube's moments default to radio velocity");
    for (const [xy, v] of Object.entries(reference[`m${order}`] as Record<string, number | null>)) {
      const [x, y] = xy.split(",").map(Number);
      assert.ok(close(m.at(x, y), v ?? NaN, 1e-6), `moment ${order} at ${xy}: ${m.at(x, y)} vs ${v}`);
      assert.ok(close(km.at(x, y) * 1000, v ?? NaN, 1e-6), `moment ${order} in km/s at ${xy}`);
    }
  }
  assert.throws(() => cube.moment(1, "VRAD", { unit: "GHz" }), /"GHz" does not fit VRAD: use one of m\/s, km\/s/);
  assert.ok(close(cube.noise(), reference.mad_std, 1e-9), `noise ${cube.noise()} vs ${reference.mad_std}`);
  const kelvin = cube.toKelvin();
  assert.is(kelvin.unit, "K");
  for (const k of [0, 20, 40]) assert.ok(close(kelvin.at(50, 60, k) / cube.at(50, 60, k), reference.k_per_jy[k], 1e-9), `K per Jy/beam at channel ${k}`);
});

sharedTest(test, "slabs, sub-cubes and planes keep their world coordinates", async () => {
  const cube = (await load(ORION)) as Cube;
  const v = cube.spectralValues("VRAD");
  const slab = cube.spectralSlab(v[10], v[14], "VRAD");
  assert.equal(slab.shape, [100, 100, 5]);
  assert.equal(
    [...slab.spectralValues("VRAD")].map((x) => x.toFixed(6)),
    [...v.slice(10, 15)].map((x) => x.toFixed(6)),
  );
  const sub = cube.subcube([10, 20, 5], [30, 25, 9]);
  assert.is(sub.at(3, 2, 1), cube.at(13, 22, 6));
  const [ra, dec] = sub.pixelToWorldValues([3], [2], [1]);
  const [ra0, dec0] = cube.pixelToWorldValues([13], [22], [6]);
  assert.is(ra[0], ra0[0]);
  assert.is(dec[0], dec0[0]);
  const plane = cube.plane(20);
  assert.equal(plane.shape, [100, 100]);
  const [pra, pdec] = plane.pixelToWorldValues([0], [0]);
  assert.ok(Math.abs(pra[0] - reference.plane20_world_0_0[0]) < 1e-9 && Math.abs(pdec[0] - reference.plane20_world_0_0[1]) < 1e-9);
  const max = cube.collapse("max");
  assert.is(max.at(50, 60), Math.max(...reference.spectrum_50_60));
  const threshold = 5 * cube.noise();
  const masked = cube.mask((value) => value > threshold);
  const kept = statistics(masked.data);
  assert.ok(kept.npts > 0 && kept.npts < cube.size && kept.min > threshold);
});

sharedTest(test, "errors name the product and the cause", async () => {
  const cube = (await load(ORION)) as Cube;
  assert.throws(() => cube.spectrumAt(100, 0), /pixel \(100, 0\) is outside the 100 × 100 map/);
  assert.throws(() => cube.spectralSlab(1e12, 2e12, "FREQ"), /no channel of .*Orion.* lies between/);
  assert.throws(() => cube.plane(41), /channel 41 is outside the cube's 41 channels/);
  const image = await load(path.join(FITS_DIR, "m13.fits"));
  assert.instance(image, Image);
  assert.throws(() => (image as Image).spectralValues(), /m13\.fits\[0\] has no spectral axis/);
  const spectrum = await load(path.join(FITS_DIR, "gbt_1d.fits"));
  assert.instance(spectrum, Spectrum);
});

sharedTest(test, "per-channel beams from a BEAMS table", async () => {
  const cube = (await load(path.join(FITS_DIR, "small_perplanebeam.fits"))) as Cube;
  assert.is(cube.beams?.length, 11);
  assert.ok(Math.abs(cube.beams![0].bmaj * 3600 - 5.9266767501831055) < 1e-9, "arcsec to degrees");
});

test.run();
