// Units as astropy prints them: strings astropy parses are checked against astropy itself; headers in
// capitals (which astropy refuses) against what they mean.
import { spawnSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { multiplyUnits, normalizeUnit } from "../../smoothy/src/data/units.ts";
import { PYTHON } from "../helpers/kernel-client.ts";

const test = suite("units");

const ASTROPY_PARSES = [
  "Jy/beam",
  "Jy beam-1",
  "K",
  "km/s",
  "K.km/s",
  "MJy/sr",
  "mJy",
  "erg s-1 cm-2",
  "erg/(s cm2)",
  "10**(-20) erg/(s cm2 Angstrom)",
  "Hz",
  "GHz",
  "deg",
  "m s-1",
  "1/s",
  "W m-2 Hz-1",
  "Jy km s-1",
  "ct/s",
  "mK",
  "arcsec**2",
  "solMass/yr",
  "um",
];

test("normalizeUnit gives what astropy's Unit(s).to_string() gives", () => {
  const script = "import json,sys\nimport astropy.units as u\nprint(json.dumps([u.Unit(s).to_string() for s in json.load(sys.stdin)]))";
  const r = spawnSync(PYTHON, ["-W", "ignore", "-c", script], { input: JSON.stringify(ASTROPY_PARSES), encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as string[];
  ASTROPY_PARSES.forEach((s, i) => assert.is(normalizeUnit(s), expected[i], s));
});

test("headers in capitals read as astronomers mean them", () => {
  const cases: Array<[string, string]> = [
    ["JY/BEAM", "Jy / beam"],
    ["KM/S", "km / s"],
    ["MJY/SR", "MJy / sr"],
    ["HZ", "Hz"],
    ["JY/PIXEL", "Jy / pix"],
    ["DEG", "deg"],
    ["K", "K"],
    ["MHZ", "MHz"],
    ["MK", "mK"],
    ["JY/BEAM.KM/S", "Jy km / (beam s)"],
  ];
  for (const [s, want] of cases) assert.is(normalizeUnit(s), want, s);
});

test("products of units, and strings that are no unit kept as they are", () => {
  assert.is(multiplyUnits("JY/BEAM", "km/s"), "Jy km / (beam s)");
  assert.is(multiplyUnits("Jy/beam", "GHz"), "GHz Jy / beam");
  assert.is(multiplyUnits("K", "km/s"), "K km / s");
  assert.is(multiplyUnits("", "km/s"), "km / s");
  assert.is(multiplyUnits("counts per fortnight", "km/s"), "counts per fortnight km/s");
  assert.is(normalizeUnit("  counts per fortnight "), "counts per fortnight");
  assert.is(normalizeUnit(""), "");
  assert.is(normalizeUnit("Jy/"), "Jy/");
});

test.run();
