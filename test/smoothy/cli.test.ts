// `jovial fits ...` and `jovial view` as a user runs them, against astropy's readings of the real files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PYTHON } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";

const test = suite("fits cli");
const JOVIAL = path.resolve("bin/jovial.js");

function jovial(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [JOVIAL, ...args], { encoding: "utf8" });
}

interface HduRef {
  kind: string;
  shape?: number[];
  stats?: { n: number; nan: number; min: number; max: number; sum: number };
  wcs?: { ctype: string[]; samples: Array<[number[], number[]]> };
}
const references: Array<{ file: string; hdus?: HduRef[]; error?: string }> = sharedAvailable("CLI references")
  ? readdirSync(path.join(FITS_DIR, "reference")).map((f) => JSON.parse(readFileSync(path.join(FITS_DIR, "reference", f), "utf8")))
  : [];

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

test("fits info, stats and wcs --json give astropy's kinds, shapes, statistics and world coordinates", () => {
  for (const ref of references) {
    const file = path.join(FITS_DIR, ref.file);
    const r = jovial("fits", "info", file, "--json");
    if (ref.error) {
      assert.is(r.status, 1, `${ref.file}: astropy refuses it (${ref.error})`);
      assert.match(r.stderr, new RegExp(`${ref.file}: HDU 0 at byte 0: `));
      continue;
    }
    assert.is(r.status, 0, r.stderr);
    const hdus = ref.hdus!;
    const info = JSON.parse(r.stdout) as { hdus: Array<{ kind: string; shape?: number[] }> };
    assert.equal(
      info.hdus.map((h) => h.kind),
      hdus.map((h) => h.kind),
      ref.file,
    );
    hdus.forEach((h, i) => {
      if (h.kind.includes("Table")) return;
      if (h.shape) assert.equal(info.hdus[i].shape, h.shape, `${ref.file}[${i}] shape`);
      if (h.stats && h.shape && h.shape.length > 0) {
        const s = jovial("fits", "stats", file, "--hdu", String(i), "--json");
        assert.is(s.status, 0, s.stderr);
        const ours = JSON.parse(s.stdout) as { count: number; nan: number; min: number; max: number; sum: number };
        assert.is(ours.count, h.stats.n, `${ref.file}[${i}] count`);
        assert.is(ours.nan, h.stats.nan, `${ref.file}[${i}] NaN count`);
        if (h.stats.n > h.stats.nan)
          assert.ok(
            close(ours.min, h.stats.min) && close(ours.max, h.stats.max) && close(ours.sum, h.stats.sum),
            `${ref.file}[${i}] ${JSON.stringify(ours)} vs ${JSON.stringify(h.stats)}`,
          );
      }
      if (h.wcs?.samples.length) {
        const [pixel, world] = h.wcs.samples[0];
        const w = jovial("fits", "wcs", file, "--hdu", String(i), "--pixel", pixel.join(","), "--json");
        assert.is(w.status, 0, w.stderr);
        const values = (JSON.parse(w.stdout) as { world: Array<{ value: number }> }).world.map((a) => a.value);
        values.forEach((v, k) => assert.ok(Math.abs(v - world[k]) <= 1e-9 * Math.max(1, Math.abs(world[k])), `${ref.file}[${i}] axis ${k}: ${v} vs ${world[k]}`));
      }
    });
  }
});

sharedTest(test, "fits header prints the cards as in the file; view writes a standalone page", () => {
  const file = path.join(FITS_DIR, "m13.fits");
  const r = jovial("fits", "header", file);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n").slice(0, -1);
  assert.ok(lines[0].startsWith("SIMPLE  =                    T"));
  assert.ok(
    lines.every((l) => l.length >= 80),
    "80-character card images",
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-view-"));
  try {
    const out = path.join(dir, "m13.html");
    const v = jovial("view", file, "-o", out);
    assert.is(v.status, 0, v.stderr);
    assert.match(v.stdout, /Image 300 × 300/);
    assert.match(readFileSync(out, "utf8"), /__jovialAssets\["plotly\.min\.js"\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("view --hdu N draws an image that lives in an extension", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-view-"));
  try {
    const file = path.join(dir, "ext.fits");
    const make =
      "import sys, numpy as np\nfrom astropy.io import fits\ny, x = np.mgrid[0:40, 0:50]\nh = fits.Header({'CTYPE1': 'RA---SIN', 'CTYPE2': 'DEC--SIN', 'CRVAL1': 83.8, 'CRVAL2': -5.4, 'CDELT1': -1e-4, 'CDELT2': 1e-4, 'CRPIX1': 25, 'CRPIX2': 20, 'BUNIT': 'JY/BEAM'})\nfits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.exp(-((x - 25.0) ** 2 + (y - 20.0) ** 2) / 30).astype('f4'), h, name='SCI')]).writeto(sys.argv[1])";
    const made = spawnSync(PYTHON, ["-c", make, file], { encoding: "utf8" });
    assert.is(made.status, 0, made.stderr);
    for (const hdu of ["1", "SCI"]) {
      const out = path.join(dir, `ext-${hdu}.html`);
      const v = jovial("view", file, "--hdu", hdu, "-o", out);
      assert.is(v.status, 0, v.stderr);
      assert.match(v.stdout, new RegExp(`Image 50 × 40: ${file.replace(/[.]/g, "[.]")}\\[1\\]`));
      assert.match(readFileSync(out, "utf8"), /Jy \/ beam/, "the map's unit, as astropy writes it");
    }
    const primary = jovial("view", file, "--hdu", "0", "-o", path.join(dir, "none.html"));
    assert.is(primary.status, 1);
    assert.match(primary.stderr, /ext\.fits\[0\]: the HDU has no image data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("usage errors exit 2 with the usage; a missing file exits 1 naming it", () => {
  const noPixel = jovial("fits", "wcs", "whatever.fits");
  assert.is(noPixel.status, 1, "the file is opened first: it does not exist");
  const unknown = jovial("fits", "info", "x.fits", "--colour");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --colour\nusage:/);
  const missing = jovial("fits", "stats", "/no/such/file.fits");
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /\/no\/such\/file\.fits/);
  if (!sharedAvailable("CLI")) return;
  const wrongAxes = jovial("fits", "wcs", path.join(FITS_DIR, "m13.fits"), "--pixel", "1,2,3");
  assert.is(wrongAxes.status, 2);
  assert.match(wrongAxes.stderr, /has 2 pixel axes/);
});

test.run();
