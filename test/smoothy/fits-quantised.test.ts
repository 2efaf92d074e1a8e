// Tile-compressed floating-point images quantised by fpack (SUBTRACTIVE_DITHER_1 and 2, NO_DITHER),
// with and without undefined pixels (ZBLANK), over q levels, dither seeds and tilings; each read
// back by smoothy and checked against the original pixels and against cfitsio's own funpack.
//
// What this found (Debian 12: cfitsio 4.2, astropy 5.2): with row tiles or one whole-image tile,
// smoothy, funpack and the original agree, NaNs included. With 2-D tiles (fpack -t 10,10) and
// undefined pixels, funpack 4.2 writes pixels of those tiles to the wrong places, and astropy 5.2
// reads ZBLANK as a number in every tiling; smoothy keeps each NaN where the original has it. So
// funpack is the reference where it is right (row and whole tiles), the original where it is not.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { open } from "smoothy";
import { PYTHON } from "../helpers/kernel-client.ts";

const test = suite("quantised images");
const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-quantised-"));

test.after(() => rmSync(dir, { recursive: true, force: true }));

const IMAGES = ["noise", "nans", "flat-row", "zeros", "f64"];
const MAKE = `
import sys, numpy as np
from astropy.io import fits
rng = np.random.default_rng(2)
a = (rng.normal(0, 1, (40, 50)) * 3 + 10).astype(np.float32)
nans = a.copy(); nans[5, 7] = np.nan; nans[30:33, 40] = np.nan
flat = a.copy(); flat[10, :] = 5.0; flat[11, :] = np.nan
zeros = a.copy(); zeros[0:3, :] = 0.0
f64 = a.astype(np.float64); f64[3, 3] = np.nan
for name, data in [("noise", a), ("nans", nans), ("flat-row", flat), ("zeros", zeros), ("f64", f64)]:
    fits.PrimaryHDU(data).writeto(f"{sys.argv[1]}/{name}.fits", overwrite=True)
`;
/** fpack's options; `tiles2d` marks the tilings where funpack 4.2 misplaces pixels of tiles with nulls. */
const PACKINGS: Array<{ flags: string[]; tiles2d?: boolean }> = [
  { flags: ["-r", "-q", "4"] },
  { flags: ["-r", "-q", "1"] },
  { flags: ["-r", "-q", "16"] },
  { flags: ["-r", "-q", "-0.01"] },
  { flags: ["-r", "-q7", "4"] },
  { flags: ["-r", "-q99", "2"] },
  { flags: ["-r", "-qz", "4"] },
  { flags: ["-r", "-qt", "4"] },
  { flags: ["-r", "-q0", "4"] },
  { flags: ["-h", "-q", "4"] },
  { flags: ["-g", "-q", "4"] },
  { flags: ["-g2", "-q", "2"] },
  { flags: ["-r", "-w", "-q", "4"] },
  { flags: ["-r", "-t", "10,10", "-q", "3"], tiles2d: true },
];

async function pixels(file: string, hdu: number): Promise<Float32Array | Float64Array> {
  const list = await open(file);
  try {
    return (await list.get(hdu).data()).data as Float32Array | Float64Array;
  } finally {
    await list.close();
  }
}

/** The largest ZSCALE of a compressed file's tiles: quantisation moves a value by at most half of it. */
function largestScale(files: string[]): number[] {
  const script =
    "import sys, json\nfrom astropy.io import fits\nprint(json.dumps([float(fits.open(f, disable_image_compression=True)[1].data['ZSCALE'].max()) for f in sys.argv[1:]]))";
  const r = spawnSync(PYTHON, ["-c", script, ...files], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("every packing reads back as the original: NaN where it is NaN, numbers within half a quantisation step, and as funpack where funpack is right", async () => {
  const made = spawnSync(PYTHON, ["-c", MAKE, dir], { encoding: "utf8" });
  assert.is(made.status, 0, made.stderr);
  const cases: Array<{ image: string; packing: (typeof PACKINGS)[number]; packed: string; unpacked: string }> = [];
  for (const image of IMAGES) {
    PACKINGS.forEach((packing, k) => {
      const packed = path.join(dir, `${image}-${k}.fits.fz`),
        unpacked = path.join(dir, `${image}-${k}.funpack.fits`);
      const p = spawnSync("fpack", [...packing.flags, "-O", packed, path.join(dir, `${image}.fits`)], { encoding: "utf8" });
      assert.is(p.status, 0, `fpack ${packing.flags.join(" ")}: ${p.stderr}`);
      const u = spawnSync("funpack", ["-O", unpacked, packed], { encoding: "utf8" });
      assert.is(u.status, 0, `funpack: ${u.stderr}`);
      cases.push({ image, packing, packed, unpacked });
    });
  }
  const scales = largestScale(cases.map((c) => c.packed));
  let compared = 0,
    nulls = 0;
  for (const [i, c] of cases.entries()) {
    const what = `${c.image} packed with fpack ${c.packing.flags.join(" ")}`;
    const ours = await pixels(c.packed, 1);
    const original = await pixels(path.join(dir, `${c.image}.fits`), 0);
    assert.is(ours.constructor, original.constructor, `${what}: the original's pixel type`);
    // Half a step, plus the rounding of a float32 result (two units in the last place of the value).
    const ulps = original instanceof Float32Array ? 2 ** -22 : 2 ** -51;
    for (let j = 0; j < original.length; j++) {
      const bound = 0.5 * scales[i] * (1 + 1e-6) + Math.abs(original[j]) * ulps;
      if (Number.isNaN(original[j])) {
        assert.ok(Number.isNaN(ours[j]), `${what}: pixel ${j} is undefined in the original, read ${ours[j]}`);
        nulls++;
      } else {
        assert.ok(Math.abs(ours[j] - original[j]) <= bound, `${what}: pixel ${j} read ${ours[j]}, original ${original[j]}, more than half of ZSCALE ${scales[i]} apart`);
      }
    }
    if (!c.packing.tiles2d || !original.some(Number.isNaN)) {
      const funpack = await pixels(c.unpacked, 0);
      for (let j = 0; j < ours.length; j++) assert.ok(Object.is(ours[j], funpack[j]) || ours[j] === funpack[j], `${what}: pixel ${j} is ${ours[j]}, funpack ${funpack[j]}`);
      compared++;
    }
  }
  assert.ok(compared >= 60 && nulls > 0, `${compared} files compared with funpack pixel for pixel, ${nulls} undefined pixels checked`);
});

test("a quantised file's header says how it was packed, as astropy shows it", async () => {
  const list = await open(path.join(dir, "nans-4.fits.fz"));
  try {
    const hdu = list.get(1);
    assert.is(hdu.kind, "CompImageHDU");
    assert.is(hdu.rawHeader.get("ZQUANTIZ"), "SUBTRACTIVE_DITHER_1");
    assert.is(hdu.rawHeader.get("ZBLANK"), -2147483647, "undefined pixels stored as ZBLANK");
    assert.is(hdu.rawHeader.get("ZDITHER0"), 7, "the seed given with -q7");
    assert.is(hdu.header.get("BITPIX"), -32);
  } finally {
    await list.close();
  }
});

test.run();
