// smoothy's WCS (wcslib through native/) against astropy.wcs on the same real files.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Header, open, parseCard, WCS, WcsError } from "smoothy";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("wcs");
const PYTHON = "/usr/bin/python3";

interface Ref {
  file: string;
  hdus?: Array<{ wcs?: { ctype: string[]; cunit: string[]; samples: Array<[number[], number[]]> } }>;
}
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
        assert.equal(
          wcs.ctype.map((c) => c.trim()),
          hdu.wcs!.ctype.map((c) => c.trim()),
        );
        assert.equal(
          wcs.worldAxisUnits.map((u) => u.replace(/ /g, "")),
          hdu.wcs!.cunit.map((u) => u.replace(/ /g, "")),
        );
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
        assert.equal(
          asyncWorld.map((a) => [...a]),
          world.map((a) => [...a]),
        );
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
  "NAXIS   = 2",
  "NAXIS1  = 100",
  "NAXIS2  = 100",
  "CTYPE1  = 'RA---TAN'",
  "CTYPE2  = 'DEC--TAN'",
  "CRPIX1  = 50.5",
  "CRPIX2  = 50.5",
  "CRVAL1  = 83.8",
  "CRVAL2  = -5.4",
  "CDELT1  = -0.001",
  "CDELT2  = 0.001",
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
  const wcs = WCS.fromHeader(
    header(["NAXIS   = 2", "CTYPE1  = 'RA---SIN'", "CTYPE2  = 'DEC--SIN'", "CRPIX1  = 1", "CRPIX2  = 1", "CRVAL1  = 0", "CRVAL2  = 0", "CDELT1  = -1", "CDELT2  = 1"]),
  );
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
  const e = (() => {
    try {
      WCS.fromHeader(broken);
    } catch (error) {
      return error;
    }
  })();
  assert.instance(e, WcsError);
  assert.match((e as Error).message, /projection|ctype|Unrecognized/i);
  assert.is(parseCard("CTYPE1  = 'RA---TAN'".padEnd(80)).value, "RA---TAN");
});

// SIP distortion (a Spitzer-like header, third order, with the inverse): astropy applies it in
// all_pix2world, wcslib as a distortion of the TAN projection.
const SIP = [
  "NAXIS   = 2",
  "NAXIS1  = 256",
  "NAXIS2  = 256",
  "CTYPE1  = 'RA---TAN-SIP'",
  "CTYPE2  = 'DEC--TAN-SIP'",
  "CRPIX1  = 128.0",
  "CRPIX2  = 128.0",
  "CRVAL1  = 202.4826",
  "CRVAL2  = 47.2315",
  "CD1_1   = -3.3E-4",
  "CD1_2   = 2.1E-5",
  "CD2_1   = 2.0E-5",
  "CD2_2   = 3.3E-4",
  "A_ORDER = 3",
  "A_0_2   = 2.4E-6",
  "A_0_3   = -1.3E-9",
  "A_1_1   = -3.1E-6",
  "A_1_2   = 7.6E-10",
  "A_2_0   = 5.2E-6",
  "A_2_1   = -1.9E-9",
  "A_3_0   = 2.9E-10",
  "B_ORDER = 3",
  "B_0_2   = -6.1E-6",
  "B_0_3   = 4.4E-10",
  "B_1_1   = 5.6E-6",
  "B_1_2   = -2.2E-9",
  "B_2_0   = -2.7E-6",
  "B_2_1   = 8.8E-10",
  "B_3_0   = -1.0E-9",
];

test("SIP distortion: pixel → world as astropy's all_pix2world, to 1e-9 degree", () => {
  const wcs = WCS.fromHeader(header(SIP));
  const pixels = [
    [0, 0],
    [255, 255],
    [127, 127],
    [10, 240],
    [200, 30],
    [-20, 300],
  ];
  const script = `
import sys, json, warnings
from astropy.io import fits
from astropy.wcs import WCS
cards = json.loads(sys.stdin.read())
h = fits.Header.fromstring("".join(c.ljust(80) for c in cards))
w = WCS(h)
pix = ${JSON.stringify(pixels)}
print(json.dumps([list(map(float, w.all_pix2world([p], 0)[0])) for p in pix]))
`;
  const r = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify(SIP.map((l) => l.padEnd(80))), encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const astropy = JSON.parse(r.stdout) as number[][];
  const [ra, dec] = wcs.pixelToWorldValues(
    pixels.map((p) => p[0]),
    pixels.map((p) => p[1]),
  );
  pixels.forEach((p, i) => {
    assert.ok(agrees("RA", ra[i], astropy[i][0]), `RA at ${p}: ${ra[i]} vs astropy ${astropy[i][0]}`);
    assert.ok(agrees("DEC", dec[i], astropy[i][1]), `Dec at ${p}: ${dec[i]} vs astropy ${astropy[i][1]}`);
  });
  const plain = WCS.fromHeader(header(SIP.filter((l) => !/^[AB]_/.test(l)).map((l) => l.replace("-SIP", "    "))));
  const [ra0] = plain.pixelToWorldValues([0], [0]);
  assert.ok(Math.abs(ra0[0] - ra[0]) * 3600 > 0.1, "the distortion moves the corner by more than 0.1 arcsec");
  const [x, y] = wcs.worldToPixelValues(ra, dec);
  pixels.forEach((p, i) => assert.ok(Math.abs(x[i] - p[0]) < 1e-6 && Math.abs(y[i] - p[1]) < 1e-6, `round trip at ${p}: ${x[i]}, ${y[i]}`));
});

