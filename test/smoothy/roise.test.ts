// RoISE (findRegions): its image operations against brute force, the known sources of generated
// cubes (with and without WCS), pure noise, the real Orion methanol cube, errors and the catalogue.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, findRegions, Header, Image, load, regionsTable, statistics, writeImage, type Region } from "smoothy";
import { random } from "../helpers/random.ts";
import { FITS_DIR, sharedTest } from "../helpers/shared.ts";
import { channelRanges, LineFilter } from "../../smoothy/src/regions/sketch.ts";
import { MorphologyWorkspace } from "../../smoothy/src/regions/morphology.ts";
import { ThresholdWorkspace } from "../../smoothy/src/regions/threshold.ts";
import { PropertiesWorkspace } from "../../smoothy/src/regions/properties.ts";

const test = suite("roise");
const ORION = path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits");
const dir = mkdtempSync(path.join(os.tmpdir(), "roise-test-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Source {
  x: number;
  y: number;
  /** Spatial σ along and across the major axis, pixels; major axis angle, degrees from +x. */
  sx: number;
  sy: number;
  theta: number;
  /** Spectral centre and σ, channels. */
  z: number;
  sz: number;
  peak: number;
}

function gaussian(next: () => number): () => number {
  return () => {
    let u = 0;
    while (!u) u = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

/** Gaussian sources plus Gaussian noise, FITS order (x fastest). */
function generate(shape: [number, number, number], sources: Source[], noise: number, seed = 1): Float32Array {
  const [nx, ny, nz] = shape;
  const normal = gaussian(random(seed));
  const data = new Float32Array(nx * ny * nz);
  for (let i = 0; i < data.length; i++) data[i] = noise * normal();
  for (const s of sources) {
    const c = Math.cos((s.theta * Math.PI) / 180),
      sn = Math.sin((s.theta * Math.PI) / 180);
    const reach = 5 * Math.max(s.sx, s.sy);
    for (let z = 0; z < nz; z++) {
      const fz = Math.exp(-0.5 * ((z - s.z) / s.sz) ** 2);
      if (fz < 1e-6) continue;
      for (let y = Math.max(0, Math.floor(s.y - reach)); y < Math.min(ny, s.y + reach); y++) {
        for (let x = Math.max(0, Math.floor(s.x - reach)); x < Math.min(nx, s.x + reach); x++) {
          const dx = x - s.x,
            dy = y - s.y;
          const u = dx * c + dy * sn,
            v = -dx * sn + dy * c;
          data[(z * ny + y) * nx + x] += s.peak * fz * Math.exp(-0.5 * ((u / s.sx) ** 2 + (v / s.sy) ** 2));
        }
      }
    }
  }
  return data;
}

function wcsHeader(shape: [number, number, number], ctype3 = "FREQ"): Record<string, string | number> {
  const [nx, ny] = shape;
  return {
    CTYPE1: "RA---SIN",
    CRVAL1: 83.82,
    CDELT1: -5e-5,
    CRPIX1: nx / 2 + 1,
    CUNIT1: "deg",
    CTYPE2: "DEC--SIN",
    CRVAL2: -5.39,
    CDELT2: 5e-5,
    CRPIX2: ny / 2 + 1,
    CUNIT2: "deg",
    ...(ctype3 === "FREQ"
      ? { CTYPE3: "FREQ", CRVAL3: 230.538e9, CDELT3: -0.5e6, CRPIX3: 1, CUNIT3: "Hz", RESTFRQ: 230.538e9, SPECSYS: "LSRK" }
      : { CTYPE3: ctype3, CRVAL3: 0, CDELT3: 1, CRPIX3: 1 }),
    EQUINOX: 2000.0,
    RADESYS: "ICRS",
    BUNIT: "K",
  };
}

async function fitsCube(name: string, shape: [number, number, number], data: Float32Array, ctype3 = "FREQ"): Promise<Cube> {
  const file = path.join(dir, name);
  await writeImage(file, { shape, data }, { header: wcsHeader(shape, ctype3), overwrite: true });
  return (await load(file)) as Cube;
}

function bareCube(shape: [number, number, number], data: Float32Array): Cube {
  return new Cube({ data, shape, unit: "K", source: "generated", header: new Header([]) });
}

// Three sources on 100 × 100 × 41: an elongated one at 30°, a round one in the same channels, and a
// third, elongated at −60°, in channels of its own.
const SHAPE: [number, number, number] = [100, 100, 41];
const SOURCES: Source[] = [
  { x: 30, y: 35, sx: 6, sy: 3, theta: 30, z: 10, sz: 2.5, peak: 1 },
  { x: 70, y: 65, sx: 4, sy: 4, theta: 0, z: 10, sz: 2.5, peak: 0.8 },
  { x: 65, y: 25, sx: 5, sy: 3.5, theta: -60, z: 24, sz: 2, peak: 1.2 },
];
const NOISE = 0.02;

/** For each source, the region nearest to it among the ranges whose channels hold its spectral centre. */
function matches(regions: Region[], sources: Source[]): Array<{ source: Source; region: Region; distance: number }> {
  return sources.map((source) => {
    const candidates = regions.filter((r) => r.start <= source.z && source.z < r.stop);
    assert.ok(candidates.length > 0, `no region in a range holding channel ${source.z} (source at ${source.x}, ${source.y})`);
    const distance = (r: Region) => Math.hypot(r.x - source.x, r.y - source.y);
    const region = candidates.reduce((a, b) => (distance(b) < distance(a) ? b : a));
    return { source, region, distance: distance(region) };
  });
}

const angleDifference = (a: number, b: number) => Math.abs(((((a - b) % 180) + 270) % 180) - 90);

test("the line filter and ACALib's channel-range loop, quirks included", () => {
  // A run of one channel is never closed: its start carries over to the end of the next run.
  assert.equal(channelRanges([0, 5, 0, 0, 3, 4, 0, 0]), [{ start: 1, stop: 6 }]);
  // A run reaching the last channel is closed before it.
  assert.equal(channelRanges([0, 0, 1, 2, 3]), [{ start: 2, stop: 4 }]);
  assert.equal(channelRanges([1, 1, 0, 2, 2, 0, 0, 0]), [
    { start: 0, stop: 2 },
    { start: 3, stop: 5 },
  ]);
  assert.equal(channelRanges([0, 0, 0]), []);
  // A clean line keeps its core and loses the flat ends; the output is the input times a 0/1 mask.
  const n = 30;
  const s = Float64Array.from({ length: n }, (_, k) => Math.exp(-((k - 10) ** 2) / 8));
  const out = new Float64Array(n);
  new LineFilter(n).apply(s, out);
  for (let k = 8; k <= 12; k++) assert.is(out[k], s[k], `channel ${k} kept`);
  out.forEach((v, k) => assert.ok(v === 0 || v === s[k]));
});

test("local mean threshold and disk opening agree with brute force (reflecting edges, blocks beyond the image)", () => {
  const nx = 37,
    ny = 29;
  const next = random(7);
  const reflect = (i: number, n: number) => {
    const p = 2 * n;
    i = ((i % p) + p) % p;
    return i < n ? i : p - 1 - i;
  };
  for (const block of [1, 3, 9, 25, 57, 81, 201]) {
    const image = Float64Array.from({ length: nx * ny }, next);
    const out = new Uint8Array(nx * ny);
    new ThresholdWorkspace(nx, ny).threshold(image, block, out);
    const h = (block - 1) / 2;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let sum = 0;
        for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) sum += image[reflect(y + dy, ny) * nx + reflect(x + dx, nx)];
        const brute = image[y * nx + x] > sum / (block * block) ? 1 : 0;
        if (Math.abs(image[y * nx + x] - sum / (block * block)) > 1e-12) assert.is(out[y * nx + x], brute, `block ${block} at (${x}, ${y})`);
      }
    }
  }
  for (const r of [1, 2, 2.5, 4.5, 7]) {
    const mask = new Uint8Array(nx * ny);
    for (let k = 0; k < 6; k++) {
      const cx = next() * nx,
        cy = next() * ny,
        rr = 3 + next() * 9;
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if ((x - cx) ** 2 + 1.2 * (y - cy) ** 2 < rr * rr) mask[y * nx + x] = 1;
    }
    for (let i = 0; i < mask.length; i++) if (next() < 0.05) mask[i] ^= 1;
    const out = new Uint8Array(nx * ny);
    new MorphologyWorkspace(nx, ny).opening(mask, r, out);
    const R = Math.floor(r);
    const disk: Array<[number, number]> = [];
    for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r) disk.push([dx, dy]);
    const at = (m: Uint8Array, x: number, y: number, outside: number) => (x < 0 || y < 0 || x >= nx || y >= ny ? outside : m[y * nx + x]);
    const eroded = new Uint8Array(nx * ny),
      opened = new Uint8Array(nx * ny);
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) eroded[y * nx + x] = disk.every(([dx, dy]) => at(mask, x + dx, y + dy, 1)) ? 1 : 0;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) opened[y * nx + x] = disk.some(([dx, dy]) => at(eroded, x + dx, y + dy, 0)) ? 1 : 0;
    assert.equal([...out], [...opened], `opening with a disk of radius ${r}`);
  }
});

