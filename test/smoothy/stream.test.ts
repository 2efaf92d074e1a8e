// Streaming passes: statistics of images in chunks far smaller than the image equal the in-memory
// statistics() exactly (count, min, max, median, MAD) and astropy + math.fsum's exact sums, and a
// pass over a cube bigger than its budget holds no more than the budget.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { forEachChunk, MemoryBudgetError, memoryBudget, mulberry32, open, setMemoryBudget, statistics, streamStatistics, writeImage } from "smoothy";
import { PYTHON } from "../helpers/kernel-client.ts";
import { writeSparseCube } from "../helpers/sparse-fits.ts";

const test = suite("streaming passes");
const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-stream-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  npts: number;
  nonFinite: number;
  sum: number;
  min: number;
  max: number;
  rms: number;
  sigma: number;
  median: number;
  mad: number;
}

function reference(file: string, range?: [number, number]): Reference {
  const args = [path.resolve("test/clients/numpy_statistics.py"), file, "0", ...(range ? range.map(String) : [])];
  const run = spawnSync(PYTHON, args, { encoding: "utf8" });
  assert.is(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Reference;
}

function close(actual: number, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

/** Noise with a few bright sources, ties, blanks, ±0 and ±∞: what a real cube and its edge cases hold. */
function noisyCube(n: number, seed: number, Type: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const random = mulberry32(seed);
  const data = new Type(n);
  for (let i = 0; i < n; i++) data[i] = 0.002 * random.normal() + (random.next() < 0.01 ? 0.5 * random.next() : 0);
  for (let i = 0; i < n; i += 97) data[i] = NaN;
  for (let i = 5; i < n; i += 1001) data[i] = 0.25; // ties
  data[3] = -0;
  data[4] = 0;
  data[7] = Infinity;
  data[8] = -Infinity;
  return data;
}

const shape = [40, 30, 25];
const count = shape[0] * shape[1] * shape[2];

for (const Type of [Float32Array, Float64Array]) {
  test(`${Type.name.replace("Array", "")}: in 16 KiB chunks, the same as statistics() and as astropy with exact sums`, async () => {
    const file = path.join(dir, `${Type.name}.fits`);
    const data = noisyCube(count, Type === Float32Array ? 3 : 4, Type);
    await writeImage(file, { shape, data });
    await using list = await open(file);
    const hdu = list.get(0);
    const inMemory = statistics((await hdu.data()).data as Float32Array);
    // Budgets this small force many chunks, several histogram levels and small gathering buffers.
    for (const budget of [16 * 1024, 256 * 1024, 64 * 1024 * 1024]) {
      const s = await streamStatistics(hdu, { budget });
      for (const key of ["npts", "min", "max", "median", "mad"] as const) assert.is(s[key], inMemory[key], `${key} at a budget of ${budget}`);
      const ref = reference(file);
      assert.is(s.npts, ref.npts);
      assert.is(s.nonFinite, ref.nonFinite);
      assert.is(s.median, ref.median, "median as numpy's");
      assert.is(s.mad, ref.mad, "MAD as numpy's");
      close(s.sum, ref.sum, "sum", 1e-15);
      close(s.rms, ref.rms, "rms", 1e-15);
      close(s.sigma, ref.sigma, "sigma");
      if (budget < 1024 * 1024) assert.ok(s.passes > 1, `${s.passes} passes: the values did not fit the budget`);
    }
  });
}

test("scaled int16 with BLANK, and a range of planes", async () => {
  const file = path.join(dir, "scaled.fits");
  const random = mulberry32(9);
  const data = Int16Array.from({ length: count }, () => Math.round(2000 * random.normal()));
  for (let i = 0; i < count; i += 50) data[i] = -32768;
  await writeImage(file, { shape, data }, { header: { BSCALE: 0.001, BZERO: 1.5, BLANK: -32768 } });
  await using list = await open(file);
  const hdu = list.get(0);
  const all = await streamStatistics(hdu, { budget: 32 * 1024 });
  const ref = reference(file);
  assert.is(all.npts, ref.npts);
  assert.is(all.nonFinite, count / 50);
  assert.is(all.median, ref.median);
  assert.is(all.mad, ref.mad);
  close(all.sum, ref.sum, "sum", 1e-15);
  const part = await streamStatistics(hdu, { budget: 32 * 1024, range: [10, 17] });
  const partRef = reference(file, [10, 17]);
  assert.is(part.npts, partRef.npts);
  assert.is(part.median, partRef.median);
  assert.is(part.mad, partRef.mad);
});

test("chunks cover the box once each, in storage order", async () => {
  const file = path.join(dir, "Float32Array.fits");
  await using list = await open(file);
  const hdu = list.get(0);
  let next = 0;
  await forEachChunk(hdu, { budget: 20_000 }, (chunk, place) => {
    assert.is(place.offset, next, "no gap, no overlap");
    next += chunk.length;
  });
  assert.is(next, count);
});

test("the budget: the environment's, a call's, and bad values named", () => {
  const saved = process.env.JOVIAL_MEMORY_BUDGET;
  try {
    process.env.JOVIAL_MEMORY_BUDGET = "512M";
    assert.is(memoryBudget(), 512 * 1024 ** 2);
    setMemoryBudget("1.5G");
    assert.is(memoryBudget(), 1.5 * 1024 ** 3);
    setMemoryBudget(undefined);
    process.env.JOVIAL_MEMORY_BUDGET = "lots";
    assert.throws(() => memoryBudget(), /JOVIAL_MEMORY_BUDGET = "lots": expected a number of bytes/);
  } finally {
    if (saved === undefined) delete process.env.JOVIAL_MEMORY_BUDGET;
    else process.env.JOVIAL_MEMORY_BUDGET = saved;
  }
  delete process.env.JOVIAL_MEMORY_BUDGET;
  const budget = memoryBudget();
  assert.ok(budget > 0 && budget <= 2 * 1024 ** 3, `default ${budget}`);
  assert.ok(MemoryBudgetError);
});

test("a pass over a 2 GiB cube holds its budget, and stops when aborted", async () => {
  const file = path.join(dir, "sparse.fits");
  writeSparseCube(file, [1024, 1024, 512]);
  await using list = await open(file);
  const hdu = list.get(0);
  const budget = 64 * 1024 * 1024;
  const before = process.memoryUsage().rss;
  let peak = before;
  const s = await streamStatistics(hdu, { budget, median: false, range: [0, 256] });
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  assert.is(s.npts, 1024 * 1024 * 256);
  assert.is(s.max, 0);
  assert.ok(peak - before < 2 * budget, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB for a 1 GiB read at a 64 MiB budget`);
  const controller = new AbortController();
  let chunks = 0;
  const pass = forEachChunk(hdu, { budget, signal: controller.signal }, () => {
    if (++chunks === 3) controller.abort(new Error("stopped by the test"));
  });
  await pass.then(
    () => assert.unreachable("the pass ended although aborted"),
    (e: Error) => assert.match(e.message, /stopped by the test/),
  );
  assert.ok(chunks < 10, `${chunks} chunks after the abort`);
});

test.run();
