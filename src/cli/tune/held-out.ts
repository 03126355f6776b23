import { mulberry32 } from '../eval/negatives';
import type { HeldOutCase } from './types';

/**
 * The tuning slice: each visitor's latest event is held out (visitors with at least two events, so a history
 * remains), and the signals are built from everything else. `rest` keeps every visitor, in order, so the
 * aggregates see the same log minus exactly the held-out events.
 */
export function holdOutLatest<S extends { items: ArrayLike<number> }>(sequences: readonly S[]): { rest: S[]; cases: HeldOutCase[] } {
  const rest: S[] = [];
  const cases: HeldOutCase[] = [];
  for (const s of sequences) {
    if (s.items.length < 2) {
      rest.push(s);
      continue;
    }
    const history = Array.from(s.items).slice(0, -1);
    cases.push({ history, target: s.items[s.items.length - 1]! });
    // Other per-event columns (times) are cut at the same place.
    const cut = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) || ArrayBuffer.isView(v) ? (v as unknown as number[]).slice(0, -1) : v])) as S;
    rest.push(cut);
  }
  return { rest, cases };
}

/** A seeded draw of at most `max` cases, in their original order. */
export function sampleCases(cases: readonly HeldOutCase[], max: number, seed: number): HeldOutCase[] {
  return cases.length <= max ? [...cases] : seededOrder(cases.length, seed).slice(0, max).sort((a, b) => a - b).map((i) => cases[i]!);
}

/**
 * Whole visitors, drawn in a seeded order until their events reach `maxEvents`, kept in their original order: the
 * tuning log of a log too large to rebuild the signals of in memory for every trial's neighbour count. Smaller
 * logs come back whole, so their tuning is unchanged.
 */
export function sampleVisitors<S extends { items: ArrayLike<number> }>(sequences: readonly S[], maxEvents: number, seed: number): S[] {
  let total = 0;
  for (const s of sequences) total += s.items.length;
  if (total <= maxEvents) return [...sequences];
  const chosen: number[] = [];
  let events = 0;
  for (const i of seededOrder(sequences.length, seed)) {
    if (events >= maxEvents) break;
    chosen.push(i);
    events += sequences[i]!.items.length;
  }
  return chosen.sort((a, b) => a - b).map((i) => sequences[i]!);
}

/** 0 … n − 1 shuffled by Fisher–Yates on a mulberry32 stream. */
function seededOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** NDCG@10 of one case from the engine's shown list (one relevant item: 1 / log2(position + 1)). */
export function ndcgAt10(list: readonly number[], target: number): number {
  const p = list.indexOf(target);
  return p >= 0 && p < 10 ? 1 / Math.log2(p + 2) : 0;
}
