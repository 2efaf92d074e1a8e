/**
 * Spectral coordinates and their conversions (frequency, radio and optical velocity, wavelength), as
 * astropy's spectral equivalencies define them: radio v = c (1 − ν/ν₀), optical v = c (ν₀/ν − 1),
 * λ = c/ν. SI units throughout: Hz, m/s, m.
 */
export const SPEED_OF_LIGHT = 299_792_458;

export type SpectralKind = "FREQ" | "VRAD" | "VOPT" | "WAVE";

export interface RestValue {
  /** RESTFRQ in Hz, or 0 when unknown. */
  restfrq: number;
  /** RESTWAV in m, or 0 when unknown. */
  restwav: number;
}

export function spectralKind(ctype: string): SpectralKind | undefined {
  const head = ctype.trim().toUpperCase().slice(0, 4);
  if (head === "FREQ" || head === "VRAD" || head === "VOPT" || head === "WAVE") return head;
  if (head === "VELO" || head === "FELO") return "VOPT";
  return undefined;
}

function restFrequency(rest: RestValue, needed: string): number {
  if (rest.restfrq > 0) return rest.restfrq;
  if (rest.restwav > 0) return SPEED_OF_LIGHT / rest.restwav;
  throw new RangeError(`converting to ${needed} needs a rest frequency (RESTFRQ) or wavelength (RESTWAV), and the header has neither`);
}

function toFrequency(kind: SpectralKind, value: number, rest: RestValue): number {
  switch (kind) {
    case "FREQ":
      return value;
    case "WAVE":
      return SPEED_OF_LIGHT / value;
    case "VRAD":
      return restFrequency(rest, "frequency") * (1 - value / SPEED_OF_LIGHT);
    case "VOPT":
      return restFrequency(rest, "frequency") / (1 + value / SPEED_OF_LIGHT);
  }
}

function fromFrequency(kind: SpectralKind, nu: number, rest: RestValue): number {
  switch (kind) {
    case "FREQ":
      return nu;
    case "WAVE":
      return SPEED_OF_LIGHT / nu;
    case "VRAD":
      return SPEED_OF_LIGHT * (1 - nu / restFrequency(rest, "radio velocity"));
    case "VOPT":
      return SPEED_OF_LIGHT * (restFrequency(rest, "optical velocity") / nu - 1);
  }
}

/** Converts spectral values from one kind to another (through frequency). */
export function convertSpectral(values: ArrayLike<number>, from: SpectralKind, to: SpectralKind, rest: RestValue): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = from === to ? values[i] : fromFrequency(to, toFrequency(from, values[i], rest), rest);
  return out;
}

/**
 * The kind a spectral axis is shown and integrated in: radio velocity for a frequency axis with a rest
 * frequency (a line cube), else the axis' own kind.
 */
export function lineKind(ctype: string, rest: RestValue): SpectralKind | undefined {
  const kind = spectralKind(ctype);
  return kind === "FREQ" && (rest.restfrq > 0 || rest.restwav > 0) ? "VRAD" : kind;
}

export const SPECTRAL_UNIT: Record<SpectralKind, string> = { FREQ: "Hz", VRAD: "m/s", VOPT: "m/s", WAVE: "m" };

/** Units a spectral value can be given in, with their size in the kind's SI unit. */
const SCALES: Record<string, [SpectralKind[], number]> = {
  Hz: [["FREQ"], 1],
  kHz: [["FREQ"], 1e3],
  MHz: [["FREQ"], 1e6],
  GHz: [["FREQ"], 1e9],
  "m/s": [["VRAD", "VOPT"], 1],
  "km/s": [["VRAD", "VOPT"], 1e3],
  m: [["WAVE"], 1],
  mm: [["WAVE"], 1e-3],
  um: [["WAVE"], 1e-6],
  nm: [["WAVE"], 1e-9],
  Angstrom: [["WAVE"], 1e-10],
};

/** The units astronomers read these in (CASA's immoments gives km/s, for one). */
export const DISPLAY_UNIT: Record<SpectralKind, string> = { FREQ: "GHz", VRAD: "km/s", VOPT: "km/s", WAVE: "um" };

/** The factor from SI values of `kind` to `unit`; a unit that does not fit the kind is an error. */
export function spectralScale(kind: SpectralKind, unit: string): number {
  const entry = SCALES[unit];
  if (!entry || !entry[0].includes(kind)) {
    const fitting = Object.keys(SCALES).filter((u) => SCALES[u][0].includes(kind));
    throw new RangeError(`spectral unit ${JSON.stringify(unit)} does not fit ${kind}: use one of ${fitting.join(", ")}`);
  }
  return 1 / entry[1];
}
