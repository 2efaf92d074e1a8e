/** The cfitsio addon (native/cfitsio): reading tile-compressed images. */
import type { DType, PixelArray } from "../fits/image-data.js";
import { loadAddon } from "./load.js";

interface CfitsioAddon {
  /** Fills `out` with the pixels from `first` to `last` (1-based, inclusive, FITS axis order). */
  readImage(path: string, hdu: number, first: number[], last: number[], type: DType, out: PixelArray): Promise<PixelArray>;
  cfitsioVersion: number;
}

export function cfitsio(): CfitsioAddon {
  return loadAddon<CfitsioAddon>("jovial_cfitsio", "Reading tile-compressed FITS images", ["libcfitsio-dev"]);
}
