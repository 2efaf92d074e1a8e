/**
 * skimage's local mean threshold (`threshold_local(image, block, method="mean")`, formerly
 * `threshold_adaptive`): a pixel is foreground when it is above the mean of the block × block square
 * around it, the image being extended by reflection at its edges (scipy's mode "reflect",
 * d c b a | a b c d | d c b a). The mean is separable, one box sum per row and then per column; each
 * line's box sums come from prefix sums over one period (2n) of its reflected extension, so the cost
 * does not depend on the block size, even for blocks larger than the image (they wrap around the
 * reflections as scipy's do).
 */

/** Scratch arrays for images of one size. */
export class ThresholdWorkspace {
  readonly rowMeans: Float64Array;
  private readonly prefix: Float64Array;
  private readonly line: Float64Array;
  private readonly result: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
  ) {
    this.rowMeans = new Float64Array(nx * ny);
    const longest = Math.max(nx, ny);
    this.prefix = new Float64Array(2 * longest + 1);
    this.line = new Float64Array(longest);
    this.result = new Float64Array(longest);
  }

  /** Box means of the line (in `this.line`, length n) with reflection at both ends, into `this.result`. */
  private boxLine(n: number, block: number): void {
    const { prefix, line, result } = this;
    const period = 2 * n;
    prefix[0] = 0;
    for (let k = 0; k < n; k++) prefix[k + 1] = prefix[k] + line[k];
    for (let k = 0; k < n; k++) prefix[n + k + 1] = prefix[n + k] + line[n - 1 - k];
    const total = prefix[period];
    // Sum of the extension at indices lo … hi − 1 = F(hi) − F(lo), F(m) = q·total + prefix[m − q·period]
    // with q = floor(m / period); both ends move by one per pixel, so q and the remainder are stepped.
    const half = (block - 1) >> 1;
    let qLo = Math.floor(-half / period),
      rLo = -half - qLo * period;
    let qHi = Math.floor((half + 1) / period),
      rHi = half + 1 - qHi * period;
    const scale = 1 / block;
    for (let i = 0; i < n; i++) {
      result[i] = ((qHi - qLo) * total + prefix[rHi] - prefix[rLo]) * scale;
      if (++rLo === period) {
        rLo = 0;
        qLo++;
      }
      if (++rHi === period) {
        rHi = 0;
        qHi++;
      }
    }
  }

  /** `out[i] = image[i] > local mean` (1 or 0), block an odd size in pixels. */
  threshold(image: Float64Array, block: number, out: Uint8Array): void {
    const { nx, ny, rowMeans, line, result } = this;
    for (let y = 0; y < ny; y++) {
      const base = y * nx;
      for (let x = 0; x < nx; x++) line[x] = image[base + x];
      this.boxLine(nx, block);
      for (let x = 0; x < nx; x++) rowMeans[base + x] = result[x];
    }
    for (let x = 0; x < nx; x++) {
      for (let y = 0; y < ny; y++) line[y] = rowMeans[y * nx + x];
      this.boxLine(ny, block);
      for (let y = 0; y < ny; y++) out[y * nx + x] = image[y * nx + x] > result[y] ? 1 : 0;
    }
  }
}

/** An odd block size from r² as ACALib forms it (int(r·r), plus one when even). */
export function oddBlock(r: number): number {
  const t = Math.trunc(r * r);
  return Math.max(1, t % 2 === 0 ? t + 1 : t);
}

/** NumPy's `np.round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** `np.percentile(values, q)` with linear interpolation, on values sorted ascending. */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const at = (q / 100) * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
