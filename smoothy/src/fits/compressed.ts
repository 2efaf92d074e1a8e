/**
 * Tile-compressed images (RICE_1, GZIP_1, GZIP_2, HCOMPRESS_1, PLIO_1, quantised and dithered),
 * decompressed by cfitsio (native/cfitsio) in a process of its own (see native/cfitsio-child.ts). cfitsio applies the scaling and turns
 * undefined pixels into NaN; the type of the values is the one astropy gives.
 */
import { readCompressedPixels } from "../native/cfitsio.js";
import { FitsError } from "./errors.js";
import type { Header } from "../header/header.js";
import { scalingOf, sectionBounds, type ImageArray } from "./image-data.js";
import { binaryColumns } from "./table.js";

/**
 * cfitsio (4.2) trusts the tiles' heap descriptors: one pointing outside the heap makes it read out of
 * bounds and crash the process (Debian's own funpack too). Every descriptor is checked here first.
 */
async function checkDescriptors(where: CompressedLocation, table: Header): Promise<void> {
  const rowBytes = table.number("NAXIS1");
  const rows = table.number("NAXIS2");
  const heapStart = table.number("THEAP", rowBytes * rows);
  const heapEnd = rowBytes * rows + table.number("PCOUNT", 0);
  const columns = binaryColumns(table, `${where.path}: HDU ${where.hdu}`).filter((c) => c.variable);
  if (columns.length === 0) return;
  const bytes = await where.read(where.offset, rowBytes * rows);
  for (let r = 0; r < rows; r++) {
    for (const c of columns) {
      const at = r * rowBytes + c.offset;
      const count = c.variable === "P" ? bytes.readInt32BE(at) : Number(bytes.readBigInt64BE(at));
      const offset = c.variable === "P" ? bytes.readInt32BE(at + 4) : Number(bytes.readBigInt64BE(at + 8));
      const size = count * (c.type === "B" ? 1 : c.type === "I" ? 2 : c.type === "J" || c.type === "E" ? 4 : 8);
      if (count < 0 || offset < 0 || heapStart + offset + size > heapEnd) {
        throw new FitsError(
          "EBADDATA",
          where.path,
          where.hdu,
          where.offset + at,
          `tile ${r + 1}'s ${c.name} descriptor (${count} elements at heap offset ${offset}) points outside the heap`,
        );
      }
    }
  }
}

interface CompressedLocation {
  path: string;
  hdu: number;
  offset: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export async function readCompressed(
  where: CompressedLocation,
  header: Header,
  table: Header,
  shape: number[],
  start?: number[],
  end?: number[],
  signal?: AbortSignal,
): Promise<ImageArray> {
  signal?.throwIfAborted();
  const [lo, hi] = sectionBounds(where, shape, start, end);
  await checkDescriptors(where, table);
  const outShape = shape.map((_, a) => hi[a] - lo[a]);
  const { dtype } = scalingOf(header);
  const count = outShape.reduce((a, b) => a * b, 1);
  try {
    const data = await readCompressedPixels({ path: where.path, hdu: where.hdu, first: lo.map((i) => i + 1), last: hi, type: dtype, count }, signal);
    return { shape: outShape, data };
  } catch (e) {
    if (signal?.aborted && e === signal.reason) throw e;
    throw new FitsError("EBADDATA", where.path, where.hdu, where.offset, (e as Error).message);
  }
}
