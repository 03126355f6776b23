/**
 * The protocol's tie-averaged rank: 1 + #{s_j > s_t} + ½·#{j ≠ t : s_j = s_t}. Items scored -Infinity (the
 * excluded history) never count, because the target's score is always finite.
 */
export function tieAveragedRank(scores: ArrayLike<number>, target: number): number {
  const st = scores[target]!;
  let greater = 0;
  let equal = 0;
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j]!;
    if (s > st) greater++;
    else if (s === st && j !== target) equal++;
  }
  return 1 + greater + 0.5 * equal;
}

/** Rank of the target among candidates (the sampled protocol), by the same rule. */
export function candidateRank(scores: ArrayLike<number>, target: number, negatives: readonly number[]): number {
  const st = scores[target]!;
  let rank = 1;
  for (const j of negatives) {
    if (scores[j]! > st) rank++;
    else if (scores[j] === st) rank += 0.5;
  }
  return rank;
}

/** Top-k after exclusion: score descending, ties by index ascending. */
export function topList(scores: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  for (let j = 0; j < scores.length; j++) {
    if (scores[j] === -Infinity) continue;
    if (out.length < k) {
      out.push(j);
      out.sort((a, b) => (better(a, b) ? -1 : 1));
    } else if (better(j, out[k - 1]!)) {
      out[k - 1] = j;
      out.sort((a, b) => (better(a, b) ? -1 : 1));
    }
  }
  return out;
}

export interface RankMetrics {
  'HR@10': number;
  'NDCG@10': number;
  'NDCG@10_se': number;
  'MRR@10': number;
}

export function summarize(ranks: readonly number[]): RankMetrics {
  const n = ranks.length;
  const ndcg = ranks.map((r) => (r <= 10 ? 1 / Math.log2(r + 1) : 0));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / n;
  const m = mean(ndcg);
  const variance = ndcg.reduce((a, x) => a + (x - m) ** 2, 0) / n;
  return {
    'HR@10': mean(ranks.map((r) => (r <= 10 ? 1 : 0))),
    'NDCG@10': m,
    'NDCG@10_se': Math.sqrt(variance / n),
    'MRR@10': mean(ranks.map((r) => (r <= 10 ? 1 / r : 0))),
  };
}

/** Mean pairwise Jaccard distance of genre sets within each list, averaged over lists. */
export function intraListDiversity(lists: readonly number[][], genres: readonly string[][]): number {
  const sets = genres.map((g) => new Set(g));
  let total = 0;
  for (const list of lists) {
    let sum = 0;
    let pairs = 0;
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const A = sets[list[a]!]!;
        const B = sets[list[b]!]!;
        let inter = 0;
        for (const g of A) if (B.has(g)) inter++;
        sum += 1 - inter / (A.size + B.size - inter);
        pairs++;
      }
    }
    total += pairs ? sum / pairs : 0;
  }
  return lists.length ? total / lists.length : 0;
}

export function coverage(lists: readonly number[][], itemCount: number): number {
  return new Set(lists.flat()).size / itemCount;
}