test("labels clear the border; region properties of known shapes (ellipse, square with a hole, L)", () => {
  const nx = 60,
    ny = 50;
  const mask = new Uint8Array(nx * ny);
  const set = (x: number, y: number) => (mask[y * nx + x] = 1);
  // A filled ellipse, semi-axes 12 and 5, major axis at 30°, centred on (25.3, 24.6).
  const [cx, cy, a, b, t] = [25.3, 24.6, 12, 5, (30 * Math.PI) / 180];
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < 45; x++) {
      const u = (x - cx) * Math.cos(t) + (y - cy) * Math.sin(t),
        v = -(x - cx) * Math.sin(t) + (y - cy) * Math.cos(t);
      if ((u / a) ** 2 + (v / b) ** 2 <= 1) set(x, y);
    }
  }
  // A 7 × 7 square with a 3 × 3 hole; an L of two 2 × 6 bars; a blob touching the border.
  for (let y = 3; y < 10; y++) for (let x = 48; x < 55; x++) if (!(y >= 5 && y < 8 && x >= 50 && x < 53)) set(x, y);
  for (let y = 30; y < 36; y++) for (let x = 50; x < 52; x++) set(x, y);
  for (let y = 30; y < 32; y++) for (let x = 52; x < 56; x++) set(x, y);
  for (let y = 45; y < 50; y++) for (let x = 50; x < 53; x++) set(x, y);
  const labels = new Int32Array(nx * ny);
  const count = new MorphologyWorkspace(nx, ny).label(mask, labels);
  assert.is(count, 3, "the blob on the border is cleared");
  const intensity = Float64Array.from({ length: nx * ny }, (_, i) => i % nx);
  const props = new PropertiesWorkspace(nx, ny).measure(labels, count, intensity);
  const [square, ellipse, ell] = props; // raster order of their first pixels
  assert.ok(Math.abs(ellipse.x - 25.107526881720432) < 1e-12 && Math.abs(ellipse.y - 24.548387096774192) < 1e-12, `ellipse centroid ${ellipse.x}, ${ellipse.y}`);
  assert.ok(Math.abs(ellipse.semiMajor - a) < 0.3 && Math.abs(ellipse.semiMinor - b) < 0.3, `ellipse axes ${ellipse.semiMajor}, ${ellipse.semiMinor}`);
  assert.ok(Math.abs(ellipse.orientation - 30) < 1, `orientation ${ellipse.orientation}`);
  assert.ok(Math.abs(ellipse.eccentricity - Math.sqrt(1 - (b / a) ** 2)) < 0.02);
  assert.ok(ellipse.solidity > 0.95 && ellipse.solidity <= 1);
  assert.is(ellipse.filledFraction, 1);
  assert.is(square.area, 40);
  assert.is(square.filledFraction, 40 / 49);
  assert.is(square.solidity, 40 / 49, "the hull of a square is the square");
  assert.is(square.orientation, 0);
  assert.is(square.minIntensity, 48);
  assert.is(square.maxIntensity, 54);
  assert.is(square.meanIntensity, 51);
  assert.is(ell.area, 20);
  // The hull of the L's edge midpoints holds the L plus the pixels of its inner corner's triangle.
  assert.ok(ell.solidity < 1 && ell.solidity > 0.5, `solidity of the L ${ell.solidity}`);
});

