/**
 * `statistics()` of an image too big for memory: the same fields, the same conventions (finite
 * values only; sigma with n − 1; for an even count the median is the mean of the two middle values;
 * the MAD is the median of |x − median| computed in the data's float type, as `statistics()` does
 * when it overwrites its float32 copy), in bounded memory.
 *
 * Pass 1 gathers count, sum, sum of squares, min, max and the spread, and a histogram of the values'
 * order-preserving keys. Sums are compensated (TwoSum, and TwoProduct for float64 squares), so they
 * are within an ulp or two of the exact sum whatever the count; the spread is merged from blocks of
 * 1024 values with Chan's formula, against the compensated mean. The median then takes one pass per
 * further histogram level (usually one, then done or gathered), and the MAD, which needs the exact
 * median, the same over |x − median| (see selection.ts): typically 4 passes in all. An image whose
 * values fit the gathering buffer is done in one pass, in memory.
 */
import type { HDU } from "../fits/hdu.js";
import type { Statistics } from "../data/statistics.js";
import { budgetOf } from "./budget.js";
import { forEachChunk, nameOf, passPlan, type FloatChunk, type PassOptions } from "./pass.js";
import { Selection } from "./selection.js";

export interface StreamStatistics extends Statistics {
  /** Values left out: NaN (blanks) and ±∞. */
  nonFinite: number;
  /** The population standard deviation (numpy's `std`, ddof = 0); `sigma` is the sample one (n − 1), as `statistics()`. */
  std: number;
  /** 1.4826 × MAD, astropy's `mad_std`. */
  madStd: number;
  /** Passes over the data this took. */
  passes: number;
}

export interface StatisticsOptions extends PassOptions {
  /** False: one pass, without median and MAD (NaN). */
  median?: boolean;
}

const BLOCK = 1024;
const MAD_TO_SIGMA = 1.482602218505602;
const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter for doubles

/** Compensated running sums, and min, max and Chan's merged spread. */
class Accumulator {
  n = 0;
  nonFinite = 0;
  sum = 0;
  sumError = 0;
  squares = 0;
  squaresError = 0;
  spread = 0;
  spreadError = 0;
  min = Infinity;
  max = -Infinity;

