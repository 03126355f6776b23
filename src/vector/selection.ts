import type { TopKResult } from './types';

/**
 * A bounded min-heap of (score, row) kept as two typed arrays, the same layout the WASM kernel fills. The root is
 * the worst kept row: lowest score, and among equal scores the higher index, so ties resolve to the lower index.
 * Rows arrive in increasing index order, so a newcomer enters only with a strictly higher score than the root.
 */
export interface Selection {
  readonly rows: Uint32Array;
  readonly scores: Float32Array;
  size: number;
}

export function createSelection(k: number): Selection {
  return { rows: new Uint32Array(k), scores: new Float32Array(k), size: 0 };
}

/** Offers row `row` (larger than every row offered before) with a finite score. */
export function offer(heap: Selection, row: number, score: number): void {
  const { rows, scores } = heap;
  if (heap.size < rows.length) {
    // The newcomer has the highest index so far: it sits below any parent whose score it does not beat.
    let c = heap.size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (score > scores[p]!) break;
      rows[c] = rows[p]!;
      scores[c] = scores[p]!;
      c = p;
    }
    rows[c] = row;
    scores[c] = score;
    return;
  }
  if (!(score > scores[0]!)) return;
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= heap.size) break;
    const r = l + 1;
    const m = r < heap.size && worse(scores[r]!, rows[r]!, scores[l]!, rows[l]!) ? r : l;
    if (!(scores[m]! < score)) break;
    rows[c] = rows[m]!;
    scores[c] = scores[m]!;
    c = m;
  }
  rows[c] = row;
  scores[c] = score;
}

function worse(sa: number, ra: number, sb: number, rb: number): boolean {
  return sa < sb || (sa === sb && ra > rb);
}

/** The kept rows best first (k log k over the few kept, never over all scores). */
export function finishSelection(rows: Uint32Array, scores: Float32Array, size: number): TopKResult {
  // Plain loops: typed-array `from` with a map function takes V8's slow generic path, on every scan.
  const order = new Array<number>(size);
  for (let i = 0; i < size; i++) order[i] = i;
  order.sort((a, b) => (worse(scores[a]!, rows[a]!, scores[b]!, rows[b]!) ? 1 : worse(scores[b]!, rows[b]!, scores[a]!, rows[a]!) ? -1 : 0));
  const indices = new Uint32Array(size);
  const sorted = new Float32Array(size);
  for (let j = 0; j < size; j++) (indices[j] = rows[order[j]!]!), (sorted[j] = scores[order[j]!]!);
  return { indices, scores: sorted };
}
