/**
 * The k-th smallest of more values than memory holds, exactly, in a few sequential passes.
 *
 * Each float is mapped to an unsigned integer key that sorts as the floats do: flip all bits of a
 * negative float, only the sign bit of a positive one (−0 sorts just before +0; they are equal as
 * numbers, so either is the k-th). A histogram over the top bits of the keys is then a histogram over
 * exact value ranges, and its integer counts say exactly which bin holds the k-th value and how many
 * values lie below it. Each pass narrows every rank to one bin of the next bits, until either the
 * bin is a single key (the value is that key's float) or its values fit a bounded buffer, gathered in
 * one more pass and sorted. Nothing is estimated: the answer is the value a full sort would put at k.
 *
 * Passes: with b-bit bins, at most ⌈32/b⌉ for float32 and ⌈64/b⌉ for float64 keys (levels never
 * straddle the two 32-bit words); usually two (a level of 16 to 20 bits, then the gathering), since a
 * bin of 2^-11 relative width rarely holds more values than the buffer.
 */
import os from "node:os";

type Floats = Float32Array | Float64Array;

const HI = os.endianness() === "LE" ? 1 : 0;
const LO = 1 - HI;

/** A rank being narrowed: its key's fixed top bits, and the values below and inside that range. */
interface Target {
  rank: number;
  /** Bits of the key fixed so far. */
  bits: number;
  /** The fixed bits: of the high word (bits ≤ 32: its top `bits` bits; else all of it) and of the low one. */
  hi: number;
  lo: number;
  below: number;
  count: number;
  value?: number;
}

interface Group {
  targets: Target[];
  /** Counts per bin of the next level, or the gathered values. */
  histogram?: Float64Array;
  gathered?: Floats;
  filled: number;
  /** The next level's width in bits. */
  width: number;
}

/** Bits of a level starting at `bits`: at most `binBits`, never across the 32-bit boundary. */
function levelWidth(bits: number, keyBits: number, binBits: number): number {
  return Math.min(binBits, bits < 32 ? 32 - bits : keyBits - bits);
}

export interface SelectionOptions {
  /** "float32" keys are 32 bits, "float64" 64. */
  float: "float32" | "float64";
  /** Bins per histogram: 2^binBits (at most 20 here: 8 MiB of counts). */
  binBits: number;
  /** Values a rank's gathering buffer may hold. */
  capacity: number;
  /** True: non-finite values are left out (data); false: only NaN is (deviations, where an overflow to ∞ counts). */
  finiteOnly: boolean;
}

/**
 * Exact order statistics over passes the caller drives: `visit` every chunk of a pass, then
 * `endPass`; repeat while `done` is false. The first pass histograms every value (its ranks may be
 * given at its end, once the count is known).
 */
export class Selection {
  private targets: Target[] = [];
  private groups: Group[];
  private readonly keyBits: number;
  passes = 0;

  constructor(private readonly options: SelectionOptions) {
    this.keyBits = options.float === "float32" ? 32 : 64;
    const width = levelWidth(0, this.keyBits, options.binBits);
    this.groups = [{ targets: [], histogram: new Float64Array(2 ** width), filled: 0, width }];
  }

  get done(): boolean {
    return this.groups.length === 0;
  }

  /** The value at `rank` once done. */
  value(rank: number): number {
    const t = this.targets.find((x) => x.rank === rank);
    if (t?.value === undefined) throw new Error(`rank ${rank} is not selected yet`);
    return t.value;
  }

