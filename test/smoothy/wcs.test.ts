// smoothy's WCS (wcslib through native/) against astropy.wcs on the same real files.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Header, open, parseCard, WCS, WcsError } from "smoothy";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("wcs");

interface Ref { file: string; hdus?: Array<{ wcs?: { ctype: string[]; cunit: string[]; samples: Array<[number[], number[]]> } }> }
const references: Ref[] = sharedAvailable("WCS references")
  ? readdirSync(path.join(FITS_DIR, "reference")).map((f) => JSON.parse(readFileSync(path.join(FITS_DIR, "reference", f), "utf8")))
  : [];

/** Angles agree to 1e-9 degree; other world values to 1e-12 relative. */
function agrees(axisType: string, ours: number, theirs: number): boolean {
  if (/^(RA|DEC|GLON|GLAT|ELON|ELAT)/.test(axisType)) {
    const d = Math.abs(ours - theirs) % 360;
    return Math.min(d, 360 - d) <= 1e-9;
  }
  return Math.abs(ours - theirs) <= 1e-12 * Math.max(1, Math.abs(theirs));
}

for (const ref of references) {
  (ref.hdus ?? []).forEach((hdu, index) => {
    if (!hdu.wcs) return;
    test(`${ref.file} HDU ${index}: pixel → world and back as astropy.wcs, ${hdu.wcs.ctype.join(" ")}`, async () => {
      const list = await open(path.join(FITS_DIR, ref.file));
      try {
        const wcs = list.get(index).wcs();
        assert.equal(wcs.ctype.map((c) => c.trim()), hdu.wcs!.ctype.map((c) => c.trim()));
        assert.equal(wcs.worldAxisUnits.map((u) => u.replace(/ /g, "")), hdu.wcs!.cunit.map((u) => u.replace(/ /g, "")));
        const pixels = hdu.wcs!.samples.map((s) => s[0]);
        const axes = Array.from({ length: wcs.pixelNDim }, (_, k) => pixels.map((p) => p[k]));
        const world = wcs.pixelToWorldValues(...axes);
        hdu.wcs!.samples.forEach(([, expected], i) => {
          expected.forEach((value, k) => {
            assert.ok(agrees(wcs.ctype[k], world[k][i], value), `${ref.file} sample ${i} axis ${k} (${wcs.ctype[k]}): ${world[k][i]} vs astropy ${value}`);
          });
        });
        const back = wcs.worldToPixelValues(...world);
        back.forEach((axis, k) => axis.forEach((p, i) => assert.ok(Math.abs(p - axes[k][i]) < 1e-6, `round trip axis ${k} point ${i}: ${p} vs ${axes[k][i]}`)));
        const asyncWorld = await wcs.pixelToWorldValuesAsync(...axes);
        assert.equal(asyncWorld.map((a) => [...a]), world.map((a) => [...a]));
      } finally {
        await list.close();
      }
    });
  });
}

function header(lines: string[]): Header {
  return Header.fromImages(lines.map((l) => l.padEnd(80))).header;
}

const celestial = [
  "NAXIS   = 2", "NAXIS1  = 100", "NAXIS2  = 100",
  "CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", "CRPIX1  = 50.5", "CRPIX2  = 50.5",
  "CRVAL1  = 83.8", "CRVAL2  = -5.4", "CDELT1  = -0.001", "CDELT2  = 0.001",
];

test("APE 14 names: dimensions, physical types, units; reference pixel maps to the reference value", () => {
  const wcs = WCS.fromHeader(header(celestial));
  assert.is(wcs.pixelNDim, 2);
  assert.equal(wcs.worldAxisPhysicalTypes, ["pos.eq.ra", "pos.eq.dec"]);
  assert.equal(wcs.worldAxisUnits, ["deg", "deg"]);
  assert.ok(wcs.hasCelestial);
  const [ra, dec] = wcs.pixelToWorldValues([49.5], [49.5]);
  assert.ok(Math.abs(ra[0] - 83.8) < 1e-12 && Math.abs(dec[0] + 5.4) < 1e-12);
});

test("points with no world position are NaN, not an error", () => {
  const wcs = WCS.fromHeader(header(["NAXIS   = 2", "CTYPE1  = 'RA---SIN'", "CTYPE2  = 'DEC--SIN'", "CRPIX1  = 1", "CRPIX2  = 1", "CRVAL1  = 0", "CRVAL2  = 0", "CDELT1  = -1", "CDELT2  = 1"]));
  const [ra, dec] = wcs.pixelToWorldValues([0, 500], [0, 500]);
  assert.ok(Number.isFinite(ra[0]) && Number.isFinite(dec[0]));
  assert.ok(Number.isNaN(ra[1]) && Number.isNaN(dec[1]), "beyond the SIN projection's sphere");
});

test("bad input gets errors that say what is wrong, never a crash", () => {
  const wcs = WCS.fromHeader(header(celestial));
  assert.throws(() => wcs.pixelToWorldValues([1, 2], [1]), /differ in length/);
  assert.throws(() => wcs.pixelToWorldValues([1]), /expected 2 coordinate arrays/);
  assert.throws(() => WCS.fromHeader(header(celestial), { key: "Q" }), /no WCS with key 'Q'/);
  const broken = header(["NAXIS   = 2", "CTYPE1  = 'RA---XYZ'", "CTYPE2  = 'DEC--XYZ'"]);
  const e = (() => { try { WCS.fromHeader(broken); } catch (error) { return error; } })();
  assert.instance(e, WcsError);
  assert.match((e as Error).message, /projection|ctype|Unrecognized/i);
  assert.is(parseCard("CTYPE1  = 'RA---TAN'".padEnd(80)).value, "RA---TAN");
});

test.run();
