/**
 * smoothy's one seeded generator, for everything that must be the same run after run: RoISE's
 * spectral sketch, synthetic archives, and the tests' fuzzing and benchmarks' data. It is mulberry32
 * (Tommy Ettinger's: a 32-bit state advanced by a Weyl step and mixed by two multiply-xorshift
 * rounds): small, fast and good enough for drawing pixel positions and noise. It is not NumPy's
 * Mersenne Twister, so ACALib's draws for a given RANDOM_STATE are not reproduced, only the
 * run-to-run reproducibility of a fixed seed.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A standard normal deviate (Box–Muller, one per call). */
  normal(): number;
}

export function mulberry32(seed: number): Random {
  let state = seed | 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // 1 - next() lies in (0, 1], so the logarithm is finite.
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, int: (n) => Math.floor(next() * n), normal };
}
