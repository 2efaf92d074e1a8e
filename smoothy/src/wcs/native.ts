/**
 * The wcslib addon (native/wcslib), loaded once. A machine without it gets a message that says what
 * to install and what to build, not a stack trace from the module loader.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

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

const ADDON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "native", "build", "Release", "jovial_wcslib.node");

let addon: WcslibAddon | undefined;

export function wcslib(): WcslibAddon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON) as WcslibAddon;
  } catch (e) {
    const cause = (e as Error).message.split("\n")[0];
    throw new Error(
      `smoothy's WCS needs the wcslib addon (${ADDON}), which did not load: ${cause}\n` +
        "Possible solutions:\n" +
        "- Install Debian's wcslib (apt-get install wcslib-dev cmake pkg-config g++), then build the addon: npm run build:native\n" +
        "- Or run ./scripts/setup, which does both.",
    );
  }
  return addon;
}