test("generated cube with WCS: every source found in a range holding its channels, centroid within 1 pixel, shape and orientation", async () => {
  const data = generate(SHAPE, SOURCES, NOISE);
  const cube = await fitsCube("three.fits", SHAPE, data);
  const started = performance.now();
  const result = findRegions(cube);
  console.log(`  findRegions on a generated 100 × 100 × 41 cube: ${(performance.now() - started).toFixed(0)} ms (cold), ranges ${JSON.stringify(result.candidateRanges)}`);
  const freq = cube.spectralValues("FREQ");
  for (const range of result.ranges) {
    assert.instance(range.stacked, Image);
    assert.equal(range.stacked.shape, [100, 100]);
    assert.is(range.labels.length, range.scales.length);
    assert.is(range.minFrequencyHz, Math.min(freq[range.start], freq[range.stop - 1]));
    assert.is(range.maxFrequencyHz, Math.max(freq[range.start], freq[range.stop - 1]));
    // The stacked image is the sum of the range's channels.
    const expected = [...Array(range.stop - range.start).keys()].reduce((s, k) => s + cube.at(40, 50, range.start + k), 0);
    assert.ok(Math.abs(range.stacked.at(40, 50) - expected) < 1e-9);
  }
  for (const { source, region, distance } of matches(result.regions, SOURCES)) {
    const where = `source at (${source.x}, ${source.y}): region at (${region.x.toFixed(2)}, ${region.y.toFixed(2)}), semi-axes ${region.semiMajor.toFixed(2)} × ${region.semiMinor.toFixed(2)}, orientation ${region.orientation.toFixed(1)}°`;
    assert.ok(distance < 1, `centroid: ${where}`);
    // A region is the source above a threshold: the Gaussian's contour ellipse at some level, semi-axes
    // k·σ. k follows from the area (π k² σx σy); the semi-axes must then match k·σx and k·σy, and the
    // contour must lie between the half maximum (k = FWHM/2σ = 1.1774) and 3.5σ.
    const k = Math.sqrt(region.area / (Math.PI * source.sx * source.sy));
    assert.ok(k > 1.1774 && k < 3.5, `contour level k = ${k.toFixed(2)}: ${where}`);
    assert.ok(Math.abs(region.semiMajor / (k * source.sx) - 1) < 0.25, `semi-major vs ${(k * source.sx).toFixed(2)}: ${where}`);
    assert.ok(Math.abs(region.semiMinor / (k * source.sy) - 1) < 0.25, `semi-minor vs ${(k * source.sy).toFixed(2)}: ${where}`);
    if (source.sx / source.sy > 1.3) assert.ok(angleDifference(region.orientation, source.theta) < 10, `orientation: ${where}`);
    const [ra, dec] = cube.pixelToWorldValues([region.x], [region.y], [0]);
    assert.ok(Math.abs(region.ra - ra[0]) < 1e-9 && Math.abs(region.dec - dec[0]) < 1e-9, `RA/Dec ${region.ra}, ${region.dec} vs ${ra[0]}, ${dec[0]}`);
    assert.ok(region.minIntensity <= region.meanIntensity && region.meanIntensity <= region.maxIntensity);
    assert.ok(region.solidity > 0.8 && region.solidity <= 1 && region.filledFraction > 0.9 && region.eccentricity >= 0 && region.eccentricity < 1);
  }
  // A fixed seed gives the same catalogue; the default seed is 0.
  assert.is(regionsTable(findRegions(cube, { randomState: 0 }).regions).toCSV(), regionsTable(result.regions).toCSV());
});

