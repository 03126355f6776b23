/**
 * int8 rows with one float scale per row: value = int8 * scale. Quarter the bytes of f32 for a catalogue that
 * the browser downloads; the dot products of unit vectors lose well under 1% to the rounding.
 */
export interface Int8Rows {
  readonly dim: number;
  /** One per row. */
  readonly scales: Float32Array;
  /** count × dim, row-major. */
  readonly values: Int8Array;
}

/** One term of a fused scan: `weight · g(row · vector)`, g = identity, or max(0, ·) when `positiveOnly`. */
export interface ScanQuery {
  /** Length = the rows' dim; finite values. Quantized to int8 per query before the scan (see `quantizeQuery`). */
  readonly vector: Float32Array;
  /** Finite; negative for a "less like this" vector. */
  readonly weight: number;
  /** Only max(0, d) counts: a vector that should pull related items up without pushing unrelated ones down. */
  readonly positiveOnly?: boolean;
}

export interface TopKResult {
  /** Row indices, best first, ties to the lower index. */
  readonly indices: Uint32Array;
  /** Their fused scores, all finite. */
  readonly scores: Float32Array;
}

/** Rows with their fused scores, in increasing row order. */
export interface ScoredRows {
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/** A top-k scan that also kept every row's score, for a second selection without a second pass over the matrix. */
export interface KernelScan extends TopKResult {
  /**
   * Every row not skipped whose score is finite and at least `floor`, as the scan scored it. The scores live in
   * the kernel's scratch memory: this answers only until the kernel's next call, and throws `invalid-option` after.
   */
  above(floor: number): ScoredRows;
  /**
   * The kept score of each row of `indices` (NaN for a skipped row), into `out[j]` for `indices[j]`: what score()
   * gives those rows, read back instead of scanned again. Same lifetime as above().
   */
  scoresOf(indices: ArrayLike<number>, out?: Float32Array): Float32Array;
}

export const KERNEL_KINDS = Object.freeze(['wasm-simd', 'js'] as const);
export type KernelKind = (typeof KERNEL_KINDS)[number];

/**
 * The scans the ranking runs over an int8 catalogue. Both implementations compute bit-identical f32 results (NaN
 * payloads aside): the integer dot products are exact and the float steps happen in the same order with f32
 * rounding, so a WASM result can be checked against the JS one for equality.
 */
export interface VectorKernel {
  readonly kind: KernelKind;
  /** Why WASM SIMD is not in use although it was wanted; absent for 'wasm-simd' and for an explicit `prefer: 'js'`. */
  readonly fallbackReason?: string;
  /**
   * A matrix this kernel scans without copying (for WASM: views into its memory, still valid after later
   * allocations). The loader decodes straight into it, so a 1 M × 256 catalogue exists once. Keep the rows object,
   * not its `values` or `scales`: for WASM those are getters that re-create the views after the memory grows, and a
   * view taken before a growth is detached (length 0).
   */
  allocate(count: number, dim: number): Int8Rows;
  /**
   * out[i] = Σ_q weight_q · g_q(row_i · q_q) (+ bias[i]); fills and returns `out` (length count). The bias is a
   * per-row term added in the same pass (popularity, trend, …), so a scan ranks by more than similarity.
   */
  score(rows: Int8Rows, queries: readonly ScanQuery[], out?: Float32Array, bias?: Float32Array): Float32Array;
  /**
   * The k best rows by the fused score in one pass (the selection runs inside the kernel), best first, ties to the
   * lower index; rows with skip[i] !== 0 are left out; non-finite scores are never returned. `bias` as in score().
   */
  topK(rows: Int8Rows, queries: readonly ScanQuery[], k: number, skip?: Uint8Array, bias?: Float32Array): TopKResult;
  /**
   * topK() that keeps every row's score, so a caller that learns a threshold from the best k (the candidate
   * stage's bound) selects every row above it with a pass over 4 bytes a row instead of a second matrix scan.
   */
  scan(rows: Int8Rows, queries: readonly ScanQuery[], k: number, skip?: Uint8Array, bias?: Float32Array): KernelScan;
  /**
   * The fused score (+ bias) of the rows `indices` only, into `out[j]` for `indices[j]`: bit-identical to what
   * score() gives those rows, for candidates found by other means than a scan.
   */
  scoreRows(rows: Int8Rows, queries: readonly ScanQuery[], indices: ArrayLike<number>, out?: Float32Array, bias?: Float32Array): Float32Array;
  /** Pairwise similarities among a few rows (MMR, attention): out[i * b.length + j] = row a[i] · row b[j]. */
  dots(rows: Int8Rows, a: ArrayLike<number>, b: ArrayLike<number>, out?: Float32Array): Float32Array;
  /**
   * Gives the memory of rows from allocate() back to later allocations (a replaced catalogue's matrix), so that
   * swapping catalogues reuses memory instead of growing it each time. The rows must not be used afterwards: the
   * kernel rejects them. Rows it did not allocate, or already released, are ignored.
   */
  release(rows: Int8Rows): void;
}

export interface LoadVectorKernelOptions {
  /**
   * 'js' forces the plain-JS kernel (tests, debugging); 'wasm-simd' uses WASM SIMD where it validates, else JS.
   * @defaultValue 'wasm-simd'
   */
  readonly prefer?: KernelKind;
}
