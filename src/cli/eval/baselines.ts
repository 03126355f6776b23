import type { UserSequence } from './datasets';

export interface HistoryClock {
  times: readonly number[];
  now: number;
}

/** A model of the harness: scores every item for one input history (chronological dense indices). */
export interface ScoringModel {
  name: string;
  /**
   * May be async: the sequence model runs on onnxruntime, as in the worker. `clock` (the temporal split) gives the
   * history's event times and the request's now, in ms; models that read only the order ignore it.
   */
  score(history: readonly number[], out: Float64Array, clock?: HistoryClock): void | Promise<void>;
  /**
   * The final top-k list when the model re-ranks beyond its scores (the engine's diversity step); by default the
   * list is the scores' own order.
   */
  topK?(scores: Float64Array, k: number): number[];
}

export function trainPopularity(train: readonly UserSequence[], itemCount: number): Float64Array {
  const pop = new Float64Array(itemCount);
  for (const u of train) for (const i of u.items) pop[i]!++;
  return pop;
}

export function mostPop(pop: Float64Array): ScoringModel {
  return { name: 'MostPop', score: (_history, out) => out.set(pop) };
}

/** Binary co-occurrence in compressed rows: row i lists (j, c_ij) for every j sharing a TRAIN user with i. */
export interface CoOccurrence {
  offsets: Float64Array;
  targets: Int32Array;
  /** Exact: counts are integers far below 2^24. */
  counts: Float32Array;
  userCounts: Float64Array;
}

export function coOccurrence(train: readonly UserSequence[], itemCount: number): CoOccurrence {
  const usersOf: number[][] = Array.from({ length: itemCount }, () => []);
  const sets = train.map((u) => [...new Set(u.items)]);
  sets.forEach((items, u) => items.forEach((i) => usersOf[i]!.push(u)));
  const userCounts = Float64Array.from(usersOf, (us) => us.length);
  const scratch = new Float64Array(itemCount);
  const rows: Array<[Int32Array, Float32Array]> = [];
  let nnz = 0;
  for (let i = 0; i < itemCount; i++) {
    const touched: number[] = [];
    for (const u of usersOf[i]!) {
      for (const j of sets[u]!) {
        if (scratch[j] === 0) touched.push(j);
        scratch[j]!++;
      }
    }
    touched.sort((a, b) => a - b);
    rows.push([Int32Array.from(touched), Float32Array.from(touched, (j) => scratch[j]!)]);
    for (const j of touched) scratch[j] = 0;
    nnz += touched.length;
  }
  return packRows(rows, nnz, userCounts);
}

/** Per-item (targets, counts) rows, `nnz` entries in all, packed into the compressed rows of a `CoOccurrence`. */
export function packRows(rows: ReadonlyArray<readonly [Int32Array, Float32Array]>, nnz: number, userCounts: Float64Array): CoOccurrence {
  const offsets = new Float64Array(rows.length + 1);
  const targets = new Int32Array(nnz);
  const counts = new Float32Array(nnz);
  rows.forEach(([t, c], i) => {
    offsets[i + 1] = offsets[i]! + t.length;
    targets.set(t, offsets[i]!);
    counts.set(c, offsets[i]!);
  });
  return { offsets, targets, counts, userCounts };
}

/** The protocol's ItemKNN: s_j = Σ_p w_p · c(h_p, j) / √(n_{h_p} n_j), with w_p = 2^(−(L−1−p)/H). */
export function itemKnn(co: CoOccurrence, halfLife: number, name = 'ItemKNN'): ScoringModel {
  return {
    name,
    score(history, out) {
      out.fill(0);
      const L = history.length;
      for (let p = 0; p < L; p++) {
        const h = history[p]!;
        const nh = co.userCounts[h]!;
        if (nh === 0) continue;
        const w = halfLife === Infinity ? 1 : Math.pow(2, -(L - 1 - p) / halfLife);
        for (let e = co.offsets[h]!; e < co.offsets[h + 1]!; e++) {
          const j = co.targets[e]!;
          out[j]! += (w * co.counts[e]!) / Math.sqrt(nh * co.userCounts[j]!);
        }
      }
    },
  };
}

export const HALF_LIFE_GRID = [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, Infinity] as const;
