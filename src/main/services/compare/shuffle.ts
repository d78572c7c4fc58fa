/**
 * The blind order of a comparison set: a seeded Fisher–Yates shuffle (mulberry32), so the same seed always gives
 * the same order (a reload shows what the user saw) and every order is equally likely across seeds. Pure.
 */

/** mulberry32: a small 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A permutation of 0…n−1 from `seed`: `order[slot]` is the position (run order) shown at display slot `slot`.
 * @param n items, ≥ 0
 * @param seed any integer (taken modulo 2³²)
 */
export function shuffledOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
