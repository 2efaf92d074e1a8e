/**
 * The geometry of a streaming pass: an image HDU's axes without its degenerate ones (a Stokes axis
 * of length 1 changes nothing in storage order), the box a pass covers, and how that box is cut into
 * chunks that are each one contiguous run of the box and one `hdu.section`.
 */
import type { HDU } from "../fits/hdu.js";
import type { DType } from "../common/pixels.js";

/** What a pass needs to know of an HDU. */
export interface StreamLayout {
  /** Axis lengths without the degenerate ones, FITS order (the first varies fastest). */
  shape: number[];
  /** For each axis of `shape`, its axis in the HDU. */
  axes: number[];
  /** The HDU's own axis lengths. */
  hduShape: number[];
  /** The physical values' type as `hdu.data()` gives it. */
  dtype: DType;
  /** Bytes per stored value (what `{ into }` must hold). */
  storedWidth: number;
  /** The float type chunks are given in: float32 where that is exact (float32, 8- and 16-bit integers), else float64. */
  float: "float32" | "float64";
  /** True when `hdu.section` makes a fresh array per read (scaled integers): it counts against the budget. */
  freshArrays: boolean;
  /** True when smoothy converts the physical values to `float` (unscaled integers) in a buffer of its own. */
  converts: boolean;
  /** `{ into }` is refused for tile-compressed images. */
  reusable: boolean;
}

const EXACT_IN_FLOAT32 = new Set<DType>(["float32", "uint8", "int8", "int16", "uint16"]);

export function layoutOf(hdu: HDU): StreamLayout {
  if (!hdu.isImage || hdu.shape.length === 0) throw new TypeError(`HDU ${hdu.index} (${hdu.kind} ${JSON.stringify(hdu.name)}) has no image data to stream`);
  const hduShape = hdu.shape;
  const axes = hduShape.map((n, a) => (n > 1 ? a : -1)).filter((a) => a >= 0);
  if (axes.length === 0) axes.push(0); // a single pixel
  const dtype = hdu.dtype!;
  const float = EXACT_IN_FLOAT32.has(dtype) ? "float32" : "float64";
  const isFloat = dtype === "float32" || dtype === "float64";
  // Scaled integers become a new float array in `physical()`; scaled floats are scaled in place.
  const scaledInteger = hdu.bitpix > 0 && isFloat;
  return {
    shape: axes.map((a) => hduShape[a]),
    axes,
    hduShape,
    dtype,
    storedWidth: Math.abs(hdu.bitpix) / 8,
    float,
    freshArrays: scaledInteger,
    converts: !isFloat,
    reusable: hdu.kind !== "CompImageHDU",
  };
}

/** A sub-box of the layout's shape: `start` and `end` (exclusive) per axis, checked. */
export function boxOf(layout: StreamLayout, options: { start?: number[]; end?: number[]; range?: [number, number] }): { start: number[]; end: number[] } {
  const { shape } = layout;
  const start = options.start ? options.start.slice() : shape.map(() => 0);
  const end = options.end ? options.end.slice() : shape.slice();
  if (start.length !== shape.length || end.length !== shape.length)
    throw new RangeError(`a box needs ${shape.length} start and end indices (axes ${shape.join(" × ")}), got ${start.length} and ${end.length}`);
  if (options.range) {
    const last = shape.length - 1;
    [start[last], end[last]] = [Math.max(start[last], options.range[0]), Math.min(end[last], options.range[1])];
  }
  shape.forEach((n, a) => {
    if (!(Number.isInteger(start[a]) && Number.isInteger(end[a]) && 0 <= start[a] && start[a] < end[a] && end[a] <= n)) {
      throw new RangeError(`[${start[a]}, ${end[a]}) is outside axis ${a} (length ${n}) of the image's ${shape.join(" × ")}`);
    }
  });
  return { start, end };
}

/** Where a chunk lies: a hyper-rectangle of the layout's axes, contiguous in the box. */
export interface ChunkPlace {
  /** The chunk's number in the pass, from 0, and the pass's number of chunks. */
  index: number;
  count: number;
  /** Index of the chunk's first value among the box's values (storage order); the image's flat index for a whole-image pass. */
  offset: number;
  /** The chunk's first index and end (exclusive) per axis, in the image's (squeezed) coordinates. */
  start: number[];
  end: number[];
  /** The planes of the slowest axis the chunk covers: `planeCount` whole ones, or 1 it lies in part of. */
  firstPlane: number;
  planeCount: number;
}

export interface ChunkPlan {
  /** The box's shape. */
  shape: number[];
  start: number[];
  end: number[];
  /** Values per chunk (the last along its axis may have fewer). */
  values: number;
  /** The axis chunks are cut along: chunks are whole along the axes below it, one index along those above. */
  axis: number;
  /** Indices of `axis` per chunk. */
  step: number;
  count: number;
}

/**
 * Chunks of at most `maxValues`: whole planes of the slowest axis when one fits, else whole rows of
 * the next axis within a plane, and so on down (a single row bigger than the budget is cut too).
 */
export function planChunks(box: { start: number[]; end: number[] }, maxValues: number): ChunkPlan {
  const shape = box.start.map((s, a) => box.end[a] - s);
  const limit = Math.max(1, Math.floor(maxValues));
  let axis = shape.length - 1;
  let below = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  while (axis > 0 && below > limit) below /= shape[--axis];
  const step = Math.min(shape[axis], Math.max(1, Math.floor(limit / below)));
  const above = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { shape, start: box.start, end: box.end, values: below * step, axis, step, count: above * Math.ceil(shape[axis] / step) };
}

/** The place of chunk `index` of a plan. */
export function placeOf(plan: ChunkPlan, index: number): ChunkPlace {
  const { shape, axis, step } = plan;
  const perRun = Math.ceil(shape[axis] / step);
  let outer = Math.floor(index / perRun);
  const first = (index % perRun) * step;
  const start = plan.start.slice();
  const end = plan.end.slice();
  start[axis] = plan.start[axis] + first;
  end[axis] = Math.min(plan.end[axis], start[axis] + step);
  for (let a = axis + 1; a < shape.length; a++) {
    const i = outer % shape[a];
    outer = Math.floor(outer / shape[a]);
    start[a] = plan.start[a] + i;
    end[a] = start[a] + 1;
  }
  let offset = 0;
  let stride = 1;
  for (let a = 0; a < shape.length; a++) {
    offset += (start[a] - plan.start[a]) * stride;
    stride *= shape[a];
  }
  const last = shape.length - 1;
  return { index, count: plan.count, offset, start, end, firstPlane: start[last], planeCount: end[last] - start[last] };
}

/** `start`/`end` of the layout's axes as the HDU's (degenerate axes at their one pixel). */
export function hduBox(layout: StreamLayout, start: number[], end: number[]): [number[], number[]] {
  const s = layout.hduShape.map(() => 0);
  const e = layout.hduShape.map(() => 1);
  layout.axes.forEach((axis, i) => {
    s[axis] = start[i];
    e[axis] = end[i];
  });
  return [s, e];
}
