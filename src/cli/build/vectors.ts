import { fitPca, projectRows, sampleRows, type PcaFit } from '../../vector';

/** `--vectors`: `auto` picks by catalogue size; `full` ships the encoder's vectors; `pca-<d>` a PCA to d dims. */
export type VectorsChoice = 'auto' | 'full' | `pca-${number}`;

/** What the build does with the encoder's vectors. */
export type VectorsPlan = { method: 'full' } | { method: 'pca'; dim: number };

/**
 * `auto`, by item count: full vectors below 100 k items (the bytes are small and nothing is lost), a PCA to 256
 * dims up to 500 k, to 128 above. At 1 M items × 512 dims the int8 rows are 516 MB, which no phone's tab holds
 * beside everything else; 128 dims are 132 MB. What each step costs in ranking and search quality is measured by
 * `bench/vector-quality.mjs` (README, "Vector size").
 */
export const AUTO_VECTORS: ReadonlyArray<{ below: number; plan: VectorsPlan }> = Object.freeze([
  { below: 100_000, plan: { method: 'full' } },
  { below: 500_000, plan: { method: 'pca', dim: 256 } },
  { below: Infinity, plan: { method: 'pca', dim: 128 } },
]);

/** The PCA is fitted on at most this many rows (a seeded sample): about 20 per dimension at 512 dims is plenty. */
export const PCA_FIT_ROWS = 10_000;
/** Seed of that sample: the same catalogue always gets the same projection. */
export const PCA_SEED = 0x5eed;

/** Parses the text of `--vectors` (or an eval's `vectors` setting); null when it is none of the valid forms. */
export function parseVectorsChoice(text: unknown): VectorsChoice | null {
  if (text === 'auto' || text === 'full') return text;
  if (typeof text !== 'string') return null;
  const m = /^pca-([1-9][0-9]*)$/.exec(text);
  return m ? (text as VectorsChoice) : null;
}

/**
 * The plan for `count` items from an encoder of `sourceDim` dims. A PCA to as many dims as the encoder has (or
 * more) would shrink nothing, so `auto` ships full vectors there and an explicit `pca-<d>` is an error.
 */
export function chooseVectors(choice: VectorsChoice, count: number, sourceDim: number): VectorsPlan {
  if (choice === 'full') return { method: 'full' };
  if (choice === 'auto') {
    const plan = AUTO_VECTORS.find((a) => count < a.below)!.plan;
    return plan.method === 'pca' && (plan.dim >= sourceDim || plan.dim >= count) ? { method: 'full' } : plan;
  }
  const dim = Number(choice.slice(4));
  if (dim >= sourceDim) throw new RangeError(`--vectors ${choice} keeps ${dim} dims, but the encoder has ${sourceDim}: pick fewer than ${sourceDim}, or --vectors full`);
  if (dim >= count) throw new RangeError(`--vectors ${choice} keeps ${dim} dims, but the catalogue has ${count} items: a PCA finds at most ${Math.max(1, count - 1)} directions; pick fewer, or --vectors full`);
  return { method: 'pca', dim };
}

/**
 * Fits the projection on a seeded sample of the rows: `rowAt(i, out)` writes row i (sourceDim floats) into `out`.
 * The build reads rows back from its int8 file; the evaluation hands its float rows; both fit the same way.
 */
export function fitProjection(count: number, sourceDim: number, dim: number, rowAt: (i: number, out: Float32Array) => void): PcaFit {
  const picked = sampleRows(count, PCA_FIT_ROWS, PCA_SEED);
  const sample = new Float32Array(picked.length * sourceDim);
  picked.forEach((i, k) => rowAt(i, sample.subarray(k * sourceDim, (k + 1) * sourceDim)));
  // Uncentred: the projection keeps dot products (what search and the taste scores rank by) as well as `dim` dims
  // can; a centred PCA kept search's top 10 at 0.43 overlap with full vectors on MovieLens even at 256 dims.
  return fitPca(sample, sourceDim, dim, { center: false });
}

/** The evaluation's path: float rows in, projected unit rows (and the fit) out. */
export function shrinkVectors(rows: Float32Array, sourceDim: number, plan: VectorsPlan): { rows: Float32Array; dim: number; fit: PcaFit | null } {
  if (plan.method === 'full') return { rows, dim: sourceDim, fit: null };
  const fit = fitProjection(rows.length / sourceDim, sourceDim, plan.dim, (i, out) => out.set(rows.subarray(i * sourceDim, (i + 1) * sourceDim)));
  return { rows: projectRows(fit, rows), dim: plan.dim, fit };
}
