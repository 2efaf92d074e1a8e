/**
 * casacore's measures, in the units astronomers type: directions in degrees between J2000, ICRS,
 * GALACTIC, B1950, ECLIPTIC and AZEL (at an observatory and an epoch); frequencies in Hz between
 * LSRK, TOPO, BARY, ... and to velocities; epochs (MJD) between UTC, TAI, TT and LAST.
 */
import { casa, type MeasureFrame } from "./native.js";

const RAD = Math.PI / 180;
const array = (v: number | ArrayLike<number>) => Float64Array.from(typeof v === "number" ? [v] : v);

export interface Frame {
  /** MJD (UTC days), or a Date. */
  epoch?: number | Date;
  /** An observatory casacore knows ("ALMA", "VLA", "ATCA", ...). */
  observatory?: string;
  /** [longitude deg, latitude deg, height m] (ITRF), instead of an observatory. */
  position?: [number, number, number];
  /** The source's direction in degrees (for frequency frames), in `directionFrame` (default J2000). */
  direction?: [number, number];
  directionFrame?: string;
}

function nativeFrame(frame: Frame = {}): MeasureFrame {
  const epoch = frame.epoch instanceof Date ? frame.epoch.getTime() / 86_400_000 + 40587 : frame.epoch;
  return {
    epoch,
    observatory: frame.observatory,
    position: frame.position ? [frame.position[0] * RAD, frame.position[1] * RAD, frame.position[2]] : undefined,
    direction: frame.direction ? [frame.direction[0] * RAD, frame.direction[1] * RAD] : undefined,
    directionFrame: frame.directionFrame,
  };
}

/** Directions (degrees) from one frame to another. */
export function convertDirection(
  lon: number | ArrayLike<number>,
  lat: number | ArrayLike<number>,
  from: string,
  to: string,
  frame?: Frame,
): { lon: Float64Array; lat: Float64Array } {
  const r = casa().convertDirection(
    array(lon).map((v) => v * RAD),
    array(lat).map((v) => v * RAD),
    from,
    to,
    nativeFrame(frame),
  );
  return { lon: r.lon.map((v) => (((v / RAD) % 360) + 360) % 360), lat: r.lat.map((v) => v / RAD) };
}

/** Frequencies (Hz) from one frame to another (LSRK, TOPO, BARY, GEO, LSRD, GALACTO, ...). */
export function convertFrequency(hz: number | ArrayLike<number>, from: string, to: string, frame?: Frame): Float64Array {
  return casa().convertFrequency(array(hz), from, to, nativeFrame(frame));
}

/** Frequencies (Hz) to velocities (m/s), in RADIO, OPTICAL, Z or RELATIVISTIC convention. */
export function frequencyToVelocity(hz: number | ArrayLike<number>, restHz: number, doppler = "RADIO"): Float64Array {
  return casa().frequencyToVelocity(array(hz), restHz, doppler);
}

export function velocityToFrequency(ms: number | ArrayLike<number>, restHz: number, doppler = "RADIO"): Float64Array {
  return casa().velocityToFrequency(array(ms), restHz, doppler);
}

/** Epochs (MJD days) between UTC, TAI, TT, UT1, GMST1 and LAST (LAST needs an observatory or a position). */
export function convertEpoch(mjd: number | ArrayLike<number>, from: string, to: string, frame?: Frame): Float64Array {
  return casa().convertEpoch(array(mjd), from, to, nativeFrame(frame));
}

export function observatories(): string[] {
  return casa().observatories();
}
