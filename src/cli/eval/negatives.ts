import type { SplitUser } from './split';

/** The protocol's 32-bit PRNG (mulberry32), written out from its definition. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 100 distinct negatives per evaluated user, one stream in ascending userId, rejecting the user's own items. */
export function drawNegatives(users: readonly SplitUser[], itemCount: number, perUser = 100, seed = 42): number[][] {
  const rng = mulberry32(seed);
  return users.map((u) => {
    const own = new Set([...u.train, u.valid, u.test]);
    const drawn = new Set<number>();
    const out: number[] = [];
    while (out.length < perUser) {
      const j = Math.floor(rng() * itemCount);
      if (own.has(j) || drawn.has(j)) continue;
      drawn.add(j);
      out.push(j);
    }
    return out;
  });
}
