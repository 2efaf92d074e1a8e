/** Block means that skip NaN, so a big map becomes a plot a browser can draw without losing its shape. */
export function downsample2d(data: ArrayLike<number>, nx: number, ny: number, max: number): { data: Float64Array; nx: number; ny: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(nx, ny) / max));
  if (factor === 1) return { data: Float64Array.from(data), nx, ny, factor };
  const ox = Math.ceil(nx / factor),
    oy = Math.ceil(ny / factor);
  const sum = new Float64Array(ox * oy),
    count = new Uint32Array(ox * oy);
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

type Factors = [number, number, number];
type Binned = { data: Float64Array; shape: [number, number, number] };

/**
 * Block means of a 3-D array (FITS order) over `factors` voxels per axis, skipping NaN, for several
 * binnings in one pass over the data (a cube view needs two: the volume's and the spectra's).
 */
export function downsample3d(data: ArrayLike<number>, shape: [number, number, number], ...binnings: Factors[]): Binned[] {
  const [nx, ny, nz] = shape;
  const grids = binnings.map((f) => {
    const out: [number, number, number] = [Math.ceil(nx / f[0]), Math.ceil(ny / f[1]), Math.ceil(nz / f[2])];
    return { f, out, sum: new Float64Array(out[0] * out[1] * out[2]), count: new Uint32Array(out[0] * out[1] * out[2]) };
  });
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const base = (z * ny + y) * nx;
      for (const g of grids) {
        const row = (Math.floor(z / g.f[2]) * g.out[1] + Math.floor(y / g.f[1])) * g.out[0];
        const { sum, count } = g;
        const fx = g.f[0];
        // Each block of a row is summed in registers and stored once, not once per voxel.
        for (let x0 = 0, o = row; x0 < nx; x0 += fx, o++) {
          const end = Math.min(nx, x0 + fx);
          let s = 0,
            c = 0;
          for (let x = x0; x < end; x++) {
            const v = data[base + x];
            if (v - v === 0) {
              // not NaN or ±Inf
              s += v;
              c++;
            }
          }
          sum[o] += s;
          count[o] += c;
        }
      }
    }
  }
  return grids.map(({ sum, count, out }) => {
    for (let i = 0; i < sum.length; i++) sum[i] = count[i] ? sum[i] / count[i] : NaN;
    return { data: sum, shape: out };
  });
}
