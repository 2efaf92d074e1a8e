// The wcslib addon under malformed headers and coordinates: errors, never a crash of the process.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Header, WCS, WcsError } from "smoothy";
import { random } from "../helpers/random.ts";

const test = suite("wcs fuzz");

const PROJECTIONS = ["TAN", "SIN", "ARC", "CAR", "AIT", "ZEA", "STG", "MER", "CEA", "COP", "HPX", "XPH", "TSC", "QSC", "ZPN", "XYZ", "", "-"];
const AXES = ["RA--", "DEC-", "GLON", "GLAT", "FREQ", "VRAD", "VOPT", "WAVE", "STOKES", "FELO", "LINEAR", "", "X"];
const NUMBERS = [0, -0, 1, -1, 1e308, -1e308, 1e-320, 90, -90, 180, 360, 1e6, Number.NaN];

test("random headers: WCS objects or WcsErrors, nothing else", () => {
  const r = random(1234);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  let built = 0,
    refused = 0;
  for (let i = 0; i < 1500; i++) {
    const n = 1 + Math.floor(r() * 4);
    const lines = [`NAXIS   = ${n}`];
    for (let k = 1; k <= n; k++) {
      const axis = pick(AXES);
      lines.push(`CTYPE${k}  = '${axis.length >= 4 && r() < 0.7 ? `${axis.padEnd(4, "-")}-${pick(PROJECTIONS)}` : axis}'`);
      for (const key of ["CRPIX", "CRVAL", "CDELT"]) if (r() < 0.9) lines.push(`${key}${k}  = ${String(pick(NUMBERS)).replace("NaN", "'nan'")}`);
      if (r() < 0.3) lines.push(`PC${k}_${1 + Math.floor(r() * n)}  = ${pick(NUMBERS)}`);
      if (r() < 0.2) lines.push(`PV${k}_${Math.floor(r() * 30)}  = ${pick(NUMBERS)}`);
    }
    if (r() < 0.3) lines.push(`RESTFRQ = ${pick(NUMBERS)}`);
    if (r() < 0.2) lines.push(`LONPOLE = ${pick(NUMBERS)}`);
    if (r() < 0.1) lines.push("GARBAGE CARD WITH NO EQUALS SIGN");
    const header = Header.fromImages(lines.map((l) => l.padEnd(80).slice(0, 80))).header;
    let wcs: WCS;
    try {
      wcs = WCS.fromHeader(header);
    } catch (e) {
      assert.instance(e, WcsError, `seed 1234 case ${i}: ${(e as Error).message}`);
      refused++;
      continue;
    }
    built++;
    const coords = Array.from({ length: wcs.pixelNDim }, () => Array.from({ length: 5 }, () => pick([...NUMBERS, r() * 200 - 100, Infinity, -Infinity])));
    for (const convert of [() => wcs.pixelToWorldValues(...coords), () => wcs.worldToPixelValues(...coords)]) {
      try {
        const out = convert();
        assert.is(out.length, wcs.worldNDim);
      } catch (e) {
        assert.instance(e, WcsError, `case ${i}: ${(e as Error).message}`);
      }
    }
  }
  assert.ok(built > 100 && refused > 100, `both outcomes exercised: ${built} built, ${refused} refused`);
});

test("raw addon arguments of the wrong kind are TypeErrors", async () => {
  const { wcslib } = await import("../../smoothy/src/native/wcslib.ts");
  const addon = wcslib();
  assert.throws(() => addon.parseHeader(42 as unknown as string, []), /parseHeader\(header: string/);
  assert.throws(() => addon.parseHeader("short", []), /whole 80-character cards/);
  const { wcs } = addon.parseHeader(["NAXIS   = 1", "CTYPE1  = 'FREQ'", "CRVAL1  = 1E9", "CDELT1  = 1E6", "CRPIX1  = 1"].map((l) => l.padEnd(80)).join(""), [10]);
  assert.throws(() => wcs[0].convertSync("p2s", [1, 2] as unknown as Float64Array), /must be a Float64Array/);
  assert.throws(() => wcs[0].convertSync("sideways" as "p2s", new Float64Array(1)), /direction must be/);
  assert.equal([...wcs[0].convertSync("p2s", new Float64Array([0, 1]))], [1e9, 1e9 + 1e6]);
});

test.run();