test("the same cube without WCS: the same pixels, NaN for frequencies and RA/Dec; the sources are found for other seeds too", async () => {
  const data = generate(SHAPE, SOURCES, NOISE);
  const withWcs = findRegions(await fitsCube("three-again.fits", SHAPE, data));
  const bare = findRegions(bareCube(SHAPE, data));
  assert.is(bare.regions.length, withWcs.regions.length);
  bare.regions.forEach((r, i) => {
    assert.is(r.x, withWcs.regions[i].x);
    assert.is(r.semiMajor, withWcs.regions[i].semiMajor);
    assert.ok(Number.isNaN(r.ra) && Number.isNaN(r.dec) && Number.isNaN(r.minFrequencyHz) && Number.isNaN(r.maxFrequencyHz));
  });
  for (const seed of [1, 2, 3]) {
    for (const { distance } of matches(findRegions(bareCube(SHAPE, data), { randomState: seed }).regions, SOURCES)) assert.ok(distance < 1, `seed ${seed}`);
  }
});

test("a cube of pure noise gives no regions", () => {
  for (const seed of [1, 2, 3]) {
    const data = generate(SHAPE, [], 1, seed);
    const result = findRegions(bareCube(SHAPE, data));
    assert.ok(result.regions.length <= 1, `seed ${seed}: ${result.regions.length} regions in noise`);
  }
});

