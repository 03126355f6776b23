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
 * How many rows the first scan keeps per wanted candidate. Wide enough that on the shared data sets the first
 * scan almost always proves itself; each later scan widens by `WIDEN`, and the last one keeps every row.
 */
const FIRST_SCAN_PER_WANTED = 20;
const FIRST_SCAN_MIN = 1024;
const WIDEN = 16;

/**
 * The two-stage ranking's first stage, exact: the `want` best items by the full hybrid score without computing
 * that score for every item.
 *
 * One fused kernel pass ranks every item by its scan score (similarity terms plus popularity, trend and the
 * sequence model's vote, see `Scorer`) and keeps the top `n`. The items the sparse boosts name (neighbours and
 * transitions of the recent items) join them. Only this pool gets the per-item features. An item outside the pool
 * has no boost and a scan score of at most the n-th one's, so its final score is at most
 * `nthScan + featureBound`: when the `want`-th best pool score beats that, nothing outside can enter the top
 * `want`, and the result equals a dense ranking. When it does not, the scan is widened and repeated (at worst to
 * every row); rare, since the features are small next to similarity.
 *
 * `skip[i] !== 0` leaves item i out everywhere (history, exclusions, filters, pinned items).
 */
export function selectCandidates(model: RankModel, scorer: Scorer, want: number, skip: Uint8Array): Candidates {
  const { kernel, rows } = model;
  if (want <= 0) return { indices: new Uint32Array(0), scores: new Float32Array(0) };
  const boosted = Uint32Array.from([...scorer.boosts.keys()].filter((i) => skip[i] === 0));
  const boostedScan = kernel.scoreRows(rows, scorer.queries, boosted, undefined, scorer.bias);
  let n = Math.min(model.count, Math.max(FIRST_SCAN_MIN, want * FIRST_SCAN_PER_WANTED));
  for (;;) {
    const scan = kernel.topK(rows, scorer.queries, n, skip, scorer.bias);
    const pool = new Uint32Array(scan.indices.length + boosted.length);
    const final = new Float64Array(pool.length);
    let size = 0;
    for (let j = 0; j < scan.indices.length; j++) {
      const i = scan.indices[j]!;
      pool[size] = i;
      final[size++] = scan.scores[j]! + scorer.features(i) + (scorer.boosts.get(i) ?? 0);
    }
    const scanned = boosted.length > 0 ? new Set(scan.indices) : null;
    for (let j = 0; j < boosted.length; j++) {
      const i = boosted[j]!;
      if (scanned!.has(i)) continue;
      pool[size] = i;
      final[size++] = boostedScan[j]! + scorer.features(i) + scorer.boosts.get(i)!;
    }
    // The pool's best by final score; ties go to the lower item index, as in a dense ranking.
    const order = topK(final.subarray(0, size), want, undefined, pool);
    // A scan that kept fewer rows than it was allowed, or every row, saw every eligible item: nothing is outside.
    const sawAll = scan.indices.length < n || n >= model.count;
    const outsideAtMost = scan.scores[scan.scores.length - 1]! + scorer.featureBound;
    if (sawAll || (order.length === want && final[order[want - 1]!]! > outsideAtMost)) {
      return { indices: Uint32Array.from(order, (p) => pool[p]!), scores: Float32Array.from(order, (p) => final[p]!) };
    }
    n = Math.min(model.count, n * WIDEN);
  }
}
