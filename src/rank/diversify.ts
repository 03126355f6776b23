import { createScratch } from './scratch';
import type { RankModel } from './types';

/** MMR's per-call arrays (category counts, similarities, picks). */
const scratch = createScratch();

/**
 * Maximal marginal relevance over a candidate pool (best first): each pick trades its score against its
 * similarity to what is already picked, so ten near-identical items do not crowd out everything else. `scores`
 * is aligned with `pool`; the similarities come from the vector kernel, one batched call per pick.
 */
export function diversify(model: RankModel, pool: ArrayLike<number>, scores: Float32Array, k: number, lambda: number, maxPerCategory: number): number[] {
  if (pool.length === 0) return [];
  const top = scores[0]!;
  const bottom = scores[pool.length - 1]!;
  const span = top - bottom || 1;
  const picked: number[] = [];
  scratch.begin();
  const codes = model.categories.codes;
  // Picks per category code, read for every pool entry on every pick: an array, not a Map.
  const perCategory = scratch.u32(model.categories.names.length);
  const poolCategory = scratch.u32(pool.length);
  for (let c = 0; c < pool.length; c++) poolCategory[c] = codes[pool[c]!]!;
  const sims = scratch.f32(pool.length);
  const maxSim = scratch.f32(pool.length);
  const used = scratch.u8(pool.length);
  let cap = maxPerCategory;
  while (picked.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < pool.length; c++) {
      if (used[c]) continue;
      const category = poolCategory[c]!;
      if (category !== 0 && perCategory[category]! >= cap) continue;
      const relevance = (scores[c]! - bottom) / span;
      const value = lambda * relevance - (1 - lambda) * maxSim[c]!;
      if (value > bestValue) (bestValue = value), (best = c);
    }
    if (best < 0) {
      // The cap shapes the list; it must not shorten it. When only capped categories are left, they fill it.
      if (cap === Infinity || picked.length === pool.length) break;
      cap = Infinity;
      continue;
    }
    used[best] = 1;
    const item = pool[best]!;
    picked.push(item);
    const category = poolCategory[best]!;
    if (category !== 0) perCategory[category]!++;
    // The last pick's similarities would go unread.
    if (picked.length === k) break;
    model.kernel.dots(model.rows, pool, [item], sims);
    for (let c = 0; c < pool.length; c++) if (!used[c]) maxSim[c] = Math.max(maxSim[c]!, sims[c]!);
  }
  return picked;
}
