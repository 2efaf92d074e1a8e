/**
 * A WCS over some of another's pixel axes, as astropy's `SlicedLowLevelWCS`: a dropped pixel axis is
 * held at one pixel, a kept one may start further on (a cut-out), and a world axis is kept while any
 * kept pixel axis moves it (the PC matrix's correlation; longitude and latitude move together).
 * Everything is in terms of the full WCS's axes, so slices of slices compose.
 */
import type { WcsInfo } from "../native/wcslib.js";

/** One entry per pixel axis: hold it at a pixel (and drop it), keep it from `start` on, or keep it whole. */
export type AxisSlice = number | [start: number, stop?: number] | null | undefined;

export interface WcsView {
  /** The full WCS's pixel axes this one has, in order. */
  pixelAxes: number[];
  /** The full WCS's world axes this one has, in order. */
  worldAxes: number[];
  /** For every pixel axis of the full WCS: the held pixel of a dropped axis, the start of a kept one. */
  origin: Float64Array;
}

/** The whole WCS as a view of itself. */
export function wholeView(naxis: number): WcsView {
  const all = Array.from({ length: naxis }, (_, i) => i);
  return { pixelAxes: all, worldAxes: all.slice(), origin: new Float64Array(naxis) };
}

/** Whether world axis w of the full WCS changes along its pixel axis p. */
function correlated(info: WcsInfo, w: number, p: number): boolean {
  const n = info.naxis;
  const moves = (row: number) => row === p || info.pc[row * n + p] !== 0;
  if ((w === info.lng || w === info.lat) && info.lng >= 0 && info.lat >= 0) return moves(info.lng) || moves(info.lat);
  return moves(w);
}

/** `view` sliced further by `slices`, one per pixel axis of `view` (missing ones are kept whole). */
export function sliceView(info: WcsInfo, view: WcsView, slices: readonly AxisSlice[]): WcsView {
  if (slices.length > view.pixelAxes.length) throw new RangeError(`slice: ${slices.length} axes given, the WCS has ${view.pixelAxes.length} pixel axes`);
  const origin = view.origin.slice();
  const pixelAxes: number[] = [];
  view.pixelAxes.forEach((axis, i) => {
    const s = slices[i];
    if (s === null || s === undefined) pixelAxes.push(axis);
    else if (typeof s === "number") {
      if (!Number.isFinite(s)) throw new RangeError(`slice: axis ${i} is held at ${s}, not a pixel`);
      origin[axis] += s;
    } else {
      const [start, stop] = s;
      if (!Number.isFinite(start) || (stop !== undefined && !(stop > start))) throw new RangeError(`slice: axis ${i} range [${start}, ${stop ?? ""}) is not a range of pixels`);
      origin[axis] += start;
      pixelAxes.push(axis);
    }
  });
  const worldAxes = view.worldAxes.filter((w) => pixelAxes.some((p) => correlated(info, w, p)));
  return { pixelAxes, worldAxes, origin };
}

/** wcsprm's fields as the view sees them: world keywords of its world axes, CRPIX of its pixel axes. */
export function viewInfo(info: WcsInfo, view: WcsView): WcsInfo {
  const { pixelAxes, worldAxes, origin } = view;
  const n = info.naxis;
  const pick = <T>(values: ArrayLike<T>) => worldAxes.map((w) => values[w]);
  return {
    ...info,
    naxis: pixelAxes.length,
    ctype: pick(info.ctype),
    cunit: pick(info.cunit),
    crval: Float64Array.from(pick(info.crval)),
    cdelt: Float64Array.from(pick(info.cdelt)),
    crpix: Float64Array.from(pixelAxes, (p) => info.crpix[p] - origin[p]),
    pc: Float64Array.from(worldAxes.flatMap((w) => pixelAxes.map((p) => info.pc[w * n + p]))),
    lng: worldAxes.indexOf(info.lng),
    lat: worldAxes.indexOf(info.lat),
    spec: worldAxes.indexOf(info.spec),
  };
}

/** The full WCS's pixel arrays for pixels given per axis of the view. */
export function fullPixels(view: WcsView, naxis: number, pixel: readonly ArrayLike<number>[]): Float64Array[] {
  const count = pixel[0]?.length ?? 0;
  const full = Array.from({ length: naxis }, (_, a) => new Float64Array(count).fill(view.origin[a]));
  view.pixelAxes.forEach((a, i) => {
    const out = full[a];
    const given = pixel[i];
    for (let k = 0; k < count; k++) out[k] += given[k];
  });
  return full;
}

/**
 * The full WCS's world arrays for world values given per world axis of the view: a dropped world
 * axis takes its value at the view's origin (`anchor`), as astropy's SlicedLowLevelWCS does.
 */
export function fullWorld(view: WcsView, anchor: readonly Float64Array[], world: readonly ArrayLike<number>[]): Float64Array[] {
  const count = world[0]?.length ?? 0;
  const full = anchor.map((a) => new Float64Array(count).fill(a[0]));
  view.worldAxes.forEach((w, i) => full[w].set(Array.from(world[i])));
  return full;
}
