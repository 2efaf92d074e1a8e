// smoothy's image data against astropy's reading (physical values, statistics, samples), and sections.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NOTEBOOK_CONTEXT, type NotebookContext } from "@jovial/kernel/notebook";
import { FitsError, open, writeImage, type ImageArray } from "smoothy";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";
import { writeSparseCube } from "../helpers/sparse-fits.ts";

const test = suite("fits images");

interface HduRef {
  kind: string;
  shape?: number[];
  dtype?: string;
  stats?: { n: number; nan: number; min: number; max: number; sum: number };
  samples?: Array<[number, number | null]>;
}
const references: Array<{ file: string; hdus?: HduRef[] }> = sharedAvailable("FITS image references")
  ? readdirSync(path.join(FITS_DIR, "reference")).map((f) => JSON.parse(readFileSync(path.join(FITS_DIR, "reference", f), "utf8")))
  : [];

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

for (const ref of references) {
  (ref.hdus ?? []).forEach((expected, index) => {
    if (!expected.stats) return;
    test(`${ref.file} HDU ${index}: ${expected.dtype} values as astropy reads them`, async () => {
      const list = await open(path.join(FITS_DIR, ref.file));
      try {
        const hdu = list.get(index);
        assert.is(hdu.dtype, expected.dtype!.replace(/^[<>]/, "").replace(/^i2$/, "int16").replace(/^f4$/, "float32").replace(/^f8$/, "float64"));
        const { data, shape } = await hdu.data();
        assert.equal(shape, expected.shape);
        let n = 0,
          nan = 0,
          min = Infinity,
          max = -Infinity,
          sum = 0;
        for (const raw of data as Iterable<number | bigint>) {
          const v = Number(raw);
          n++;
          if (Number.isNaN(v)) {
            nan++;
            continue;
          }
          min = Math.min(min, v);
          max = Math.max(max, v);
          sum += v;
        }
        const s = expected.stats!;
        assert.equal([n, nan, min, max], [s.n, s.nan, s.min, s.max]);
        assert.ok(close(sum, s.sum, 1e-6), `sum ${sum} vs ${s.sum}`);
        for (const [flat, value] of expected.samples ?? []) {
          const v = Number(data[flat]);
          if (value === null) assert.ok(Number.isNaN(v), `sample ${flat} is NaN`);
          else assert.ok(close(v, value, 1e-7), `sample ${flat}: ${v} vs ${value}`);
        }
      } finally {
        await list.close();
      }
    });
  });
}

function at(image: ImageArray, index: number[]): number {
  let flat = 0,
    stride = 1;
  index.forEach((i, axis) => {
    flat += i * stride;
    stride *= image.shape[axis];
  });
  return Number(image.data[flat]);
}

