import { topK } from '../vector';
import type { Scorer } from './score';
import { createScratch } from './scratch';
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

/** The candidate stage's temporaries (none outlives a call; only the returned candidates are new arrays). */
const scratch = createScratch();

/**
 * The two-stage ranking's first stage, exact: the `want` best items by the full hybrid score without computing
 * that score for every item.
 *
 * One fused kernel pass scores every item by its scan score (similarity terms plus popularity, trend and the
 * sequence model's vote, see `Scorer`), keeps the `want` best and every row's score. The items the sparse
 * boosts name (neighbours and transitions of the recent items) take their scan scores from the kept ones and are
 * counted apart from the scan's rows. Features are never negative, so the scan's best with their features and
 * the boosted items without theirs are lower bounds of distinct items' final scores: the `want`-th best of them, `floor`, is at most the true `want`-th
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
  scratch.begin();
  const { boosted, boosts } = boostedRows(scorer, skip);
  // The scan scores the boosted rows too, and its kept scores give theirs: one pass over the matrix, no second
  // look-up of scattered rows.
  const scan = kernel.scan(rows, scorer.queries, want, skip, scorer.bias);
  const boostedScan = scan.scoresOf(boosted, scratch.f32(boosted.length));
  // Scan score plus boost: a boosted item's final score without its features, so at most featureBound below it.
  const boostedPart = scratch.f64(boosted.length);
  for (let j = 0; j < boosted.length; j++) boostedPart[j] = boostedScan[j]! + boosts[j]!;
  // Marked for the rest of the call, so that the scan's rows leave them to the boosted part (counted once).
  for (let j = 0; j < boosted.length; j++) skip[boosted[j]!] = 1;
  try {
    // Lower bounds of distinct items' final scores (features are never negative): the scan's best that no boost
    // names, with their features, and the boosted items without theirs. There are at least `want` of them when
    // the scan found `want`: each boosted row among its best has its own bound in the second part.
    const seeds = scratch.f64(scan.indices.length + boosted.length);
    const seeded = scratch.u32(scan.indices.length);
    let n = 0;
    for (let j = 0; j < scan.indices.length; j++) {
      const i = scan.indices[j]!;
      if (skip[i] === 0) (seeded[n] = i), (seeds[n++] = scan.scores[j]!);
    }
    scorer.addFeatures(seeded, seeds, 0, n);
    seeds.set(boostedPart, n);
    n += boosted.length;
    const floor = n < want ? -Infinity : kthLargest(seeds, n, want) - scorer.featureBound - SLACK;
    const near = scan.above(floor);

    // Final scores, summed as scan + features (+ boost), the order a dense ranking adds them in.
    const pool = scratch.u32(near.indices.length + boosted.length);
    const final = scratch.f64(pool.length);
    let size = 0;
    for (let j = 0; j < near.indices.length; j++) {
      const i = near.indices[j]!;
      if (skip[i] !== 0) continue;
      pool[size] = i;
      final[size++] = near.scores[j]!;
    }
    const scanned = size;
    const boostOfPool = scratch.f64(boosted.length);
    for (let j = 0; j < boosted.length; j++) {
      if (boostedPart[j]! < floor) continue;
      boostOfPool[size - scanned] = boosts[j]!;
      pool[size] = boosted[j]!;
      final[size++] = boostedScan[j]!;
    }
    scorer.addFeatures(pool, final, 0, size);
    for (let j = scanned; j < size; j++) final[j]! += boostOfPool[j - scanned]!;
    // The pool's best by final score; ties go to the lower item index, as in a dense ranking.
    const order = topK(final.subarray(0, size), want, undefined, pool);
    const indices = new Uint32Array(order.length);
    const scores = new Float32Array(order.length);
    for (let j = 0; j < order.length; j++) (indices[j] = pool[order[j]!]!), (scores[j] = final[order[j]!]!);
    return { indices, scores };
  } finally {
    for (let j = 0; j < boosted.length; j++) skip[boosted[j]!] = 0;
  }
}

/** The boosted items not skipped and their boosts (in the boosts' order: the pool's ties go by index anyway). */
function boostedRows(scorer: Scorer, skip: Uint8Array): { boosted: Uint32Array; boosts: Float64Array } {
  const { indices, values } = scorer.boosts;
  const boosted = scratch.u32(indices.length);
  const boosts = scratch.f64(indices.length);
  let n = 0;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if (skip[i] === 0) (boosted[n] = i), (boosts[n++] = values[j]!);
  }
  return { boosted: boosted.subarray(0, n), boosts: boosts.subarray(0, n) };
}

/** The k-th largest (1-based) of the first n values: a k-sized min-heap, not a sort of all n. */
function kthLargest(values: Float64Array, n: number, k: number): number {
  const heap = scratch.f64(k);
  let size = 0;
  for (let j = 0; j < n; j++) {
    const v = values[j]!;
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heap[p]! <= v) break;
        heap[c] = heap[p]!;
        c = p;
      }
      heap[c] = v;
    } else if (v > heap[0]!) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= k) break;
        const m = l + 1 < k && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[m]! >= v) break;
        heap[c] = heap[m]!;
        c = m;
      }
      heap[c] = v;
    }
  }
  return heap[0]!;
}