  add(chunk: FloatChunk): void {
    const exactSquares = chunk instanceof Float32Array; // a float32's square is exact in a double
    for (let from = 0; from < chunk.length; from += BLOCK) {
      const to = Math.min(chunk.length, from + BLOCK);
      let n = 0,
        s = 0,
        e = 0,
        q = 0,
        qe = 0,
        min = this.min,
        max = this.max;
      for (let i = from; i < to; i++) {
        const x = chunk[i];
        if (!(x - x === 0)) {
          this.nonFinite++;
          continue;
        }
        n++;
        // TwoSum: t + (error) is s + x exactly.
        const t = s + x;
        const z = t - s;
        e += s - (t - z) + (x - z);
        s = t;
        const p = x * x;
        let pe = 0;
        if (!exactSquares) {
          const c = SPLIT * x;
          const h = c - (c - x);
          const l = x - h;
          pe = h * h - p + 2 * h * l + l * l;
          if (Number.isNaN(pe)) pe = 0; // |x| > 1e300: the split overflows, the square is ∞ anyway
        }
        const tq = q + p;
        const zq = tq - q;
        qe += q - (tq - zq) + (p - zq) + pe;
        q = tq;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      this.min = min;
      this.max = max;
      if (n === 0) continue;
      // The block's spread about its own mean, corrected for that mean's rounding.
      const mean = (s + e) / n;
      let d2 = 0,
        d1 = 0;
      for (let i = from; i < to; i++) {
        const d = chunk[i] - mean;
        if (d - d === 0) {
          d2 += d * d;
          d1 += d;
        }
      }
      const blockSpread = d2 - (d1 * d1) / n;
      if (this.n > 0) {
        const total = this.n + n;
        const delta = mean - (this.sum + this.sumError) / this.n;
        this.addSpread(blockSpread + ((delta * delta * this.n) / total) * n);
      } else this.addSpread(blockSpread);
      this.n += n;
      [this.sum, this.sumError] = twoSumInto(this.sum, this.sumError, s, e);
      [this.squares, this.squaresError] = twoSumInto(this.squares, this.squaresError, q, qe);
    }
  }

  private addSpread(x: number): void {
    [this.spread, this.spreadError] = twoSumInto(this.spread, this.spreadError, x, 0);
  }
}

/** (s, e) + (x, xe) as a compensated pair. */
function twoSumInto(s: number, e: number, x: number, xe: number): [number, number] {
  const t = s + x;
  const z = t - s;
  return [t, e + (s - (t - z) + (x - z)) + xe];
}

/** n odd: the middle rank; even: the two middle ones, averaged as `statistics()` does. */
function middleRanks(n: number): number[] {
  return n % 2 ? [n >> 1] : [n / 2 - 1, n / 2];
}

function middleOf(values: (rank: number) => number, n: number): number {
  if (n === 0) return NaN;
  if (n % 2) return values(n >> 1);
  return (values(n / 2 - 1) + values(n / 2)) / 2;
}

/** The median of sorted values (no NaN). */
function sortedMedian(sorted: FloatChunk): number {
  return middleOf((r) => sorted[r], sorted.length);
}

/** |x − m| for finite x, NaN for the others, in place and so in the chunk's float type (as `statistics()`). */
function deviations(chunk: FloatChunk, m: number): void {
  for (let i = 0; i < chunk.length; i++) {
    const x = chunk[i];
    chunk[i] = x - x === 0 ? Math.abs(x - m) : NaN;
  }
}

/**
 * Statistics of the finite values of an image HDU (or of its `range`/box), exactly those
 * `statistics(await hdu.data())` gives, in bounded memory.
 */
export async function streamStatistics(hdu: HDU, options: StatisticsOptions = {}): Promise<StreamStatistics> {
  const budget = budgetOf(options.budget);
  // Half for the pass's two buffers, an eighth for histograms, a quarter for the gathered values.
  const passOptions = { ...options, budget: Math.max(1, Math.floor(budget / 2)) };
  const { layout, plan } = passPlan(hdu, passOptions);
  const width = layout.float === "float32" ? 4 : 8;
  const binBits = Math.max(4, Math.min(20, Math.floor(Math.log2(budget / 128))));
  const gatherBytes = budget / 4;
  const total = plan.count === 0 ? 0 : plan.shape.reduce((a, b) => a * b, 1);
  const wantMedian = options.median !== false;
  const label = options.label ?? `statistics of ${nameOf(hdu)}`;
  const acc = new Accumulator();
  // Few enough values: keep them, and the median and MAD are a sort away.
  const kept = wantMedian && total * width <= gatherBytes ? (layout.float === "float32" ? new Float32Array(total) : new Float64Array(total)) : undefined;
  let keptCount = 0;
  const selection = wantMedian && !kept ? new Selection({ float: layout.float, binBits, capacity: Math.floor(gatherBytes / 2 / width), finiteOnly: true }) : undefined;
  await forEachChunk(hdu, { ...passOptions, label: `${label}: pass 1` }, (chunk) => {
    acc.add(chunk);
    if (kept) for (let i = 0; i < chunk.length; i++) if (Number.isFinite(chunk[i])) kept[keptCount++] = chunk[i];
    selection?.visit(chunk);
  });
  let passes = 1;
  const n = acc.n;
  let median = NaN,
    mad = NaN;
  if (kept) {
    const values = kept.subarray(0, keptCount).sort();
    median = sortedMedian(values);
    deviations(values, median);
    mad = sortedMedian(values.sort());
  } else if (selection && n > 0) {
    selection.endPass(middleRanks(n));
    while (!selection.done) {
      passes++;
      await forEachChunk(hdu, { ...passOptions, label: `${label}: pass ${passes} (median)` }, (chunk) => selection.visit(chunk));
      selection.endPass();
    }
    median = middleOf((r) => selection.value(r), n);
    // The deviations' first pass histograms them all; their ranks are the same middle ones.
    const spread = new Selection({ float: layout.float, binBits, capacity: Math.floor(gatherBytes / 2 / width), finiteOnly: false });
    for (let first = true; first || !spread.done; first = false) {
      passes++;
      await forEachChunk(hdu, { ...passOptions, label: `${label}: pass ${passes} (MAD)` }, (chunk) => {
        deviations(chunk, median);
        spread.visit(chunk);
      });
      spread.endPass(first ? middleRanks(n) : undefined);
    }
    mad = middleOf((r) => spread.value(r), n);
  }
  const sum = acc.sum + acc.sumError;
  const spread = acc.spread + acc.spreadError;
  return {
    npts: n,
    sum,
    mean: n ? sum / n : NaN,
    rms: n ? Math.sqrt((acc.squares + acc.squaresError) / n) : NaN,
    sigma: n > 1 ? Math.sqrt(spread / (n - 1)) : NaN,
    std: n ? Math.sqrt(spread / n) : NaN,
    min: n ? acc.min : NaN,
    max: n ? acc.max : NaN,
    median,
    mad,
    madStd: MAD_TO_SIGMA * mad,
    nonFinite: acc.nonFinite,
    passes,
  };
}
