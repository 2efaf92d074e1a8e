/**
 * Units as astropy writes them: `normalizeUnit("JY/BEAM")` is "Jy / beam", `multiplyUnits("Jy/beam",
 * "km/s")` is "Jy km / (beam s)", as astropy.units' generic format prints `u.Jy / u.beam * u.km / u.s`
 * (bases sorted by power, then name; negative powers after one slash). Headers written in capitals
 * ("JY/BEAM", "KM/S", "MJY/SR") are read as astronomers mean them, and a product is read left to right,
 * as casacore reads CASA's "Jy/beam.km/s" (astropy would put km under the slash). A string that does not parse is
 * kept as it is: a unit is for display and for the reader, never a reason to refuse a file.
 */

/** Units astropy knows by these names (the ones astronomy headers use). */
const BASES = new Set([
  "m",
  "s",
  "g",
  "K",
  "Jy",
  "beam",
  "Hz",
  "deg",
  "arcsec",
  "arcmin",
  "rad",
  "sr",
  "pix",
  "erg",
  "W",
  "J",
  "eV",
  "Angstrom",
  "AA",
  "um",
  "micron",
  "yr",
  "d",
  "h",
  "min",
  "mag",
  "ct",
  "ph",
  "adu",
  "electron",
  "pc",
  "AU",
  "lyr",
  "solMass",
  "solLum",
  "solRad",
  "barn",
  "V",
  "A",
  "G",
  "T",
  "Ba",
  "mas",
  "uas",
  "cycle",
  "bit",
  "byte",
  "chan",
  "voxel",
  "bin",
]);
const ALIASES: Record<string, string> = {
  pixel: "pix",
  pixels: "pix",
  counts: "ct",
  count: "ct",
  photon: "ph",
  photons: "ph",
  Angstroms: "Angstrom",
  degree: "deg",
  degrees: "deg",
  sec: "s",
  second: "s",
};
const PREFIXES = ["da", "Y", "Z", "E", "P", "T", "G", "M", "k", "h", "d", "c", "m", "u", "n", "p", "f", "a", "z", "y"];
/** Bases that take no SI prefix (so "min" is minutes, "mag" magnitudes, "pc" parsecs, not pico-c). */
const UNPREFIXED = new Set([
  "deg",
  "min",
  "h",
  "d",
  "beam",
  "pix",
  "mag",
  "ct",
  "ph",
  "adu",
  "electron",
  "solMass",
  "solLum",
  "solRad",
  "AU",
  "lyr",
  "mas",
  "uas",
  "cycle",
  "chan",
  "voxel",
  "bin",
  "micron",
  "Angstrom",
  "AA",
  "arcmin",
]);

/** Headers in capitals: the base names, and the prefix each capital letter stands for before a base. */
const CAPITAL_BASES: Record<string, string> = {
  JY: "Jy",
  BEAM: "beam",
  K: "K",
  M: "m",
  S: "s",
  HZ: "Hz",
  DEG: "deg",
  DEGREES: "deg",
  ARCSEC: "arcsec",
  ARCMIN: "arcmin",
  RAD: "rad",
  SR: "sr",
  PIX: "pix",
  PIXEL: "pix",
  ERG: "erg",
  W: "W",
  EV: "eV",
  ANGSTROM: "Angstrom",
  UM: "um",
  MICRON: "micron",
  YR: "yr",
  D: "d",
  H: "h",
  MIN: "min",
  MAG: "mag",
  CT: "ct",
  COUNTS: "ct",
  COUNT: "ct",
  PH: "ph",
  PHOTON: "ph",
  ADU: "adu",
  ELECTRON: "electron",
  PC: "pc",
  AU: "AU",
  G: "g",
  V: "V",
  MAS: "mas",
};
// "MJY/SR" is Spitzer's MJy/sr and "MHZ" is MHz; "MM", "MS" and "MK" are millimetres, milliseconds, millikelvin.
const CAPITAL_PREFIXES: Record<string, (base: string) => string> = {
  K: () => "k",
  M: (b) => (b === "m" || b === "s" || b === "K" ? "m" : "M"),
  G: () => "G",
  T: () => "T",
  C: () => "c",
  U: () => "u",
  N: () => "n",
  P: () => "p",
};

type Powers = Map<string, number>;

interface Parsed {
  scale: number;
  powers: Powers;
}

function base(token: string, capitals: boolean): string | undefined {
  if (capitals) {
    if (CAPITAL_BASES[token]) return CAPITAL_BASES[token];
    const prefix = CAPITAL_PREFIXES[token[0]];
    const rest = CAPITAL_BASES[token.slice(1)];
    if (prefix && rest && !UNPREFIXED.has(rest)) return prefix(rest) + rest;
    return undefined;
  }
  if (BASES.has(token)) return token;
  if (ALIASES[token]) return ALIASES[token];
  for (const p of PREFIXES) {
    const rest = token.slice(p.length);
    if (token.startsWith(p) && BASES.has(rest) && !UNPREFIXED.has(rest)) return token;
  }
  return undefined;
}

