/**
 * Passes over the pixels of a product along one axis, in storage order: what moments, collapses and
 * spectra are made of. Each shows progress (and so stops when its cell is interrupted).
 */
import { progress } from "../common/progress.js";
import type { Values } from "./products.js";

export function strides(shape: number[]): number[] {
  const out: number[] = [];
  let s = 1;
  for (const n of shape) {
    out.push(s);
    s *= n;
  }
  return out;
}

/**
 * Visits every finite value of a 3-D array in storage order, with the index of its line (the output
 * pixel, the array's shape without `axis`) and its position along `axis`: one sequential pass,
 * whichever the axis.
 */
export function alongAxis(data: Values, shape: number[], axis: number, visit: (line: number, v: number, k: number) => void, label: string): void {
  const [nx, ny, nz] = shape;
  const bar = progress(label, nz);
  for (let z = 0; z < nz; z++) {
    bar.update(z);
    for (let y = 0; y < ny; y++) {
      const base = (z * ny + y) * nx;
      const line = axis === 0 ? z * ny + y : axis === 1 ? z * nx : y * nx;
      for (let x = 0; x < nx; x++) {
        const v = data[base + x];
        if (Number.isFinite(v)) visit(axis === 0 ? line : line + x, v, axis === 0 ? x : axis === 1 ? y : z);
      }
    }
  }
  bar.finish();
}

/** Along-axis reduction of a 3-D array: out has the shape without `axis`. */
export function reduceAxis(data: Values, shape: number[], axis: number, reduce: (values: Float64Array) => number, label = "reducing"): { data: Float64Array; shape: number[] } {
  const s = strides(shape);
  const others = [0, 1, 2].filter((a) => a !== axis);
  const [n0, n1] = others.map((a) => shape[a]);
  const out = new Float64Array(n0 * n1);
  const n = shape[axis];
  const bar = progress(label, n1);
  // Lines are gathered a row of the first kept axis at a time, reading each plane's row in order:
  // strided reads through a big cube one line at a time miss the cache at every value.
  const lines = new Float64Array(n0 * n);
  for (let j = 0; j < n1; j++) {
    bar.update(j);
    for (let k = 0; k < n; k++) {
      const base = j * s[others[1]] + k * s[axis];
      const step = s[others[0]];
      for (let i = 0; i < n0; i++) lines[i * n + k] = data[base + i * step];
    }
    for (let i = 0; i < n0; i++) out[j * n0 + i] = reduce(lines.subarray(i * n, (i + 1) * n));
  }
  bar.finish();
  return { data: out, shape: others.map((a) => shape[a]) };
}
