/**
 * Tile-compressed images (RICE_1, GZIP_1, GZIP_2, HCOMPRESS_1, PLIO_1, quantised and dithered),
 * decompressed by cfitsio (native/cfitsio) off the event loop. cfitsio applies the scaling and turns
 * undefined pixels into NaN; the type of the values is the one astropy gives.
 */
import { cfitsio } from "../native/cfitsio.js";
import { FitsError } from "./errors.js";
import type { Header } from "./header.js";
import { scalingOf, sectionBounds, TYPED_ARRAYS, type ImageArray, type PixelArray } from "./image-data.js";

export async function readCompressed(where: { path: string; hdu: number; offset: number }, header: Header, shape: number[], start?: number[], end?: number[]): Promise<ImageArray> {
  const [lo, hi] = sectionBounds(where, shape, start, end);
  const outShape = shape.map((_, a) => hi[a] - lo[a]);
  const { dtype } = scalingOf(header);
  const count = outShape.reduce((a, b) => a * b, 1);
  const out = new (TYPED_ARRAYS[dtype] as unknown as new (n: number) => PixelArray)(count);
  try {
    const data = await cfitsio().readImage(where.path, where.hdu, lo.map((i) => i + 1), hi, dtype, out);
    return { shape: outShape, data };
  } catch (e) {
    throw new FitsError("EBADDATA", where.path, where.hdu, where.offset, (e as Error).message);
  }
}
