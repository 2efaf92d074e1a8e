/**
 * A cube as a volume for three.js: `{ data, width, height, depth }` as `Data3DTexture` takes it,
 * 8-bit, block-averaged to at most `maxSide` voxels a side, with a stretch from the cube's own noise
 * (values below `lowSigma` × noise are transparent) so faint emission is not lost under a fixed
 * transfer function.
 */
import { shortSource } from "./figures.js";
import type { Cube } from "../data/products.js";
import { madStd } from "../data/statistics.js";
import { downsample3d, percentiles } from "./downsample.js";

/** Maximum-intensity projection, or front-to-back emission and absorption along each ray. */
export type Transfer = "mip" | "composite";

export interface VolumeSpec {
  data: Uint8Array;
  width: number;
  height: number;
  depth: number;
  /** Data values mapped to 0 and 255. */
  low: number;
  high: number;
  unit: string;
  title: string;
  transfer: Transfer;
}

/** One factor on every axis, so voxels stay cubes: at most `maxSide` a side. */
export function volumeFactors(cube: Cube, maxSide: number): [number, number, number] {
  const f = Math.max(1, Math.ceil(Math.max(...cube.shape) / maxSide));
  return [f, f, f];
}

export function volumeSpec(
  cube: Cube,
  options: { maxSide?: number; lowSigma?: number; transfer?: Transfer; binned?: [{ data: Float64Array; shape: [number, number, number] }] } = {},
): VolumeSpec {
  const [nx, ny, nz] = cube.shape;
  if (options.transfer && options.transfer !== "mip" && options.transfer !== "composite")
    throw new RangeError(`transfer ${JSON.stringify(options.transfer)}: use "mip" or "composite"`);
  const max = options.maxSide ?? 128;
  const f = volumeFactors(cube, max)[0];
  const [
    {
      data: mean,
      shape: [w, h, d],
    },
  ] = options.binned ?? downsample3d(cube.data, [nx, ny, nz], volumeFactors(cube, max));
  // The noise of what is shown: the binned voxels' own, robust to the emission in them.
  const noise = madStd(mean);
  const low = Number.isFinite(noise) && noise > 0 ? (options.lowSigma ?? 2) * noise : percentiles(mean, 50, 50)[0];
  const high = Math.max(percentiles(mean, 99.9, 99.9)[0], low * 1.0001 + 1e-30);
  const data = new Uint8Array(mean.length);
  mean.forEach((v, i) => (data[i] = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - low) / (high - low)))) : 0));
  return {
    data,
    width: w,
    height: h,
    depth: d,
    low,
    high,
    unit: cube.unit,
    title: shortSource(cube.source) + (f > 1 ? ` (shown ${f}× binned)` : ""),
    transfer: options.transfer ?? "mip",
  };
}
