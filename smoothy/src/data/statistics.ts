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

type Sample = Float64Array | Float32Array;

/** The finite values, in a float32 array when the input is float32 (same values, half the memory). */
function finite(values: ArrayLike<number>): Sample {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = values instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out;
}

/**
 * Reorders `a` so that a[k] is the value a sort would put there, everything before it ≤ and
 * everything after it ≥ (Hoare's selection, median-of-three pivots): O(n), where sorting a cube's
 * 67 million values took a minute.
 */
function select(a: Sample, k: number): number {
  let lo = 0,
    hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo,
      j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

function swap(a: Sample, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** The median, reordering `a`. */
function median(a: Sample): number {
  const n = a.length;
  if (n === 0) return NaN;
  const upper = select(a, n >> 1);
  if (n % 2) return upper;
  // After selecting n/2, the largest of the lower half is its neighbour below.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/** The median and the median absolute deviation from it, reusing `a` for the deviations. */
function medianAndMad(a: Sample): [number, number] {
  const m = median(a);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i] - m);
  return [m, median(a)];
}

export function statistics(values: ArrayLike<number>): Statistics {
  const v = finite(values);
  const n = v.length;
  let sum = 0,
    sumSq = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    sum += x;
    sumSq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = n ? sum / n : NaN;
  let dev = 0;
  for (let i = 0; i < n; i++) dev += (v[i] - mean) ** 2;
  const [med, mad] = medianAndMad(v);
  return {
    npts: n,
    sum,
    mean,
    rms: n ? Math.sqrt(sumSq / n) : NaN,
    sigma: n > 1 ? Math.sqrt(dev / (n - 1)) : NaN,
    min: n ? min : NaN,
    max: n ? max : NaN,
    median: med,
    mad,
  };
}

/** The median of the finite values. */
export function medianOf(values: ArrayLike<number>): number {
  return median(finite(values));
}

/** Robust noise: 1.4826 × MAD, the standard deviation of Gaussian noise unaffected by the signal. */
export function madStd(values: ArrayLike<number>): number {
  return 1.482602218505602 * medianAndMad(finite(values))[1];
}
