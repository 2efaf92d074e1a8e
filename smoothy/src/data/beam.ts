/** Restoring beams: one per image (BMAJ, BMIN, BPA in degrees) or one per channel (a BEAMS table). */
import type { Header } from "../header/header.js";
import type { Table } from "../fits/table.js";

export interface Beam {
  /** Full widths at half maximum, in degrees, and the position angle in degrees. */
  bmaj: number;
  bmin: number;
  bpa: number;
}

export function beamOf(header: Header): Beam | undefined {
  const [bmaj, bmin, bpa] = ["BMAJ", "BMIN", "BPA"].map((k) => header.get(k));
  if (typeof bmaj !== "number" || typeof bmin !== "number") return undefined;
  return { bmaj, bmin, bpa: typeof bpa === "number" ? bpa : 0 };
}

/** Per-channel beams of a CASA BEAMS table (BMAJ, BMIN in arcsec, BPA in degrees), for one polarisation. */
export function beamsOf(table: Table, pol = 0): Beam[] {
  const arcsec = (name: string) => {
    const unit = table.column(name).column.unit?.trim().toLowerCase();
    return unit === "deg" ? 1 : unit === "arcmin" ? 1 / 60 : 1 / 3600;
  };
  const bmaj = table.column("BMAJ").values as ArrayLike<number>;
  const bmin = table.column("BMIN").values as ArrayLike<number>;
  const bpa = table.column("BPA").values as ArrayLike<number>;
  const chan = table.column("CHAN").values as ArrayLike<number>;
  const pols = table.column("POL").values as ArrayLike<number>;
  const beams: Beam[] = [];
  for (let i = 0; i < table.rows; i++) {
    if (pols[i] === pol) beams[chan[i]] = { bmaj: bmaj[i] * arcsec("BMAJ"), bmin: bmin[i] * arcsec("BMIN"), bpa: bpa[i] };
  }
  return beams;
}

/** The beam's solid angle in steradians: π θmaj θmin / (4 ln 2). */
export function beamSolidAngle(beam: Beam): number {
  const rad = Math.PI / 180;
  return (Math.PI * beam.bmaj * rad * beam.bmin * rad) / (4 * Math.LN2);
}

/**
 * The factor from Jy/beam to brightness temperature in K at a frequency (Hz), Rayleigh-Jeans:
 * T = S c² / (2 k ν² Ω).
 */
export function jyPerBeamToKelvin(beam: Beam, frequency: number): number {
  const c = 299_792_458;
  const k = 1.380649e-23;
  return (1e-26 * c * c) / (2 * k * frequency * frequency * beamSolidAngle(beam));
}