sharedTest(test, "sections: a plane of a cube, the spectrum at a pixel and a sub-cube equal the same pixels of the whole", async () => {
  const list = await open(path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits"));
  const hdu = list.get(0);
  const whole = await hdu.data();
  const [nx, ny, nz] = whole.shape;
  const plane = await hdu.section([0, 0, 20, 0], [nx, ny, 21, 1]);
  assert.equal(plane.shape, [nx, ny, 1, 1]);
  for (const [x, y] of [
    [0, 0],
    [50, 60],
    [99, 99],
  ])
    assert.is(at(plane, [x, y, 0, 0]), at(whole, [x, y, 20, 0]));
  const spectrum = await hdu.section([50, 60, 0, 0], [51, 61, nz, 1]);
  assert.equal(spectrum.shape, [1, 1, nz, 1]);
  for (let z = 0; z < nz; z++) assert.is(at(spectrum, [0, 0, z, 0]), at(whole, [50, 60, z, 0]));
  const sub = await hdu.section([10, 20, 5, 0], [30, 25, 9, 1]);
  assert.equal(sub.shape, [20, 5, 4, 1]);
  assert.is(at(sub, [3, 2, 1, 0]), at(whole, [13, 22, 6, 0]));
  const outside = await hdu.section([0, 0, 0, 0], [nx + 1, ny, nz, 1]).catch((e) => e);
  assert.match(String(outside.message), /section \[0, 101\) is outside axis 1 \(NAXIS1 = 100\)/);
  await list.close();
});

const COMPRESSIONS: Array<[string, string[], boolean]> = [
  ["RICE_1", ["-r"], true],
  ["GZIP_1", ["-g1"], true],
  ["GZIP_2", ["-g2"], true],
  ["HCOMPRESS_1", ["-h"], true],
  ["PLIO_1", ["-p"], true],
];

sharedTest(test, "tile compression: every algorithm fpack writes reads back exactly (integers), through cfitsio", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-fpack-"));
  try {
    const plain = await open(path.join(FITS_DIR, "m13.fits"));
    const original = await plain.get(0).data();
    await plain.close();
    for (const [name, flags] of COMPRESSIONS) {
      const file = path.join(dir, `m13-${name}.fits`);
      copyFileSync(path.join(FITS_DIR, "m13.fits"), file);
      const r = spawnSync("fpack", [...flags, "-F", file], { encoding: "utf8" });
      assert.is(r.status, 0, `fpack ${flags.join(" ")}: ${r.stderr}`);
      const list = await open(file);
      const hdu = list.get(1);
      assert.is(hdu.kind, "CompImageHDU", name);
      assert.is(hdu.rawHeader.get("ZCMPTYPE"), name);
      const { data, shape } = await hdu.data();
      assert.equal(shape, original.shape, name);
      assert.is(data.constructor, original.data.constructor, `${name}: same pixel type`);
      assert.ok(
        (data as Int16Array).every((v, i) => v === original.data[i]),
        `${name}: identical pixels`,
      );
      const plane = await hdu.section([100, 50], [110, 52]);
      assert.equal([...(plane.data as Int16Array)].slice(0, 3), [...(original.data as Int16Array).slice(50 * 300 + 100, 50 * 300 + 103)], `${name}: section`);
      await list.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

sharedTest(test, "quantised and dithered floating-point images: within the quantisation step, NaNs kept", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-fpack-"));
  try {
    const file = path.join(dir, "cube.fits");
    copyFileSync(path.join(FITS_DIR, "M17_SWex_unittest.fits"), file);
    const before = await open(file);
    const original = await before.get(0).data();
    await before.close();
    // Lossy: fpack will not overwrite the original, it writes cube.fits.fz beside it.
    const r = spawnSync("fpack", ["-r", "-q", "16", file], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    const list = await open(`${file}.fz`);
    const hdu = list.get(1);
    assert.is(hdu.rawHeader.get("ZBITPIX"), -32);
    assert.ok(hdu.rawHeader.has("ZQUANTIZ"), "quantised");
    const { data } = await hdu.data();
    assert.instance(data, Float32Array);
    let worst = 0;
    (original.data as Float32Array).forEach((v, i) => {
      if (Number.isNaN(v)) assert.ok(Number.isNaN(data[i] as number), `NaN kept at ${i}`);
      else worst = Math.max(worst, Math.abs((data[i] as number) - v));
    });
    assert.ok(worst < 1e-3, `largest error ${worst} (noise-based quantisation of a cube with values ~0.02)`);
    await list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("{ into }: planes read one after another into one reused buffer equal fresh reads", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-into-"));
  try {
    const file = path.join(dir, "cube.fits");
    const data = Float32Array.from({ length: 6 * 5 * 4 }, (_, i) => Math.sin(i) * 100);
    await writeImage(file, { shape: [6, 5, 4], data });
    const list = await open(file);
    const hdu = list.get(0);
    const reused = new Float32Array(6 * 5);
    for (let k = 0; k < 4; k++) {
      const plane = await hdu.section([0, 0, k], [6, 5, k + 1], { into: reused });
      assert.is(plane.data.buffer, reused.buffer, "a view of the caller's memory");
      assert.equal(Array.from(plane.data as Float32Array), Array.from(data.subarray(k * 30, (k + 1) * 30)));
    }
    const small = (await hdu.data({ into: new Float32Array(10) }).catch((e: Error) => e)) as Error;
    assert.match(small.message, /cube\.fits: HDU 0: \{ into \} holds 40 bytes, the section needs 480/);
    await list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a read stops when its signal is aborted: explicitly, or through the notebook cell's signal", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-cancel-"));
  try {
    // 256 MiB of float32 zeros: a sparse file, so making it costs nothing.
    const file = path.join(dir, "big.fits");
    writeSparseCube(file, [1024, 1024, 64]);
    const list = await open(file);
    const hdu = list.get(0);
    const controller = new AbortController();
    const reading = hdu.data({ signal: controller.signal });
    setImmediate(() => controller.abort(new Error("stop reading")));
    const error = await reading.then(
      () => undefined,
      (e: Error) => e,
    );
    assert.is(error?.message, "stop reading", "the read rejects with the abort reason instead of finishing");
    const before = new AbortController();
    before.abort();
    assert.is(((await hdu.section([0, 0, 0], [1, 1, 1], { signal: before.signal }).catch((e: Error) => e)) as Error).name, "AbortError");
    // In a notebook the kernel's published context carries the running cell's signal; reads take it
    // when given none. (Interrupting a real kernel's read is tested in test/kernel.)
    const globals = globalThis as { [NOTEBOOK_CONTEXT]?: Partial<NotebookContext> };
    globals[NOTEBOOK_CONTEXT] = { signal: before.signal };
    try {
      assert.is(((await hdu.data().catch((e: Error) => e)) as Error).name, "AbortError");
    } finally {
      delete globals[NOTEBOOK_CONTEXT];
    }
    assert.equal((await hdu.section([0, 0, 0], [2, 1, 1])).data, new Float32Array(2), "without a signal the same HDU still reads");
    await list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the io addon checks every run against its target before reading: errors, never a write outside it", async () => {
  const { io } = await import("../../smoothy/src/native/io.ts");
  const addon = io();
  assert.ok(addon, "the io addon is built by ./scripts/setup");
  const { openSync, closeSync } = await import("node:fs");
  const fd = openSync(path.join(os.tmpdir(), "."), "r");
  try {
    const target = new Uint8Array(16);
    assert.throws(() => addon!.readRuns(fd, target, Float64Array.from([0, 8, 16]), 4), /run 0 does not fit the target \(16 bytes\)/);
    assert.throws(() => addon!.readRuns(fd, target, Float64Array.from([-1, 0, 4]), 4), /does not fit/);
    assert.throws(() => addon!.readRuns(fd, target, Float64Array.from([0, 0]), 4), /triples/);
    assert.throws(() => addon!.readRuns(fd, target, Float64Array.from([0, 0, 4]), 3), /width must be 1, 2, 4 or 8/);
    assert.throws(() => addon!.readRuns(fd, new Float32Array(4) as never, Float64Array.from([0, 0, 4]), 4), /target must be a Uint8Array/);
    assert.throws(() => addon!.readRuns("3" as never, target, Float64Array.from([0, 0, 4]), 4), /readRuns\(fd: number/);
    // A directory cannot be read: the promise rejects with the system's reason.
    const error = await addon!.readRuns(fd, target, Float64Array.from([0, 0, 4]), 4).catch((e: Error) => e);
    assert.match(String(error), /reading 4 bytes at byte 0: Is a directory/);
    assert.throws(() => addon!.allocate(-5), /bytes must be positive/);
    assert.is(addon!.allocate(1 << 20).byteLength, 1 << 20);
  } finally {
    closeSync(fd);
  }
});

sharedTest(test, "a damaged compressed image is a FitsError naming the file and the HDU", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-fpack-"));
  try {
    const file = path.join(dir, "bad.fits");
    const bytes = readFileSync(path.join(FITS_DIR, "m13_rice.fits"));
    const list0 = await open(path.join(FITS_DIR, "m13_rice.fits"));
    const heap = list0.get(1).dataOffset + 8 * 300; // past the descriptors: the compressed bytes
    await list0.close();
    for (let i = heap; i < heap + 4000; i++) bytes[i] = 0xff ^ bytes[i];
    writeFileSync(file, bytes);
    const list = await open(file);
    const error = await list
      .get(1)
      .data()
      .catch((e) => e);
    assert.instance(error, FitsError);
    assert.match(error.message, /bad\.fits: HDU 1 at byte \d+: cfitsio, reading the pixels: /);
    await list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
