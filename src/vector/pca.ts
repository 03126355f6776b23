import { PROJECT_WASM } from './project-wasm.generated';

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

export interface PcaOptions {
  /**
   * Subtract the mean first (textbook PCA). Off, the components are those of the second moment E[xxᵀ] and the
   * mean is zero: the rank-`dim` map that best keeps dot products between the rows, which is what a vector
   * search ranks by (centring changes every query's ranking, even at full rank).
   * @defaultValue true
   */
  center?: boolean;
}

/** A fitted PCA and the variance along each kept component (largest first). */
export interface PcaFit extends Projection {
  readonly variances: Float64Array;
  /** Kept variance ÷ total variance, in [0, 1]. */
  readonly explained: number;
}

/** Tridiagonal QR gives up after this many steps per eigenvalue (two or three are usual). */
const MAX_STEPS_PER_VALUE = 60;

/**
 * Principal components of `rows` (`count × sourceDim`, row-major): the covariance in f64, then every eigenpair
 * (Householder reduction to tridiagonal form, then implicit QR steps with Wilkinson shifts). No random start, so
 * the same input gives the same bits on every run, and the components come out orthonormal to rounding; at 512
 * dims it takes about a second, where cyclic Jacobi took a minute. Each component's sign is fixed (its
 * largest-magnitude entry positive) so that refits never flip axes.
 */
