/**
 * Indices of the k largest scores, best first, skipping entries where `skip(i)` is true or the score is not
 * finite. Equal scores go to the lower `tieBreak[i]` (by default the lower index i), so a caller scoring a pool
 * in any order still breaks ties by item. A bounded min-heap keeps this O(n log k).
 */
export function topK(scores: ArrayLike<number>, k: number, skip?: (index: number) => boolean, tieBreak?: ArrayLike<number>): number[] {
  if (k <= 0) return [];
  const heap: number[] = [];
  const tieOf = tieBreak ? (i: number) => tieBreak[i]! : (i: number) => i;
  const less = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && tieOf(a) > tieOf(b));
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s) || skip?.(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!less(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
    } else if (less(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
}
