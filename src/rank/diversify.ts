import type { RankModel } from './types';

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
  const perCategory = new Map<number, number>();
  const codes = model.categories.codes;
  const sims = new Float32Array(pool.length);
  const maxSim = new Float32Array(pool.length);
  const used = new Uint8Array(pool.length);
  let cap = maxPerCategory;
  while (picked.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < pool.length; c++) {
      if (used[c]) continue;
      const category = codes[pool[c]!]!;
      if (category !== 0 && (perCategory.get(category) ?? 0) >= cap) continue;
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
    const category = codes[item]!;
    if (category !== 0) perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
    model.kernel.dots(model.rows, pool, [item], sims);
    for (let c = 0; c < pool.length; c++) if (!used[c]) maxSim[c] = Math.max(maxSim[c]!, sims[c]!);
  }
  return picked;
}
