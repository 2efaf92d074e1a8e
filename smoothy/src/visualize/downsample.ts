/** Block means that skip NaN, so a big map becomes a plot a browser can draw without losing its shape. */
export function downsample2d(data: ArrayLike<number>, nx: number, ny: number, max: number): { data: Float64Array; nx: number; ny: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(nx, ny) / max));
  if (factor === 1) return { data: Float64Array.from(data), nx, ny, factor };
  const ox = Math.ceil(nx / factor), oy = Math.ceil(ny / factor);
  const sum = new Float64Array(ox * oy), count = new Uint32Array(ox * oy);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const v = data[y * nx + x];
      if (!Number.isFinite(v)) continue;
      const o = Math.floor(y / factor) * ox + Math.floor(x / factor);
      sum[o] += v;
      count[o]++;
    }
  }
  return { data: sum.map((s, i) => (count[i] ? s / count[i] : NaN)), nx: ox, ny: oy, factor };
}

/** The values at two percentiles of the finite data, for a display stretch robust to outliers. */
export function percentiles(data: ArrayLike<number>, low: number, high: number): [number, number] {
  const finite = Float64Array.from(Array.prototype.filter.call(data, Number.isFinite) as number[]).sort();
  if (finite.length === 0) return [0, 1];
  const at = (p: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round((p / 100) * (finite.length - 1))))];
  return [at(low), at(high)];
}

/** Block means of a 3-D array (FITS order) over `factors` voxels per axis, skipping NaN. */
export function downsample3d(data: ArrayLike<number>, shape: [number, number, number], factors: [number, number, number]): { data: Float64Array; shape: [number, number, number] } {
  const [nx, ny, nz] = shape;
  const [fx, fy, fz] = factors;
  const out: [number, number, number] = [Math.ceil(nx / fx), Math.ceil(ny / fy), Math.ceil(nz / fz)];
  const [w, h] = out;
  const sum = new Float64Array(out[0] * out[1] * out[2]), count = new Uint32Array(sum.length);
  // Output column of every input column, computed once: no division in the loop over every voxel.
  const column = Int32Array.from({ length: nx }, (_, x) => Math.floor(x / fx));
  for (let z = 0; z < nz; z++) {
    const plane = Math.floor(z / fz) * h;
    for (let y = 0; y < ny; y++) {
      const row = (plane + Math.floor(y / fy)) * w;
      const base = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) {
        const v = data[base + x];
        if (v - v !== 0) continue; // NaN and ±Inf
        const o = row + column[x];
        sum[o] += v;
        count[o]++;
      }
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = count[i] ? sum[i] / count[i] : NaN;
  return { data: sum, shape: out };
}
