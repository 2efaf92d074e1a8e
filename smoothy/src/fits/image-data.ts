/**
 * Image data as astropy.io.fits gives it: physical values (BSCALE/BZERO applied, the unsigned-integer
 * conventions recognised, BLANK as NaN), in FITS storage order (NAXIS1 varies fastest), with the
 * shape in FITS axis order (NAXIS1 first).
 */
import path from "node:path";
import { io, type IoAddon } from "../native/io.js";
import { progress } from "../common/progress.js";
import { FitsError } from "./errors.js";
import type { Header } from "../header/header.js";
import { TYPED_ARRAYS, type DType, type PixelArray } from "../common/pixels.js";

export type { DType, PixelArray } from "../common/pixels.js";

export interface ImageArray {
  /** Axis lengths in FITS order: shape[0] is NAXIS1, the fastest-varying axis. */
  shape: number[];
  data: PixelArray;
}

interface Scaling {
  bitpix: number;
  bscale: number;
  bzero: number;
  blank: number | bigint | undefined;
  /** The type the physical values are given in. */
  dtype: DType;
  /** True when values change on the way (scaling or blanks), false for raw and unsigned-offset data. */
  transforms: boolean;
}

const RAW_TYPE: Record<number, DType> = { 8: "uint8", 16: "int16", 32: "int32", 64: "int64", [-32]: "float32", [-64]: "float64" };
const UNSIGNED: Record<number, [number | bigint, DType]> = { 8: [-128, "int8"], 16: [32768, "uint16"], 32: [2147483648, "uint32"], 64: [9223372036854775808n, "uint64"] };

export function scalingOf(header: Header): Scaling {
  const bitpix = header.number("BITPIX");
  if (!RAW_TYPE[bitpix]) throw new TypeError(`BITPIX ${bitpix} is not one of 8, 16, 32, 64, -32, -64`);
  const bscale = header.number("BSCALE", 1);
  const rawZero = header.get("BZERO", 0);
  const bzero = Number(rawZero);
  if (typeof rawZero !== "number" && typeof rawZero !== "bigint") throw new TypeError(`BZERO = ${JSON.stringify(rawZero)}: expected a number`);
  const blankCard = header.get("BLANK");
  const blank = bitpix > 0 && (typeof blankCard === "number" || typeof blankCard === "bigint") ? blankCard : undefined;
  const unsigned = UNSIGNED[bitpix];
  const integerZero = typeof rawZero === "bigint" || Number.isInteger(rawZero);
  if (unsigned && bscale === 1 && integerZero && BigInt(rawZero) === BigInt(unsigned[0]) && blank === undefined) {
    return { bitpix, bscale, bzero, blank, dtype: unsigned[1], transforms: false };
  }
  if (bscale === 1 && bzero === 0 && blank === undefined) return { bitpix, bscale, bzero, blank, dtype: RAW_TYPE[bitpix], transforms: false };
  // astropy: scaled 8- and 16-bit data become float32, wider data float64.
  const dtype: DType = bitpix === -64 || bitpix === 32 || bitpix === 64 ? "float64" : "float32";
  return { bitpix, bscale, bzero, blank, dtype, transforms: true };
}

const CONSTRUCTORS = TYPED_ARRAYS;

/** Big-endian bytes to native order, in place. */
function swap(bytes: Buffer, width: number): void {
  if (width === 2) bytes.swap16();
  else if (width === 4) bytes.swap32();
  else if (width === 8) bytes.swap64();
}

