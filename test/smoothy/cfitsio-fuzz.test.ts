// The cfitsio addon under damaged compressed files and bad arguments: errors, never a crash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FitsError, open } from "smoothy";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";
import { random } from "../helpers/random.ts";

const test = suite("cfitsio fuzz");

sharedTest(test, "300 randomly damaged RICE files: each read gives pixels or a FitsError", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-cfuzz-"));
  try {
    const original = readFileSync(path.join(FITS_DIR, "m13_rice.fits"));
    const list0 = await open(path.join(FITS_DIR, "m13_rice.fits"));
    const dataStart = list0.get(1).dataOffset;
    await list0.close();
    const r = random(99);
    let read = 0,
      refused = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(original);
      const flips = 1 + Math.floor(r() * 40);
      for (let k = 0; k < flips; k++) bytes[dataStart + Math.floor(r() * (bytes.length - dataStart))] = Math.floor(r() * 256);
      if (r() < 0.1) bytes.fill(0xff, dataStart, dataStart + 2400); // wreck the tile descriptors
      const file = path.join(dir, `damaged-${i}.fits`);
      writeFileSync(file, bytes);
      const list = await open(file);
      try {
        const { data } = await list.get(1).data();
        assert.is(data.length, 300 * 300);
        read++;
      } catch (e) {
        assert.instance(e, FitsError, `case ${i}: ${(e as Error).message}`);
        refused++;
      } finally {
        await list.close();
      }
    }
    assert.ok(refused > 0, `some damage is detected (${read} read, ${refused} refused)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad arguments to the addon are exceptions with a message", async () => {
  const { cfitsio } = await import("../../smoothy/src/native/cfitsio.ts");
  const addon = cfitsio();
  assert.throws(() => addon.readImage(1 as never, 0, [1], [1], "int16", new Int16Array(1)), /readImage\(path: string/);
  assert.throws(() => addon.readImage("x.fits", 0, [0], [1], "int16", new Int16Array(1)), /first\[0\] must be a whole number ≥ 1/);
  assert.throws(() => addon.readImage("x.fits", 0, [2], [1], "int16", new Int16Array(1)), /last\[0\] is before first\[0\]/);
  assert.throws(() => addon.readImage("x.fits", 0, [1], [1], "float99" as never, new Int16Array(1)), /unknown pixel type/);
  assert.throws(() => addon.readImage("x.fits", 0, [1], [1], "float32", new Int16Array(1)), /out must be the typed array of float32/);
  const missing = await addon.readImage(path.join(os.tmpdir(), "no-such-file.fits"), 0, [1], [1], "int16", new Int16Array(1)).catch((e: Error) => e);
  assert.match(String((missing as Error).message), /cfitsio, opening the file/);
  if (sharedAvailable("size check")) {
    const wrongSize = await addon.readImage(path.join(FITS_DIR, "m13_rice.fits"), 1, [1, 1], [10, 10], "int16", new Int16Array(5)).catch((e: Error) => e);
    assert.match(String((wrongSize as Error).message), /output holds 5 values, the section 100/);
  }
});

test.run();
