/** Statistics that ignore NaN (blanked) pixels, and the robust noise astronomers use. */
export interface Statistics {
  npts: number;
  sum: number;
  mean: number;
  rms: number;
  sigma: number;
  min: number;
  max: number;
  median: number;
  /** Median absolute deviation from the median. */
  mad: number;
}

function finite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out;
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function statistics(values: ArrayLike<number>): Statistics {
  const v = finite(values);
  const n = v.length;
  let sum = 0, sumSq = 0, min = Infinity, max = -Infinity;
  for (const x of v) {
    sum += x;
    sumSq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = n ? sum / n : NaN;
  let dev = 0;
  for (const x of v) dev += (x - mean) ** 2;
  v.sort();
  const median = medianOfSorted(v);
  const deviations = v.map((x) => Math.abs(x - median)).sort();
  return {
    npts: n, sum, mean, rms: n ? Math.sqrt(sumSq / n) : NaN, sigma: n > 1 ? Math.sqrt(dev / (n - 1)) : NaN,
    min: n ? min : NaN, max: n ? max : NaN, median, mad: medianOfSorted(deviations),
  };
}

/** Robust noise: 1.4826 × MAD, the standard deviation of Gaussian noise unaffected by the signal. */
export function madStd(values: ArrayLike<number>): number {
  return 1.482602218505602 * statistics(values).mad;
}
