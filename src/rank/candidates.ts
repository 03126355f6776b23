import { topK } from '../vector';
import type { Scorer } from './score';
import type { RankModel } from './types';

/**
 * The `want` best items of the whole catalogue with their final scores, best first (ties to the lower index):
 * exactly what a dense ranking of every item would give.
 */
export interface Candidates {
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/**
 * Room for the f64 rounding of the bound's sums (the features add their terms in another order than
 * `featureBound`): admitting a few more rows is always safe, leaving one out never is.
 */
const SLACK = 1e-9;

/**
 * The two-stage ranking's first stage, exact: the `want` best items by the full hybrid score without computing
 * that score for every item.
 *
 * One fused kernel pass scores every item by its scan score (similarity terms plus popularity, trend and the
 * sequence model's vote, see `Scorer`), keeps the `want` best and every row's score. The items the sparse
 * boosts name (neighbours and transitions of the recent items) are scored apart, and the scan leaves them out.
 * Features are never negative, so the scan's best with their features and the boosted items without theirs are
 * lower bounds of real items' final scores: the `want`-th best of them, `floor`, is at most the true `want`-th
 * best. An item's features add at most `featureBound`, so one whose score without features is below
 * `floor - featureBound` cannot make the list. A second pass over the kept scores (4 bytes a row, not the
 * matrix) collects the scanned items above that; only they and the boosted items above it get the per-item
 * features. No rescan, however wide the bound.
 *
 * `skip[i] !== 0` leaves item i out everywhere (history, exclusions, filters, pinned items); the mask is lent
 * for the call and given back unchanged.
 */
export function selectCandidates(model: RankModel, scorer: Scorer, want: number, skip: Uint8Array): Candidates {
  const { kernel, rows } = model;
  if (want <= 0) return { indices: new Uint32Array(0), scores: new Float32Array(0) };
  const { boosted, boosts } = boostedRows(scorer, skip);
  // Scan score plus boost: a boosted item's final score without its features, so at most featureBound below it.
  const boostedScan = kernel.scoreRows(rows, scorer.queries, boosted, undefined, scorer.bias);
  const boostedPart = new Float64Array(boosted.length);
  for (let j = 0; j < boosted.length; j++) boostedPart[j] = boostedScan[j]! + boosts[j]!;
  for (let j = 0; j < boosted.length; j++) skip[boosted[j]!] = 1;
  let scan;
  try {
    scan = kernel.scan(rows, scorer.queries, want, skip, scorer.bias);
  } finally {
    for (let j = 0; j < boosted.length; j++) skip[boosted[j]!] = 0;
  }
  // Lower bounds of real items' final scores (features are never negative): the scan's best with their
  // features, the boosted items without theirs.
  const seeds = new Float64Array(scan.indices.length + boosted.length);
  for (let j = 0; j < scan.indices.length; j++) seeds[j] = scan.scores[j]! + scorer.features(scan.indices[j]!);
  seeds.set(boostedPart, scan.indices.length);
  const floor = seeds.length < want ? -Infinity : kthLargest(seeds, want) - scorer.featureBound - SLACK;
  const near = scan.above(floor);

  const pool = new Uint32Array(near.indices.length + boosted.length);
  const final = new Float64Array(pool.length);
  let size = 0;
  for (let j = 0; j < near.indices.length; j++) {
    const i = near.indices[j]!;
    pool[size] = i;
    final[size++] = near.scores[j]! + scorer.features(i);
  }
  for (let j = 0; j < boosted.length; j++) {
    if (boostedPart[j]! < floor) continue;
    const i = boosted[j]!;
    pool[size] = i;
    final[size++] = boostedScan[j]! + scorer.features(i) + boosts[j]!;
  }
  // The pool's best by final score; ties go to the lower item index, as in a dense ranking.
  const order = topK(final.subarray(0, size), want, undefined, pool);
  const indices = new Uint32Array(order.length);
  const scores = new Float32Array(order.length);
  for (let j = 0; j < order.length; j++) (indices[j] = pool[order[j]!]!), (scores[j] = final[order[j]!]!);
  return { indices, scores };
}

/** The boosted items not skipped and their boosts (in the boosts' order: the pool's ties go by index anyway). */
function boostedRows(scorer: Scorer, skip: Uint8Array): { boosted: Uint32Array; boosts: Float64Array } {
  const boosted = new Uint32Array(scorer.boosts.size);
  const boosts = new Float64Array(scorer.boosts.size);
  let n = 0;
  for (const [i, boost] of scorer.boosts) if (skip[i] === 0) (boosted[n] = i), (boosts[n++] = boost);
  return { boosted: boosted.subarray(0, n), boosts: boosts.subarray(0, n) };
}

/** The k-th largest value (1-based) of a few values. */
function kthLargest(values: Float64Array, k: number): number {
  return Float64Array.from(values).sort()[values.length - k]!;
}