/** A small recursive-descent parser of FITS/CDS/generic unit strings: products (space, '.', '*'), '/', powers, parentheses, scale factors. */
function parse(text: string, capitals: boolean): Parsed | undefined {
  // A name may carry its power glued on, as FITS writes it: "cm2", "s-1".
  const tokens = text.match(/\*\*|\^|[()*./]|[A-Za-z]+(?:[+-]?\d+)?|[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const fail = (): never => {
    throw new SyntaxError(text);
  };
  const combine = (into: Parsed, part: Parsed, sign: number) => {
    into.scale *= part.scale ** sign;
    for (const [name, power] of part.powers) into.powers.set(name, (into.powers.get(name) ?? 0) + sign * power);
  };
  const exponent = (): number => {
    if (peek() === "(") {
      at++;
      const n = Number(tokens[at++]);
      let value = n;
      if (peek() === "/") {
        at++;
        value = n / Number(tokens[at++]);
      }
      if (tokens[at++] !== ")" || !Number.isFinite(value)) fail();
      return value;
    }
    const n = Number(tokens[at++]);
    if (!Number.isFinite(n)) fail();
    return n;
  };
  const factor = (): Parsed => {
    const token = tokens[at++];
    let part: Parsed;
    if (token === "(") {
      part = product();
      if (tokens[at++] !== ")") fail();
    } else if (token !== undefined && /^[+-]?\d/.test(token)) {
      part = { scale: Number(token), powers: new Map() };
    } else if (token !== undefined && /^[A-Za-z]/.test(token)) {
      const [, letters, glued] = /^([A-Za-z]+)([+-]?\d+)?$/.exec(token)!;
      const name = base(letters, capitals) ?? fail();
      part = { scale: 1, powers: new Map([[name, glued === undefined ? 1 : Number(glued)]]) };
    } else {
      return fail();
    }
    if (peek() === "**" || peek() === "^") {
      at++;
      const power = exponent();
      const scaled: Parsed = { scale: part.scale ** power, powers: new Map() };
      for (const [name, p] of part.powers) scaled.powers.set(name, p * power);
      part = scaled;
    }
    return part;
  };
  const product = (): Parsed => {
    const result: Parsed = { scale: 1, powers: new Map() };
    combine(result, factor(), 1);
    for (;;) {
      const next = peek();
      if (next === "/") at++, combine(result, factor(), -1);
      else if (next === "*" || next === ".") at++, combine(result, factor(), 1);
      else if (next !== undefined && next !== ")") combine(result, factor(), 1);
      else return result;
    }
  };
  try {
    if (tokens.length === 0) return undefined;
    const result = product();
    return at === tokens.length ? result : undefined;
  } catch {
    return undefined;
  }
}

function parseUnit(text: string): Parsed | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  // A header with no small letter was written in capitals, whatever its names would mean as written.
  if (!/[a-z]/.test(trimmed)) return parse(trimmed, true) ?? parse(trimmed, false);
  return parse(trimmed, false);
}

function power(name: string, p: number): string {
  return p === 1 ? name : Number.isInteger(p) ? `${name}${p}` : `${name}(${p})`;
}

/** astropy's generic format. */
function format(unit: Parsed): string {
  const parts = [...unit.powers].filter(([, p]) => p !== 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const up = parts.filter(([, p]) => p > 0).map(([n, p]) => power(n, p));
  const down = parts
    .filter(([, p]) => p < 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([n, p]) => power(n, -p));
  const scale = unit.scale === 1 ? "" : `${Number(unit.scale.toPrecision(12))}`;
  const top = [scale, ...up].filter(Boolean).join(" ") || (down.length ? "1" : "");
  if (!down.length) return top;
  return `${top} / ${down.length === 1 ? down[0] : `(${down.join(" ")})`}`;
}

/** The unit as astropy prints it ("Jy / beam" for "JY/BEAM"); the text itself when it is no unit smoothy knows. */
export function normalizeUnit(text: string): string {
  const parsed = parseUnit(text);
  return parsed ? format(parsed) : text.trim();
}

/** The product of two units, as astropy prints it ("Jy km / (beam s)"); joined by a space when either is unknown. */
export function multiplyUnits(a: string, b: string): string {
  const x = parseUnit(a),
    y = parseUnit(b);
  if (!a.trim()) return normalizeUnit(b);
  if (!b.trim()) return normalizeUnit(a);
  if (!x || !y) return `${a.trim()} ${b.trim()}`;
  const powers: Powers = new Map(x.powers);
  for (const [name, p] of y.powers) powers.set(name, (powers.get(name) ?? 0) + p);
  return format({ scale: x.scale * y.scale, powers });
}
