import { packRows, type CoOccurrence, type ScoringModel } from './baselines';
import type { UserSequence } from './datasets';

const DAY_S = 86_400;

/**
 * Most popular in the last `days` before the cut. A week of a small log leaves most items at zero, so ties are
 * broken by all-time training popularity (scaled below one event): the baseline a site would run, not a coin toss.
 */
export function mostPopRecent(train: readonly UserSequence[], itemCount: number, cut: number, days = 7): ScoringModel {
  const recent = new Float64Array(itemCount);
  const all = new Float64Array(itemCount);
  const since = cut - days * DAY_S;
  for (const u of train) {
    for (let p = 0; p < u.items.length; p++) {
      const t = u.times![p]!;
      if (t >= cut) continue; // never the case on a temporal split's training log; the guard keeps the definition whole
      all[u.items[p]!]!++;
      if (t >= since) recent[u.items[p]!]!++;
    }
  }
  let max = 0;
  for (const c of all) max = Math.max(max, c);
  const scores = Float64Array.from(recent, (r, i) => r + all[i]! / (max + 1));
  return { name: `MostPop-${days}d`, score: (_history, out) => out.set(scores) };
}

/**
 * Binary co-occurrence where a visitor's pair (i, j) counts 2^(−age/halfLife), its age being the time from the
 * later of the two events to the cut: what was watched together lately says more about the next event than what
 * was watched together years ago. Item counts n_i decay the same way, so the cosine of `itemKnn` stays a cosine.
 * With an infinite half-life this is exactly `coOccurrence`.
 */
export function decayedCoOccurrence(train: readonly UserSequence[], itemCount: number, cut: number, halfLifeDays: number): CoOccurrence {
  // Per visitor: each distinct item once, with the decay of its latest event (decay grows with time, so the
  // decay of a pair's later event is the larger of the two).
  const visitors = train.map((u) => {
    const latest = new Map<number, number>();
    u.items.forEach((i, p) => latest.set(i, Math.max(latest.get(i) ?? -Infinity, u.times![p]!)));
    const items = Int32Array.from(latest.keys());
    // Floored at 2^-100: a pair 100 half-lives old weighs nothing, yet stays finite in the f32 counts and keeps the
    // cosine's denominator away from zero.
    const decay = Float64Array.from(latest.values(), (t) => (halfLifeDays === Infinity ? 1 : Math.pow(2, -Math.min(100, (cut - t) / (halfLifeDays * DAY_S)))));
    return { items, decay };
  });
  const visitsOf: Array<Array<[visitor: number, slot: number]>> = Array.from({ length: itemCount }, () => []);
  visitors.forEach((v, u) => v.items.forEach((i, s) => visitsOf[i]!.push([u, s])));
  const userCounts = new Float64Array(itemCount);
  const scratch = new Float64Array(itemCount);
  const seen = new Uint8Array(itemCount);
  const rows: Array<[Int32Array, Float32Array]> = [];
  let nnz = 0;
  for (let i = 0; i < itemCount; i++) {
    const touched: number[] = [];
    for (const [u, s] of visitsOf[i]!) {
      const v = visitors[u]!;
      const di = v.decay[s]!;
      userCounts[i]! += di;
      for (let k = 0; k < v.items.length; k++) {
        const j = v.items[k]!;
        if (!seen[j]) (seen[j] = 1), touched.push(j);
        scratch[j]! += Math.max(di, v.decay[k]!);
      }
    }
    touched.sort((a, b) => a - b);
    rows.push([Int32Array.from(touched), Float32Array.from(touched, (j) => scratch[j]!)]);
    for (const j of touched) (scratch[j] = 0), (seen[j] = 0);
    nnz += touched.length;
  }
  return packRows(rows, nnz, userCounts);
}

/** Co-occurrence half-lives (days) tried on the temporal VALID split. */
export const CO_HALF_LIFE_DAYS_GRID = [7, 30, 90, 180, 365, 730, 1825, Infinity] as const;
