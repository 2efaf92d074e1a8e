/** The wcslib addon (native/wcslib): its plain-data interface. */
import { loadAddon } from "@jovial/native";

export interface WcsInfo {
  naxis: number;
  alt: string;
  wcsname: string;
  ctype: string[];
  cunit: string[];
  crpix: Float64Array;
  crval: Float64Array;
  cdelt: Float64Array;
  pc: Float64Array;
  lonpole: number;
  latpole: number;
  restfrq: number;
  restwav: number;
  specsys: string;
  radesys: string;
  equinox: number;
  /** Indices (0-based) of the longitude, latitude and spectral axes, -1 where there is none. */
  lng: number;
  lat: number;
  spec: number;
  cubeface: number;
}

export interface WcsHandle {
  info(): WcsInfo;
  convertSync(direction: "p2s" | "s2p", coordinates: Float64Array): Float64Array;
  convert(direction: "p2s" | "s2p", coordinates: Float64Array): Promise<Float64Array>;
}

interface WcslibAddon {
  parseHeader(header: string, naxis: number[]): { wcs: WcsHandle[]; rejected: number };
  wcslibVersion: string;
}

export function wcslib(): WcslibAddon {
  return loadAddon<WcslibAddon>("jovial_wcslib");
}
