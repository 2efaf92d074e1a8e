/**
 * RoISE's spectral sketch (SPEC §8.2 steps 1 and 2): the line-detection filter ACALib applies to
 * spectra (its `_morph` C code: cumulative sum, "difference", local-extremum segmentation, erosion of
 * isolated channels, dilation), the sum of filtered random spectra, and the channel ranges read from
 * it with ACALib's loop, quirks included.
 */
import type { Random } from "../common/random.js";

/** Scratch buffers of the filter, reused from spectrum to spectrum. */
export class LineFilter {
  private readonly d: Float64Array;
  private readonly box: Uint8Array;
  private readonly block: Uint8Array;

  constructor(readonly n: number) {
    this.d = new Float64Array(n);
    this.box = new Uint8Array(n);
    this.block = new Uint8Array(n);
  }

  /** Writes s × b into `out` (which may be `s`), b the filter's channel mask. */
  apply(s: Float64Array, out: Float64Array): void {
    const { n, d, box, block } = this;
    if (n === 0) return;
    // c = cumsum(s); d[0] = c[0], d[i] = c[i] - d[i-1] (ACALib's diff_c, kept as it is).
    let c = s[0];
    d[0] = c;
    for (let i = 1; i < n; i++) {
      c += s[i];
      d[i] = c - d[i - 1];
    }
    // seg_c: 1 inside, 0 at strict local extrema of d and at both ends.
    box[0] = 0;
    box[n - 1] = 0;
    for (let i = 1; i < n - 1; i++) {
      const lo = d[i] < d[i - 1] && d[i] < d[i + 1];
      const hi = d[i] > d[i - 1] && d[i] > d[i + 1];
      box[i] = lo || hi ? 0 : 1;
    }
    // eros_c: isolated 1s removed, then every remaining 1 switches on its neighbours.
    for (let i = 0; i < n; i++) block[i] = box[i] === 1 && (i === 0 || box[i - 1] === 0) && (i === n - 1 || box[i + 1] === 0) ? 0 : box[i];
    box.set(block);
    for (let i = 1; i < n - 1; i++) {
      if (block[i] !== 1) continue;
      box[i - 1] = 1;
      box[i + 1] = 1;
    }
    for (let i = 0; i < n; i++) out[i] = box[i] ? s[i] : 0;
  }
}

/** How the cube's values are laid out: the length and stride of the channel axis and of x and y. */
export interface Layout {
  nx: number;
  ny: number;
  nz: number;
  sx: number;
  sy: number;
  sz: number;
}

/**
 * The filtered sum of `samples` filtered spectra at random pixels (x drawn first, then y, with
 * replacement, as ACALib). Non-finite values count as 0 (ACALib would let a NaN spread over the sum).
 */
export function spectralSketch(data: ArrayLike<number>, layout: Layout, samples: number, random: Random, step?: (done: number) => void): Float64Array {
  const { nx, ny, nz, sx, sy, sz } = layout;
  const filter = new LineFilter(nz);
  const sum = new Float64Array(nz);
  const spectrum = new Float64Array(nz);
  for (let k = 0; k < samples; k++) {
    if (step && (k & 63) === 0) step(k);
    const x = random.int(nx);
    const y = random.int(ny);
    const base = x * sx + y * sy;
    for (let c = 0; c < nz; c++) {
      const v = data[base + c * sz];
      spectrum[c] = Number.isFinite(v) ? v : 0;
    }
    filter.apply(spectrum, spectrum);
    for (let c = 0; c < nz; c++) sum[c] += spectrum[c];
  }
  filter.apply(sum, sum);
  return sum;
}

/**
 * The channel ranges [start, stop) of the filtered sum, by ACALib's loop (`spectra_sketch`): a run of
 * one channel is never closed, so its start carries over to the end of the next run; a run reaching
 * the last channel is closed before it ([start, n - 1)).
 */
export function channelRanges(sketch: ArrayLike<number>): Array<{ start: number; stop: number }> {
  const n = sketch.length;
  const out: Array<{ start: number; stop: number }> = [];
  let start = -1;
  for (let i = 0; i < n - 1; i++) {
    if (sketch[i] === 0) continue;
    if (start === -1) start = i;
    else if (sketch[i + 1] === 0) {
      out.push({ start, stop: i + 1 });
      start = -1;
    } else if (i === n - 2) out.push({ start, stop: i + 1 });
  }
  return out;
}