  /** Counts or gathers a chunk's values for every rank still open. */
  visit(chunk: Floats): void {
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length * (this.keyBits / 32));
    for (const g of this.groups) {
      const t = g.targets[0] ?? { bits: 0, hi: 0, lo: 0 };
      if (this.keyBits === 32) this.visit32(chunk, words, g, t.bits, t.hi);
      else this.visit64(chunk, words, g, t.bits, t.hi, t.lo);
    }
  }

  private visit32(chunk: Floats, words: Uint32Array, g: Group, bits: number, prefix: number): void {
    const limit = this.options.finiteOnly ? 0x7f800000 : 0x7f800001;
    const n = chunk.length;
    const check = 32 - bits;
    const hist = g.histogram;
    const shift = 32 - bits - g.width;
    const mask = 2 ** g.width - 1;
    for (let i = 0; i < n; i++) {
      const u = words[i];
      if ((u & 0x7fffffff) >= limit) continue;
      const key = (u ^ ((u >> 31) | 0x80000000)) >>> 0;
      if (bits > 0 && key >>> check !== prefix) continue;
      if (hist) hist[(key >>> shift) & mask]++;
      else g.gathered![g.filled++] = chunk[i];
    }
  }

  private visit64(chunk: Floats, words: Uint32Array, g: Group, bits: number, prefixHi: number, prefixLo: number): void {
    const finiteOnly = this.options.finiteOnly;
    const n = chunk.length;
    const hist = g.histogram;
    const inHigh = bits < 32;
    const shift = (inHigh ? 32 : 64) - bits - g.width;
    const mask = 2 ** g.width - 1;
    const checkHi = 32 - Math.min(bits, 32);
    const checkLo = 64 - bits;
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + HI];
      const l = words[2 * i + LO];
      const abs = h & 0x7fffffff;
      if (abs >= 0x7ff00000 && (finiteOnly || abs > 0x7ff00000 || l !== 0)) continue;
      const keyHi = (h ^ ((h >> 31) | 0x80000000)) >>> 0;
      if (bits > 0 && keyHi >>> checkHi !== prefixHi) continue;
      const keyLo = (l ^ (h >> 31)) >>> 0;
      if (bits > 32 && keyLo >>> checkLo !== prefixLo) continue;
      if (hist) hist[((inHigh ? keyHi : keyLo) >>> shift) & mask]++;
      else g.gathered![g.filled++] = chunk[i];
    }
  }

  /**
   * Ends a pass: narrows each rank to its bin, or picks it from the sorted gathered values. `ranks`
   * (0-based, among the values counted) are given at the end of the first pass.
   */
  endPass(ranks?: number[]): void {
    this.passes++;
    if (ranks) {
      const total = this.groups[0].histogram!.reduce((a, b) => a + b, 0);
      this.targets = [...new Set(ranks)].map((rank) => {
        if (!(rank >= 0 && rank < total)) throw new RangeError(`rank ${rank} of ${total} values`);
        return { rank, bits: 0, hi: 0, lo: 0, below: 0, count: total };
      });
      this.groups[0].targets = this.targets;
    }
    for (const g of this.groups) {
      if (g.gathered) {
        const sorted = g.gathered.subarray(0, g.filled).sort();
        for (const t of g.targets) t.value = sorted[t.rank - t.below];
      } else for (const t of g.targets) this.narrow(t, g.histogram!, g.width);
    }
    this.groups = this.nextGroups();
  }

  private narrow(t: Target, hist: Float64Array, width: number): void {
    let below = t.below;
    let bin = 0;
    while (below + hist[bin] <= t.rank) below += hist[bin++];
    t.below = below;
    t.count = hist[bin];
    if (t.bits < 32) t.hi = t.hi * 2 ** width + bin;
    else t.lo = t.bits === 32 ? bin : t.lo * 2 ** width + bin;
    t.bits += width;
    if (t.bits === this.keyBits) t.value = this.decode(t);
  }

  /** The float whose key is the target's (all bits fixed). */
  private decode(t: Target): number {
    const positive = t.hi >= 0x80000000;
    if (this.keyBits === 32) {
      const f = new Float32Array(1);
      new Uint32Array(f.buffer)[0] = positive ? t.hi ^ 0x80000000 : ~t.hi;
      return f[0];
    }
    const f = new Float64Array(1);
    const w = new Uint32Array(f.buffer);
    w[HI] = positive ? t.hi ^ 0x80000000 : ~t.hi;
    w[LO] = positive ? t.lo : ~t.lo;
    return f[0];
  }

  /** Open ranks grouped by their range: ranks in one range share its histogram or its buffer. */
  private nextGroups(): Group[] {
    const groups = new Map<string, Group>();
    for (const t of this.targets) {
      if (t.value !== undefined) continue;
      const id = `${t.bits}:${t.hi}:${t.lo}`;
      let g = groups.get(id);
      if (!g) {
        const width = levelWidth(t.bits, this.keyBits, this.options.binBits);
        const gather = t.count <= this.options.capacity;
        const Floats = this.keyBits === 32 ? Float32Array : Float64Array;
        g = { targets: [], filled: 0, width, histogram: gather ? undefined : new Float64Array(2 ** width), gathered: gather ? new Floats(t.count) : undefined };
        groups.set(id, g);
      }
      g.targets.push(t);
    }
    return [...groups.values()];
  }
}