/** astropy's all_pix2world of header cards (80-character images), 0-based, with the warnings it gave. */
function astropyWorld(cards: string[], pixels: number[][]): { world: number[][]; warnings: string[] } {
  const script = `
import sys, json, warnings
from astropy.io import fits
from astropy.wcs import WCS
cards = json.loads(sys.stdin.read())
h = fits.Header.fromstring("".join(c.ljust(80) for c in cards))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    w = WCS(h)
print(json.dumps({"world": [list(map(float, w.all_pix2world([p], 0)[0])) for p in ${JSON.stringify(pixels)}], "warnings": [str(c.message) for c in caught]}))
`;
  const r = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify(cards.map((l) => l.padEnd(80))), encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// SCAMP's distortion (PVi_m, m >= 5, on TAN axes), as in PTF and DECam headers.
const SCAMP_PV = [
  "PV1_0   = 1.0E-4",
  "PV1_1   = 1.0001",
  "PV1_2   = 2.0E-4",
  "PV1_4   = 3.0E-4",
  "PV1_5   = -2.0E-4",
  "PV1_6   = 1.0E-4",
  "PV1_7   = 5.0E-3",
  "PV2_0   = -1.0E-4",
  "PV2_1   = 0.9998",
  "PV2_2   = -3.0E-4",
  "PV2_4   = 1.0E-4",
  "PV2_5   = 2.0E-4",
  "PV2_6   = -1.0E-4",
  "PV2_7   = 4.0E-3",
];
const SCAMP_BASE = [
  "NAXIS   = 2",
  "NAXIS1  = 100",
  "NAXIS2  = 80",
  "CRPIX1  = 50.5",
  "CRPIX2  = 40.5",
  "CRVAL1  = 202.48",
  "CRVAL2  = 47.23",
  "CD1_1   = -2.8E-4",
  "CD1_2   = 1.0E-6",
  "CD2_1   = 2.0E-6",
  "CD2_2   = 2.8E-4",
];
const SCAMP_PIXELS = [
  [0, 0],
  [99, 79],
  [10, 20],
  [70, 5],
];

test("SCAMP's PV cards on -TAN-SIP axes are dropped, with a warning naming them, and SIP is used: as astropy", () => {
  const cards = [...SCAMP_BASE, "CTYPE1  = 'RA---TAN-SIP'", "CTYPE2  = 'DEC--TAN-SIP'", ...SCAMP_PV, ...SIP.filter((l) => /^[AB]_/.test(l))];
  const wcs = WCS.fromHeader(header(cards));
  assert.match(wcs.warnings.join("\n"), /PV1_5.*PV2_7 ignored: SCAMP's distortion parameters, redundant with the SIP ones/);
  const astropy = astropyWorld(cards, SCAMP_PIXELS);
  assert.match(astropy.warnings.join("\n"), /Removed redundant SCAMP distortion parameters because SIP parameters are also present/, "astropy does the same");
  const [ra, dec] = wcs.pixelToWorldValues(
    SCAMP_PIXELS.map((p) => p[0]),
    SCAMP_PIXELS.map((p) => p[1]),
  );
  SCAMP_PIXELS.forEach((p, i) =>
    assert.ok(agrees("RA", ra[i], astropy.world[i][0]) && agrees("DEC", dec[i], astropy.world[i][1]), `${p}: ${ra[i]}, ${dec[i]} vs astropy ${astropy.world[i]}`),
  );
});

test("SCAMP's PV cards on plain -TAN axes are pre-2012 TPV, with a warning: as astropy (5.3 on) reads them", () => {
  const cards = [...SCAMP_BASE, "CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", ...SCAMP_PV];
  const wcs = WCS.fromHeader(header(cards));
  assert.match(wcs.warnings.join("\n"), /PV1_5, PV1_6, PV1_7, PV2_5, PV2_6, PV2_7 on -TAN axes: SCAMP's distortion, read as TPV/);
  // Debian's astropy 5.2 predates that rule and refuses the header as wcslib does; its reading of the
  // same cards with CTYPE = TPV is what astropy 5.3 and later give for them.
  const astropy = astropyWorld(
    cards.map((c) => c.replace("-TAN'", "-TPV'")),
    SCAMP_PIXELS,
  );
  const [ra, dec] = wcs.pixelToWorldValues(
    SCAMP_PIXELS.map((p) => p[0]),
    SCAMP_PIXELS.map((p) => p[1]),
  );
  SCAMP_PIXELS.forEach((p, i) =>
    assert.ok(agrees("RA", ra[i], astropy.world[i][0]) && agrees("DEC", dec[i], astropy.world[i][1]), `${p}: ${ra[i]}, ${dec[i]} vs astropy ${astropy.world[i]}`),
  );
  const plain = WCS.fromHeader(header(cards.filter((c) => !/^PV/.test(c))));
  assert.ok(Math.abs(plain.pixelToWorldValues([0], [0])[0][0] - ra[0]) * 3600 > 0.1, "the distortion is applied, not dropped");
  assert.equal(plain.warnings, []);
});

test("PV cards a projection does not take, outside SCAMP's convention, are still refused, naming the card", () => {
  const cards = [...SCAMP_BASE, "CTYPE1  = 'RA---SIN'", "CTYPE2  = 'DEC--SIN'", "PV1_5   = 0.01"];
  assert.throws(
    () => WCS.fromHeader(header(cards)),
    (e: Error) => e instanceof WcsError && /PV1_5 : Unrecognized coordinate transformation parameter/.test(e.message),
  );
});

test.run();