test("a 256 × 256 × 128 cube: regions on the sources, timing", () => {
  const shape: [number, number, number] = [256, 256, 128];
  const sources = SOURCES.map((s) => ({ ...s, x: s.x * 2.56, y: s.y * 2.56, sx: s.sx * 2.56, sy: s.sy * 2.56, z: s.z * 2, sz: s.sz * 2 }));
  const cube = bareCube(shape, generate(shape, sources, NOISE));
  findRegions(bareCube([100, 100, 41], generate(SHAPE, SOURCES, NOISE))); // warm the JIT
  const started = performance.now();
  const result = findRegions(cube);
  const ms = performance.now() - started;
  console.log(`  findRegions on a generated 256 × 256 × 128 cube: ${ms.toFixed(0)} ms, ${result.regions.length} regions in ${result.ranges.length} ranges`);
  // The third source's range is found, but its window is 18 pixels: the first opening radius, 9, is
  // not above PRECISION's 2·round(0.02 × 256) = 10, so that range has no scale (as in ACALib).
  for (const { distance } of matches(result.regions, sources.slice(0, 2))) assert.ok(distance < 1);
  for (const r of result.regions)
    assert.ok(
      sources.some((s) => Math.hypot(r.x - s.x, r.y - s.y) < 1),
      `region at (${r.x}, ${r.y}) is on no source`,
    );
  assert.ok(ms < 10000, `${ms} ms`);
});