export function fitPca(rows: Float32Array, sourceDim: number, dim: number, { center = true }: PcaOptions = {}): PcaFit {
  const d = sourceDim;
  if (!Number.isInteger(d) || d <= 0 || rows.length % d !== 0) throw new RangeError(`pca: ${rows.length} values are not rows of ${d}`);
  if (!Number.isInteger(dim) || dim <= 0 || dim > d) throw new RangeError(`pca: cannot keep ${dim} of ${d} dimensions`);
  const count = rows.length / d;
  if (count < 2) throw new RangeError(`pca: needs at least 2 rows, got ${count}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < count; r++) for (let i = 0; i < d; i++) mean[i]! += rows[r * d + i]!;
  for (let i = 0; i < d; i++) mean[i] = center ? mean[i]! / count : 0;

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
  const norm = center ? count - 1 : count;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j * d + i] = cov[i * d + j]! /= norm;

  let total = 0;
  for (let i = 0; i < d; i++) total += Math.max(0, cov[i * d + i]!);
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const components = new Float32Array(dim * d);
  const variances = new Float64Array(dim);
  let kept = 0;
  for (let k = 0; k < dim; k++) {
    const col = order[k]!;
    let big = 0;
    for (let i = 0; i < d; i++) if (Math.abs(vectors[col * d + i]!) > Math.abs(big)) big = vectors[col * d + i]!;
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < d; i++) components[k * d + i] = sign * vectors[col * d + i]!;
    variances[k] = Math.max(0, values[col]!);
    kept += variances[k]!;
  }
  return { sourceDim: d, dim, mean: Float32Array.from(mean), components, variances, explained: total > 0 ? kept / total : 1 };
}

/**
 * Eigenpairs of the symmetric d × d matrix `a` (destroyed): eigenvalues in `values`, eigenvector i as row i of
 * `vectors` (rows, so that every rotation below updates two contiguous rows).
 */
function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const qt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) qt[i * d + i] = 1;
  const v = new Float64Array(d);
  const p = new Float64Array(d);
  const u = new Float64Array(d);
  // Householder: H = I − 2vvᵀ zeroes column k below the subdiagonal; A ← HAH = A − 2(vwᵀ + wvᵀ), w = Av − (vᵀAv)v.
  for (let k = 0; k < d - 2; k++) {
    const m = d - k - 1;
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[(k + 1 + i) * d + k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = a[(k + 1) * d + k]!;
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = 0; i < m; i++) v[i] = a[(k + 1 + i) * d + k]!;
    v[0]! -= alpha;
    let vn = 0;
    for (let i = 0; i < m; i++) vn += v[i]! * v[i]!;
    vn = Math.sqrt(vn);
    if (vn === 0) continue;
    for (let i = 0; i < m; i++) v[i]! /= vn;
    let kk = 0;
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * d + k + 1;
      let sum = 0;
      for (let j = 0; j < m; j++) sum += a[row + j]! * v[j]!;
      p[i] = sum;
      kk += v[i]! * sum;
    }
    for (let i = 0; i < m; i++) p[i]! -= kk * v[i]!;
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * d + k + 1;
      const vi = v[i]!;
      const wi = p[i]!;
      for (let j = 0; j < m; j++) a[row + j]! -= 2 * (vi * p[j]! + wi * v[j]!);
    }
    for (let i = 0; i < m; i++) (a[(k + 1 + i) * d + k] = 0), (a[k * d + k + 1 + i] = 0);
    a[(k + 1) * d + k] = alpha;
    a[k * d + k + 1] = alpha;
    // Qᵀ ← H Qᵀ: the same reflection on rows k+1 … d−1 of the accumulated transform.
    u.fill(0);
    for (let i = 0; i < m; i++) {
      const vi = v[i]!;
      const row = (k + 1 + i) * d;
      for (let j = 0; j < d; j++) u[j]! += vi * qt[row + j]!;
    }
    for (let i = 0; i < m; i++) {
      const vi2 = 2 * v[i]!;
      const row = (k + 1 + i) * d;
      for (let j = 0; j < d; j++) qt[row + j]! -= vi2 * u[j]!;
    }
  }
  const diag = new Float64Array(d);
  const off = new Float64Array(Math.max(0, d - 1));
  for (let i = 0; i < d; i++) diag[i] = a[i * d + i]!;
  for (let i = 0; i < d - 1; i++) off[i] = a[(i + 1) * d + i]!;

  // Implicit symmetric QR on the tridiagonal (diag, off): each step chases a bulge down the window [lo, hi] with
  // plane rotations J (row k ← c·row k + s·row k+1, row k+1 ← −s·row k + c·row k+1), T ← J T Jᵀ, Qᵀ ← J Qᵀ.
  const negligible = (i: number) => Math.abs(off[i]!) <= Number.EPSILON * (Math.abs(diag[i]!) + Math.abs(diag[i + 1]!));
  let steps = 0;
  for (let hi = d - 1; hi > 0; ) {
    if (negligible(hi - 1)) {
      off[hi - 1] = 0;
      hi--;
      continue;
    }
    if (++steps > MAX_STEPS_PER_VALUE * d) throw new Error(`pca: the eigenvalues did not converge in ${steps} steps`);
    let lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) lo--;
    // Wilkinson's shift: the eigenvalue of the trailing 2 × 2 block nearer its last diagonal entry.
    const e = off[hi - 1]!;
    const delta = (diag[hi - 1]! - diag[hi]!) / 2;
    const mu = diag[hi]! - (e * e) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, e));
    let x = diag[lo]! - mu;
    let z = off[lo]!;
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : z / r;
      if (k > lo) off[k - 1] = r;
      const ak = diag[k]!;
      const bk = diag[k + 1]!;
      const ek = off[k]!;
      diag[k] = c * c * ak + 2 * c * s * ek + s * s * bk;
      diag[k + 1] = s * s * ak - 2 * c * s * ek + c * c * bk;
      off[k] = c * s * (bk - ak) + (c * c - s * s) * ek;
      if (k < hi - 1) {
        z = s * off[k + 1]!;
        off[k + 1] = c * off[k + 1]!;
        x = off[k]!;
      }
      const r0 = k * d;
      const r1 = (k + 1) * d;
      for (let j = 0; j < d; j++) {
        const q0 = qt[r0 + j]!;
        const q1 = qt[r1 + j]!;
        qt[r0 + j] = c * q0 + s * q1;
        qt[r1 + j] = c * q1 - s * q0;
      }
    }
  }
  return { values: diag, vectors: qt };
}

/** Each projection's components transposed (`sourceDim` rows of `dim`), made once per projection. */
const transposed = new WeakMap<Float32Array, Float64Array>();

/** `components` as `sourceDim` rows of `dim` doubles: input dimension i's weight in every output, side by side. */
function componentsByInput(projection: Projection): Float64Array {
  let t = transposed.get(projection.components);
  if (!t) {
    const { sourceDim: d, dim, components } = projection;
    t = new Float64Array(d * dim);
    for (let k = 0; k < dim; k++) for (let i = 0; i < d; i++) t[i * dim + k] = components[k * d + i]!;
    transposed.set(projection.components, t);
  }
  return t;
}

/** Rows below which the JS loop is used: copying in and out of kernel memory costs more than it saves. */
const KERNEL_MIN_ROWS = 16;
/** Rows per kernel call: bounds the kernel's memory (a few MB at 512 dims) whatever the batch. */
const KERNEL_BATCH = 1024;

/**
 * Projects `count` rows of `sourceDim` into `count` rows of `dim`, each L2-normalised (cosine scores, as the
 * encoders' unit vectors promise). A row that projects onto zero stays zero. Batches run on a WASM SIMD kernel
 * where WebAssembly SIMD is available, else (and with `kernel: 'js'`) on the JS loop: the same bits either way.
 * `kernel: 'wasm-simd'` insists on the kernel (and throws where it is missing).
 */
export function projectRows(
  projection: Projection,
  rows: Float32Array,
  out: Float32Array = new Float32Array((rows.length / projection.sourceDim) * projection.dim),
  options: { kernel?: 'wasm-simd' | 'js' } = {},
): Float32Array {
  if (options.kernel === 'js') return projectRowsJs(projection, rows, out);
  const kernel = options.kernel === 'wasm-simd' || rows.length / projection.sourceDim >= KERNEL_MIN_ROWS ? projectionKernel() : null;
  if (options.kernel === 'wasm-simd' && !kernel) throw new Error('projectRows: the WASM SIMD kernel is not available in this engine (kernel: "wasm-simd")');
  return kernel ? projectWithKernel(kernel, projection, rows, out) : projectRowsJs(projection, rows, out);
}

function projectRowsJs(projection: Projection, rows: Float32Array, out: Float32Array): Float32Array {
  const { sourceDim: d, dim, mean } = projection;
  const byInput = componentsByInput(projection);
  const count = rows.length / d;
  const sums = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    sums.fill(0);
    // Input by input, each adding its share to every output: the same products added in the same order (i
    // ascending) as a dot product per output, so the same bits, but over contiguous memory. Lexical vectors (and
    // int8-rounded ones) are mostly zeros, and a zero input adds nothing: it is skipped.
    for (let i = 0; i < d; i++) {
      const x = rows[r * d + i]! - mean[i]!;
      if (x === 0) continue;
      const base = i * dim;
      for (let k = 0; k < dim; k++) sums[k]! += byInput[base + k]! * x;
    }
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      out[r * dim + k] = sums[k]!;
      norm += sums[k]! * sums[k]!;
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

interface ProjectExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  project(rows: number, count: number, d: number, dim: number, stride: number, mean: number, weights: number, sums: number, out: number): void;
}

/** The slice of the WebAssembly API used here, read off globalThis: the pure core has no DOM types to name it. */
interface SyncWasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

let kernelState: { kernel: ProjectExports | null } | undefined;

/**
 * The projection kernel, compiled once per realm (synchronously: it is a few hundred bytes, under every
 * engine's limit for compiling on the main thread); null where WebAssembly SIMD does not validate or compile.
 */
function projectionKernel(): ProjectExports | null {
  if (!kernelState) {
    const wasm = (globalThis as { WebAssembly?: SyncWasmApi }).WebAssembly;
    let kernel: ProjectExports | null = null;
    try {
      if (wasm?.validate(PROJECT_WASM)) kernel = new wasm.Instance(new wasm.Module(PROJECT_WASM)).exports as ProjectExports;
    } catch {
      // The JS loop gives the same bits: a kernel that will not compile only costs time.
      kernel = null;
    }
    kernelState = { kernel };
  }
  return kernelState.kernel;
}

/** Kernel memory: the weights by input (stride = dim rounded up to even), mean, sums, then one batch in and out. */
function projectWithKernel(kernel: ProjectExports, projection: Projection, rows: Float32Array, out: Float32Array): Float32Array {
  const { sourceDim: d, dim } = projection;
  const stride = dim + (dim & 1);
  const count = rows.length / d;
  const weightsAt = 0;
  const meanAt = weightsAt + d * stride * 8;
  const sumsAt = meanAt + d * 8;
  const rowsAt = sumsAt + stride * 8;
  const batch = Math.min(KERNEL_BATCH, count);
  const outAt = rowsAt + batch * d * 4;
  const end = outAt + batch * dim * 4;
  const have = kernel.memory.buffer.byteLength;
  if (end > have) kernel.memory.grow(Math.ceil((end - have) / 65536));
  const buffer = kernel.memory.buffer;
  const byInput = componentsByInput(projection);
  const weights = new Float64Array(buffer, weightsAt, d * stride);
  if (stride === dim) weights.set(byInput);
  else for (let i = 0; i < d; i++) weights.set(byInput.subarray(i * dim, (i + 1) * dim), i * stride), (weights[i * stride + dim] = 0);
  new Float64Array(buffer, meanAt, d).set(projection.mean);
  const input = new Float32Array(buffer, rowsAt, batch * d);
  const output = new Float32Array(buffer, outAt, batch * dim);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    input.set(rows.subarray(start * d, (start + n) * d));
    kernel.project(rowsAt, n, d, dim, stride, meanAt, weightsAt, sumsAt, outAt);
    out.set(output.subarray(0, n * dim), start * dim);
  }
  return out;
}
