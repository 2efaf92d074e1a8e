/**
 * A cube as a volume for three.js: `{ data, width, height, depth }` as `Data3DTexture` takes it,
 * 8-bit, block-averaged to at most `maxSide` voxels a side, with a stretch from the cube's own noise
 * (values below `lowSigma` × noise are transparent) so faint emission is not lost under a fixed
 * transfer function.
 */
import type { Cube } from "../data/products.js";
import { percentiles } from "./downsample.js";

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
}

export function volumeSpec(cube: Cube, options: { maxSide?: number; lowSigma?: number } = {}): VolumeSpec {
  const [nx, ny, nz] = cube.shape;
  const max = options.maxSide ?? 128;
  const f = Math.max(1, Math.ceil(Math.max(nx, ny, nz) / max));
  const [w, h, d] = [Math.ceil(nx / f), Math.ceil(ny / f), Math.ceil(nz / f)];
  const sum = new Float64Array(w * h * d), count = new Uint32Array(w * h * d);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const v = cube.data[(z * ny + y) * nx + x];
        if (!Number.isFinite(v)) continue;
        const o = (Math.floor(z / f) * h + Math.floor(y / f)) * w + Math.floor(x / f);
        sum[o] += v;
        count[o]++;
      }
    }
  }
  const mean = sum.map((s, i) => (count[i] ? s / count[i] : NaN));
  const noise = cube.noise() / Math.sqrt(f * f * f);
  const low = Number.isFinite(noise) && noise > 0 ? (options.lowSigma ?? 2) * noise : percentiles(mean, 50, 50)[0];
  const high = Math.max(percentiles(mean, 99.9, 99.9)[0], low * 1.0001 + 1e-30);
  const data = new Uint8Array(mean.length);
  mean.forEach((v, i) => (data[i] = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - low) / (high - low)))) : 0));
  return { data, width: w, height: h, depth: d, low, high, unit: cube.unit, title: cube.source + (f > 1 ? ` (shown ${f}× binned)` : "") };
}