sharedTest(test, "the Orion methanol cube: regions on the emission, frequencies within the band", async () => {
  const cube = (await load(ORION)) as Cube;
  let started = performance.now();
  const result = findRegions(cube);
  const cold = performance.now() - started;
  started = performance.now();
  findRegions(cube);
  console.log(
    `  findRegions on Orion (100 × 100 × 41): ${cold.toFixed(0)} ms cold, ${(performance.now() - started).toFixed(0)} ms warm; ranges ${JSON.stringify(result.ranges.map((r) => [r.start, r.stop]))}, ${result.regions.length} regions`,
  );
  assert.ok(result.regions.length > 0);
  const moment0 = cube.moment(0);
  const median = statistics(moment0.data).median;
  const freq = cube.spectralValues("FREQ");
  const [lo, hi] = [Math.min(...freq), Math.max(...freq)];
  for (const r of result.regions) {
    const at = `region at (${r.x.toFixed(1)}, ${r.y.toFixed(1)}) in channels ${r.start}:${r.stop}`;
    assert.ok(moment0.at(Math.round(r.x), Math.round(r.y)) > median, `moment 0 below its median: ${at}`);
    const stacked = result.ranges[r.range].stacked;
    assert.ok(stacked.at(Math.round(r.x), Math.round(r.y)) > statistics(stacked.data).median, `stacked image below its median: ${at}`);
    assert.ok(
      r.minFrequencyHz >= lo && r.maxFrequencyHz <= hi && r.minFrequencyHz < r.maxFrequencyHz,
      `frequencies ${r.minFrequencyHz}–${r.maxFrequencyHz} outside ${lo}–${hi}: ${at}`,
    );
    const [ra, dec] = cube.pixelToWorldValues([r.x], [r.y], [0]);
    assert.ok(Math.abs(r.ra - ra[0]) < 1e-9 && Math.abs(r.dec - dec[0]) < 1e-9);
    assert.ok(r.area > 0 && r.semiMajor >= r.semiMinor && r.semiMinor > 0);
  }
  // Other seeds draw other spectra; their regions lie on the emission too.
  for (const seed of [1, 2, 3]) {
    for (const r of findRegions(cube, { randomState: seed }).regions) assert.ok(moment0.at(Math.round(r.x), Math.round(r.y)) > median, `seed ${seed}`);
  }
});

test("errors: a 2-D image, a WCS without spectral axis, bad options, cancellation", async () => {
  const data = generate(SHAPE, SOURCES, NOISE);
  const cube = bareCube(SHAPE, data);
  const image = cube.collapse("sum", 2);
  assert.throws(
    () => findRegions(image as unknown as Cube),
    (e: Error) => e instanceof TypeError && /needs a Cube .* got an Image with 2 axes/.test(e.message),
  );
  const stokes = await fitsCube("linear.fits", SHAPE, data, "LINEAR");
  assert.throws(() => findRegions(stokes), /has a WCS without a spectral axis .*RA---SIN, DEC--SIN, LINEAR.*spectralAxis/);
  const named = findRegions(stokes, { spectralAxis: 2 });
  assert.ok(named.regions.length > 0 && Number.isNaN(named.regions[0].minFrequencyHz) && Number.isFinite(named.regions[0].ra));
  assert.throws(() => findRegions(cube, { samples: 0 }), /samples must be a positive integer, got 0/);
  assert.throws(() => findRegions(cube, { p: 0.7 }), /p must lie in \(0, 0.5\), got 0.7/);
  assert.throws(() => findRegions(cube, { precision: 0 }), /precision must lie in \(0, 1\)/);
  assert.throws(() => findRegions(cube, { randomState: 1.5 }), /randomState must be an integer/);
  assert.throws(() => findRegions(cube, { spectralAxis: 3 }), /spectralAxis must be 0, 1 or 2/);
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  assert.throws(() => findRegions(cube, { signal: controller.signal }), /stop/);
});

test("regionsTable: typed columns with units and CSV, one row per region", () => {
  const data = generate(SHAPE, SOURCES, NOISE);
  const { regions } = findRegions(bareCube(SHAPE, data));
  const table = regionsTable(regions);
  assert.is(table.length, regions.length);
  assert.is(table.names[0], "range");
  assert.instance(table.columns.area, Int32Array);
  assert.instance(table.columns.x, Float64Array);
  assert.is(table.units.orientation, "deg");
  regions.forEach((r, i) => assert.is(table.columns.semiMajor[i], r.semiMajor));
  const lines = table.toCSV().trimEnd().split("\n");
  assert.is(lines.length, regions.length + 1);
  assert.is(lines[0], table.names.join(","));
  const ra = table.names.indexOf("ra");
  assert.is(lines[1].split(",")[ra], "", "NaN is an empty field");
  assert.is(Number(lines[1].split(",")[table.names.indexOf("x")]), regions[0].x);
  assert.is(regionsTable([]).toCSV(), table.names.join(",") + "\n");
  assert.is(table.toCSV({ header: false }).split("\n").length, regions.length + 1);
});

test.run();