/** Native-order bytes as raw values (a view of the same memory when aligned). */
function rawValues(bytes: Buffer, bitpix: number): PixelArray {
  const width = Math.abs(bitpix) / 8;
  const count = bytes.length / width;
  const Raw = CONSTRUCTORS[RAW_TYPE[bitpix]] as unknown as new (b: ArrayBufferLike, o?: number, n?: number) => PixelArray;
  if (bytes.byteOffset % width === 0) return new Raw(bytes.buffer, bytes.byteOffset, count);
  return new Raw(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Physical values from raw ones, reusing the raw array where the type allows. */
export function physical(raw: PixelArray, s: Scaling): PixelArray {
  if (!s.transforms) {
    if (s.dtype === RAW_TYPE[s.bitpix]) return raw;
    // The unsigned conventions flip the sign bit: the same bits, read as the unsigned type.
    const Out = CONSTRUCTORS[s.dtype] as unknown as new (b: ArrayBufferLike, o: number, n: number) => PixelArray;
    const out = new Out(raw.buffer, raw.byteOffset, raw.length);
    if (s.bitpix === 8) {
      const u = raw as Uint8Array;
      for (let i = 0; i < u.length; i++) u[i] ^= 0x80;
    } else if (s.bitpix === 64) {
      const b = out as BigUint64Array;
      for (let i = 0; i < b.length; i++) b[i] ^= 0x8000000000000000n;
    } else {
      const w = out as Uint16Array | Uint32Array;
      const flip = s.bitpix === 16 ? 0x8000 : 0x80000000;
      for (let i = 0; i < w.length; i++) w[i] = (w[i] ^ flip) >>> 0;
    }
    return out;
  }
  const Out = s.dtype === "float64" ? Float64Array : Float32Array;
  const out = raw instanceof Out ? raw : new Out(raw.length);
  const blank = s.blank === undefined ? undefined : Number(s.blank);
  for (let i = 0; i < raw.length; i++) {
    const v = Number(raw[i]);
    out[i] = blank !== undefined && v === blank ? NaN : v * s.bscale + s.bzero;
  }
  return out;
}

export interface DataLocation {
  path: string;
  hdu: number;
  offset: number;
  readInto(target: Uint8Array, at: number, offset: number, length: number): Promise<number>;
  /** With a descriptor, the io addon reads and swaps in its worker threads. */
  fd?: number;
}

/** Strided reads (a spectrum through a cube) are many small reads: this many run at once. */
const PARALLEL_READS = 64;
const CHUNK_BYTES = 16 * 1024 * 1024;
const HUGE_BUFFER = 32 * 1024 * 1024;

/** Checked `[start, end)` per axis (FITS order, 0-based); the whole image when not given. */
export function sectionBounds(where: { path: string; hdu: number }, shape: number[], start?: number[], end?: number[]): [number[], number[]] {
  const lo = start ?? shape.map(() => 0);
  const hi = end ?? shape.slice();
  if (lo.length !== shape.length || hi.length !== shape.length) {
    throw new RangeError(`${where.path}: HDU ${where.hdu}: a section needs ${shape.length} start and end indices, got ${lo.length} and ${hi.length}`);
  }
  shape.forEach((n, axis) => {
    if (!(Number.isInteger(lo[axis]) && Number.isInteger(hi[axis]) && 0 <= lo[axis] && lo[axis] < hi[axis] && hi[axis] <= n)) {
      throw new RangeError(`${where.path}: HDU ${where.hdu}: section [${lo[axis]}, ${hi[axis]}) is outside axis ${axis + 1} (NAXIS${axis + 1} = ${n})`);
    }
  });
  return [lo, hi];
}

/** Pieces grouped into native calls of at most CHUNK_BYTES and 4096 reads (a spectrum is many tiny reads). */
function batch(pieces: Array<[number, number, number]>): Array<Array<[number, number, number]>> {
  const out: Array<Array<[number, number, number]>> = [];
  let current: Array<[number, number, number]> = [];
  let bytes = 0;
  for (const piece of pieces) {
    if (current.length > 0 && (bytes + piece[2] > CHUNK_BYTES || current.length >= 4096)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(piece);
    bytes += piece[2];
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Big buffers come from the io addon, mapped with huge pages: far fewer page faults on fresh memory. */
function allocate(length: number, native: IoAddon | undefined): Buffer {
  if (native && length >= HUGE_BUFFER) return Buffer.from(native.allocate(length));
  return Buffer.allocUnsafe(length);
}

function intoBuffer(into: ArrayBufferView | ArrayBuffer, needed: number, where: DataLocation): Buffer {
  const view = into instanceof ArrayBuffer ? Buffer.from(into) : Buffer.from(into.buffer, into.byteOffset, into.byteLength);
  if (view.byteLength < needed) throw new RangeError(`${where.path}: HDU ${where.hdu}: { into } holds ${view.byteLength} bytes, the section needs ${needed}`);
  return view.subarray(0, needed);
}

/** Reads `[start, end)` along each axis (FITS order, 0-based), coalescing contiguous rows into one read. */
export async function readImage(
  where: DataLocation,
  header: Header,
  shape: number[],
  start?: number[],
  end?: number[],
  signal?: AbortSignal,
  into?: ArrayBufferView | ArrayBuffer,
): Promise<ImageArray> {
  signal?.throwIfAborted();
  const s = scalingOf(header);
  const width = Math.abs(s.bitpix) / 8;
  const [lo, hi] = sectionBounds(where, shape, start, end);
  const outShape = shape.map((_, a) => hi[a] - lo[a]);
  const total = outShape.reduce((a, b) => a * b, 1);
  // The longest run of contiguous pixels: whole leading axes, then a partial one.
  let run = 1;
  let axis = 0;
  while (axis < shape.length && lo[axis] === 0 && hi[axis] === shape[axis]) run *= shape[axis++];
  if (axis < shape.length) run *= outShape[axis++];
  // One buffer, read into directly: no second copy of a big image.
  const native = where.fd !== undefined ? io() : undefined;
  const bytes = into ? intoBuffer(into, total * width, where) : allocate(total * width, native);
  const strides = shape.map((_, a) => shape.slice(0, a).reduce((x, y) => x * y, 1));
  const index = lo.slice();
  const reads: Array<[number, number]> = []; // [file offset, destination offset]
  for (let filled = 0; filled < total; filled += run) {
    let flat = 0;
    for (let a = 0; a < shape.length; a++) flat += index[a] * strides[a];
    reads.push([where.offset + flat * width, filled * width]);
    for (let a = axis; a < shape.length; a++) {
      if (++index[a] < hi[a]) break;
      index[a] = lo[a];
    }
  }
  // Long runs are read in chunks, so that progress can be shown and an interrupted cell stops early.
  const length = run * width;
  const pieces: Array<[number, number, number]> = [];
  for (const [from, to] of reads) {
    for (let p = 0; p < length; p += CHUNK_BYTES) pieces.push([from + p, to + p, Math.min(CHUNK_BYTES, length - p)]);
  }
  const bar = progress(`reading ${path.basename(where.path)}[${where.hdu}]`, pieces.length, signal);
  // Readers take batches of pieces in turn, each checking the signal before its next batch. Big
  // pieces: as many readers as libuv has threads, so a cancelled read stops after a few chunks.
  const batches = batch(pieces);
  const readers = length >= CHUNK_BYTES ? 4 : PARALLEL_READS;
  let next = 0;
  let done = 0;
  let stopped = false;
  const reader = async () => {
    while (next < batches.length && !stopped) {
      signal?.throwIfAborted();
      const group = batches[next++];
      if (native) {
        const runs = Float64Array.from(group.flat());
        const { shortAt } = await native.readRuns(where.fd!, bytes, runs, width);
        if (shortAt !== null) throw new FitsError("ETRUNCATED", where.path, where.hdu, shortAt, "the data end before the size the header gives");
      } else {
        for (const [from, to, n] of group) {
          const got = await where.readInto(bytes, to, from, n);
          if (got !== n) throw new FitsError("ETRUNCATED", where.path, where.hdu, from, `the data end after ${got} of ${n} bytes`);
        }
      }
      done += group.length;
      bar.update(done);
    }
  };
  // On a failure or an abort the other readers stop, and all are awaited before the error goes up:
  // no read may still be writing into the buffer (a caller's, with { into }) once this returns.
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(readers, batches.length) }, () =>
      reader().catch((e) => {
        stopped = true;
        throw e;
      }),
    ),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failure) throw failure.reason;
  if (!native) swap(bytes, width);
  bar.finish();
  return { shape: outShape, data: physical(rawValues(bytes, s.bitpix), s) };
}
