/**
 * One sequential pass over an image HDU in storage order, in chunks that fit the memory budget.
 * Two buffers take turns: while the caller works on one chunk the next is being read into the other
 * (the io addon reads in its own threads), so reading and computing overlap and a pass runs at the
 * speed of the slower of the two. Nothing else is allocated per chunk, except the fresh float array
 * `hdu.section` makes for scaled integers, which the budget counts.
 */
import path from "node:path";
import type { HDU } from "../fits/hdu.js";
import { listOf } from "../fits/hdulist.js";
import type { PixelArray } from "../common/pixels.js";
import { cellSignal } from "../common/notebook.js";
import { progress } from "../common/progress.js";
import { io } from "../native/io.js";
import { budgetOf } from "./budget.js";
import { boxOf, hduBox, layoutOf, placeOf, planChunks, type ChunkPlace, type ChunkPlan, type StreamLayout } from "./layout.js";

export type { ChunkPlace, ChunkPlan, StreamLayout } from "./layout.js";

/** Physical values of a chunk: float64 where the image's values need it, else float32. */
export type FloatChunk = Float32Array | Float64Array;

export interface PassOptions {
  /** Bytes the pass may hold (default: `memoryBudget()`). */
  budget?: number;
  /** Cancels the pass: it rejects with the signal's reason (default: the notebook cell's). */
  signal?: AbortSignal;
  /** The progress bar's label. */
  label?: string;
  /** Planes [start, end) of the slowest axis only. */
  range?: [number, number];
  /** A sub-box instead: first index and end (exclusive) per (non-degenerate) axis. */
  start?: number[];
  end?: number[];
}

/** Bigger chunks read no faster, and each read of more than half a second would show a bar of its own. */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** Big buffers come from the io addon, with huge pages: far fewer page faults. */
const HUGE_BUFFER = 32 * 1024 * 1024;

/** Bytes a pass holds per value of a chunk: two buffers, each the stored bytes plus any float copy. */
export function bytesPerValue(layout: StreamLayout): number {
  const float = layout.float === "float32" ? 4 : 8;
  const copy = layout.freshArrays || layout.converts || !layout.reusable ? float : 0;
  return 2 * (layout.storedWidth + copy);
}

/** The chunks a pass over `hdu` with these options reads: the layout, the box and how it is cut. */
export function passPlan(hdu: HDU, options: PassOptions = {}): { layout: StreamLayout; plan: ChunkPlan } {
  const layout = layoutOf(hdu);
  const budget = budgetOf(options.budget);
  const maxValues = Math.min(budget / bytesPerValue(layout), MAX_CHUNK_BYTES / layout.storedWidth);
  return { layout, plan: planChunks(boxOf(layout, options), maxValues) };
}

/** "file.fits[0]", or "HDU 0" for an HDU of no open file: for labels and messages. */
export function nameOf(hdu: HDU): string {
  const list = listOf(hdu);
  return list ? `${path.basename(list.path)}[${hdu.index}]` : `HDU ${hdu.index}`;
}

function allocate(bytes: number): ArrayBuffer {
  const native = bytes >= HUGE_BUFFER ? io() : undefined;
  return native ? native.allocate(bytes) : new ArrayBuffer(bytes);
}

interface Slot {
  stored?: ArrayBuffer;
  float?: FloatChunk;
}

function asFloat(data: PixelArray, layout: StreamLayout, slot: Slot, values: number): FloatChunk {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (!slot.float) slot.float = layout.float === "float32" ? new Float32Array(values) : new Float64Array(values);
  const out = slot.float.subarray(0, data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  else out.set(data);
  return out;
}

/** Adds where the pass was to a read's error (a truncated file), keeping its class, code and byte offset. */
function located(error: unknown, place: ChunkPlace, layout: StreamLayout): unknown {
  if (error instanceof Error && (error as { code?: string }).code === "ETRUNCATED") {
    const last = layout.shape.length - 1;
    error.message += ` (streaming chunk ${place.index + 1} of ${place.count}: planes ${place.start[last]} to ${place.end[last] - 1} of ${layout.shape[last]})`;
  }
  return error;
}

/**
 * The chunks of a pass, in storage order. A chunk's memory is reused once the next one is asked
 * for: copy what must outlive it. It may be changed in place meanwhile.
 */
export async function* readChunks(hdu: HDU, options: PassOptions = {}): AsyncGenerator<{ data: FloatChunk; place: ChunkPlace }, void, undefined> {
  const { layout, plan } = passPlan(hdu, options);
  const signal = options.signal ?? cellSignal();
  signal?.throwIfAborted();
  const slots: Slot[] = [{}, {}];
  const read = async (index: number): Promise<{ data: FloatChunk; place: ChunkPlace }> => {
    const slot = slots[index % 2];
    const place = placeOf(plan, index);
    if (layout.reusable && !slot.stored) slot.stored = allocate(plan.values * layout.storedWidth);
    const [start, end] = hduBox(layout, place.start, place.end);
    try {
      const { data } = await hdu.section(start, end, { signal, into: slot.stored });
      return { data: asFloat(data, layout, slot, plan.values), place };
    } catch (e) {
      throw located(e, place, layout);
    }
  };
  // A read that fails while the caller is busy must not count as unhandled: it is awaited next.
  const prefetch = (index: number) => {
    const p = read(index);
    p.catch(() => undefined);
    return p;
  };
  const bar = progress(options.label ?? `streaming ${nameOf(hdu)}`, plan.count, signal);
  let pending: Promise<{ data: FloatChunk; place: ChunkPlace }> | undefined = plan.count > 0 ? prefetch(0) : undefined;
  try {
    for (let index = 0; index < plan.count; index++) {
      const chunk = await pending!;
      pending = index + 1 < plan.count ? prefetch(index + 1) : undefined;
      signal?.throwIfAborted();
      yield chunk;
      bar.update(index + 1);
    }
    bar.finish();
  } finally {
    // A read still in flight writes into a buffer of this pass: it ends before the pass does.
    await pending?.catch(() => undefined);
  }
}

/**
 * Visits every chunk of `hdu` (or of its `range`/box) in storage order, one after the other:
 * `visit(chunk, place)`, where `chunk[i]` is the value at box index `place.offset + i`. The next chunk
 * is read while `visit` runs (or while the promise it returns is pending).
 */
export async function forEachChunk(hdu: HDU, options: PassOptions, visit: (chunk: FloatChunk, place: ChunkPlace) => void | Promise<void>): Promise<void> {
  for await (const { data, place } of readChunks(hdu, options)) await visit(data, place);
}
