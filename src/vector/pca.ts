/**
 * A linear projection of vectors to fewer dimensions: `y = normalise(components · (x − mean))`. The build fits it
 * (principal components of the catalogue's vectors) and ships it with the catalogue; the worker applies the same
 * projection to every encoder output, so queries and items live in one, smaller space.
 */
export interface Projection {
  readonly sourceDim: number;
  readonly dim: number;
  /** Length `sourceDim`. */
  readonly mean: Float32Array;
  /** `dim` rows of `sourceDim` values, row-major; the rows are orthonormal. */
  readonly components: Float32Array;
}

/** A fitted PCA and the variance along each kept component (largest first). */
export interface PcaFit extends Projection {
  readonly variances: Float64Array;
  /** Kept variance ÷ total variance, in [0, 1]. */
  readonly explained: number;
}

/** Jacobi sweeps stop once the off-diagonal mass falls below this fraction of the matrix's. */
const CONVERGED = 1e-24;
const MAX_SWEEPS = 60;

/**
 * Principal components of `rows` (`count × sourceDim`, row-major): the covariance in f64, then every eigenpair by
 * cyclic Jacobi rotations. Jacobi is O(d³) per sweep but has no random start and no deflation, so the result is
 * the same bits for the same input on every platform run, and the components come out orthonormal to rounding.
 * Each component's sign is fixed (its largest-magnitude entry positive) so that refits never flip axes.
 */
export function fitPca(rows: Float32Array, sourceDim: number, dim: number): PcaFit {
  const d = sourceDim;
  if (!Number.isInteger(d) || d <= 0 || rows.length % d !== 0) throw new RangeError(`pca: ${rows.length} values are not rows of ${d}`);
  if (!Number.isInteger(dim) || dim <= 0 || dim > d) throw new RangeError(`pca: cannot keep ${dim} of ${d} dimensions`);
  const count = rows.length / d;
  if (count < 2) throw new RangeError(`pca: needs at least 2 rows, got ${count}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < count; r++) for (let i = 0; i < d; i++) mean[i]! += rows[r * d + i]!;
  for (let i = 0; i < d; i++) mean[i]! /= count;

  // Upper triangle of Σ (x − m)(x − m)ᵀ, then mirrored: half the multiply-adds of the full product.
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < d; i++) x[i] = rows[r * d + i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const base = i * d;
      for (let j = i; j < d; j++) cov[base + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j * d + i] = cov[i * d + j]! /= count - 1;

  const vectors = jacobiEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => cov[b * d + b]! - cov[a * d + a]! || a - b);
  const components = new Float32Array(dim * d);
  const variances = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < d; i++) total += Math.max(0, cov[i * d + i]!);
  let kept = 0;
  for (let k = 0; k < dim; k++) {
    const col = order[k]!;
    let big = 0;
    for (let i = 0; i < d; i++) if (Math.abs(vectors[i * d + col]!) > Math.abs(big)) big = vectors[i * d + col]!;
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < d; i++) components[k * d + i] = sign * vectors[i * d + col]!;
    variances[k] = Math.max(0, cov[col * d + col]!);
    kept += variances[k]!;
  }
  return { sourceDim: d, dim, mean: Float32Array.from(mean), components, variances, explained: total > 0 ? kept / total : 1 };
}

/**
 * Diagonalises the symmetric `a` (d × d, overwritten: its diagonal ends as the eigenvalues) and returns the
 * eigenvectors as the columns of a d × d matrix. A rotation in the (p, q) plane zeroes a[p][q]; sweeping every
 * pair repeatedly drives the off-diagonal mass to zero (quadratically once it is small).
 */
function jacobiEigen(a: Float64Array, d: number): Float64Array {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let norm = 0;
  for (let i = 0; i < d * d; i++) norm += a[i]! * a[i]!;
  if (norm === 0) return v;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! * a[p * d + q]!;
    if (off <= CONVERGED * norm) break;
    // Pairs far below the sweep's average contribute nothing this sweep; skipping them halves late sweeps.
    const skip = (off / ((d * (d - 1)) / 2)) * 1e-6;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq * apq <= skip || apq === 0) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        // tan θ as the smaller root of t² + 2τt − 1 = 0: the rotation angle stays within ±45°, which is stable.
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          if (k === p || k === q) continue;
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          const np = c * akp - s * akq;
          const nq = s * akp + c * akq;
          a[k * d + p] = np;
          a[p * d + k] = np;
          a[k * d + q] = nq;
          a[q * d + k] = nq;
        }
        a[p * d + p] = app - t * apq;
        a[q * d + q] = aqq + t * apq;
        a[p * d + q] = 0;
        a[q * d + p] = 0;
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return v;
}

/**
 * Projects `count` rows of `sourceDim` into `count` rows of `dim`, each L2-normalised (cosine scores, as the
 * encoders' unit vectors promise). A row that projects onto zero stays zero.
 */
export function projectRows(projection: Projection, rows: Float32Array, out: Float32Array = new Float32Array((rows.length / projection.sourceDim) * projection.dim)): Float32Array {
  const { sourceDim: d, dim, mean, components } = projection;
  const count = rows.length / d;
  const x = new Float64Array(d);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < d; i++) x[i] = rows[r * d + i]! - mean[i]!;
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const base = k * d;
      let sum = 0;
      for (let i = 0; i < d; i++) sum += components[base + i]! * x[i]!;
      out[r * dim + k] = sum;
      norm += sum * sum;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < dim; k++) out[r * dim + k]! *= inv;
    }
  }
  return out;
}

/**
 * `size` distinct row indices out of `count`, in increasing order, the same for the same seed: the rows a PCA is
 * fitted on when the catalogue is too large to fit on all of it (a partial Fisher–Yates shuffle, xorshift32).
 */
export function sampleRows(count: number, size: number, seed: number): Uint32Array {
  if (size >= count) return Uint32Array.from({ length: count }, (_, i) => i);
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  // Only the swapped positions are remembered: a million-item catalogue never needs a million-entry permutation.
  const swapped = new Map<number, number>();
  const out = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const j = i + (next() % (count - i));
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    out[i] = vj;
    swapped.set(j, vi);
  }
  return out.sort();
}
