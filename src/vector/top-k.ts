/**
 * Indices of the k largest scores, best first, skipping entries where `skip(i)` is true or the score is not
 * finite. Equal scores go to the lower `tieBreak[i]` (by default the lower index i), so a caller scoring a pool
 * in any order still breaks ties by item. A bounded min-heap of positions in one typed array keeps this O(n log k)
 * without an allocation per entry: the candidate stage runs it on every request.
 */
export function topK(scores: ArrayLike<number>, k: number, skip?: (index: number) => boolean, tieBreak?: ArrayLike<number>): number[] {
  if (k <= 0) return [];
  const heap = new Uint32Array(Math.min(k, scores.length));
  // Is entry a worse than entry b: a lower score, or an equal one on a higher tie-break.
  const worse = tieBreak
    ? (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && tieBreak[a]! > tieBreak[b]!)
    : (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!) || skip?.(i)) continue;
    let c: number;
    if (size < heap.length) {
      // Sift the new entry up from the end.
      c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(i, heap[p]!)) break;
        heap[c] = heap[p]!;
        c = p;
      }
    } else {
      if (!worse(heap[0]!, i)) continue;
      // Replace the worst kept entry and sift down.
      c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const m = l + 1 < size && worse(heap[l + 1]!, heap[l]!) ? l + 1 : l;
        if (!worse(heap[m]!, i)) break;
        heap[c] = heap[m]!;
        c = m;
      }
    }
    heap[c] = i;
  }
  return Array.from(heap.subarray(0, size)).sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
