import { PocketRecError } from '../errors';
import { createJsKernel, keptScores } from './js-kernel';
import { KERNEL_WASM } from './kernel-wasm.generated';
import { checkFloor, checkIndices, checkK, checkLength, checkQueries, checkRows, checkShape, invalid, paddedDim, quantizeQuery } from './query';
import { finishSelection } from './selection';
import { KERNEL_KINDS, type Int8Rows, type LoadVectorKernelOptions, type ScanQuery, type TopKResult, type VectorKernel } from './types';

/** The slice of the WebAssembly API used here, read off globalThis: the pure core has no DOM types to name it. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports?: object): Promise<{ exports: object }>;
}

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  score(rows: number, scales: number, count: number, dim: number, nq: number, meta: number, qv: number, bias: number, out: number): void;
  topk(
    rows: number,
    scales: number,
    count: number,
    dim: number,
    nq: number,
    meta: number,
    qv: number,
    bias: number,
    k: number,
    skip: number,
    heapRows: number,
    heapScores: number,
    all: number,
  ): number;
  above(all: number, count: number, floor: number, idx: number, out: number): number;
  score_rows(rows: number, scales: number, dim: number, nq: number, meta: number, qv: number, bias: number, idx: number, n: number, out: number): void;
  dots(rows: number, scales: number, dim: number, a: number, na: number, b: number, nb: number, tmp: number, out: number): void;
}

/** Where a matrix from allocate() lives in kernel memory. */
interface Block {
  readonly count: number;
  readonly dim: number;
  readonly values: number;
  readonly scales: number;
}

const PAGE = 65536;
/** Bytes of a query's metadata in kernel memory: f32 scale, f32 weight, i32 positiveOnly. */
const META = 12;
const align = (n: number) => (n + 15) & ~15;

/**
 * The WASM SIMD kernel over one WebAssembly.Memory. Matrices come from a bump allocator whose released ranges are
 * reused first fit (a live catalogue swap releases the old matrices once nothing ranks on them; WebAssembly memory
 * never shrinks, so the peak is what stays reserved: about two catalogues' rows); per-call scratch (queries, skip mask, heap, output) sits
 * above the last matrix and is reused. Memory grows on demand, which detaches the old ArrayBuffer, so the rows
 * handed out are getters that re-create their views after a growth instead of sizing memory up front (the final
 * catalogue size is not known when the first part decodes).
 */
function createWasmKernel(exports: KernelExports): VectorKernel {
  const { memory } = exports;
  const blocks = new WeakMap<Int8Rows, Block>();
  // Address 0 stays unused so that 0 can mean "no skip mask".
  let top = 16;
  // Released matrices' ranges [start, end), sorted and merged; a range that reaches `top` lowers it instead.
  let free: Array<{ start: number; end: number }> = [];
  /** First fit among released ranges, else above the last matrix. */
  const place = (count: number, dim: number): number => {
    const size = align(count * dim + 16) + count * 4;
    const i = free.findIndex((r) => r.end - r.start >= size);
    if (i < 0) return align(top);
    const range = free[i]!;
    const start = range.start;
    const rest = align(start + size);
    if (rest < range.end) free[i] = { start: rest, end: range.end };
    else free.splice(i, 1);
    return start;
  };
  // Counts the calls that write scratch memory, so a scan's kept scores are known to be still there.
  let calls = 0;

  const reserve = (end: number) => {
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    try {
      memory.grow(Math.ceil((end - have) / PAGE));
    } catch (cause) {
      throw new PocketRecError(
        'invalid-option',
        `vector: the kernel's memory cannot grow to ${end} bytes (WebAssembly memory is at most 4 GiB, and the tab may have less). Shrink the catalogue's vectors (fewer dims or rows).`,
        { details: { bytes: end }, cause },
      );
    }
  };

  const blockOf = (rows: Int8Rows, where: string): Block => {
    const block = blocks.get(rows);
    if (!block) {
      throw invalid(
        `these rows were not allocated by this WASM kernel (${where}). Allocate them with kernel.allocate(count, dim) and decode into them, so the matrix is never copied.`,
        { where },
      );
    }
    return block;
  };

  /** Writes the quantized queries at `at`; returns [meta, qv, end]. */
  const writeQueries = (queries: readonly ScanQuery[], dim: number, at: number): [number, number, number] => {
    const stride = paddedDim(dim);
    const meta = align(at);
    const qv = align(meta + queries.length * META);
    const end = qv + queries.length * stride * 2;
    reserve(end);
    const floats = new Float32Array(memory.buffer, meta, queries.length * 3);
    const ints = new Int32Array(memory.buffer, meta, queries.length * 3);
    const lanes = new Int16Array(memory.buffer, qv, queries.length * stride);
    lanes.fill(0);
    queries.forEach((query, q) => {
      floats[q * 3] = quantizeQuery(query.vector, lanes.subarray(q * stride, (q + 1) * stride));
      floats[q * 3 + 1] = query.weight;
      ints[q * 3 + 2] = query.positiveOnly ? 1 : 0;
    });
    return [meta, qv, end];
  };

  /**
   * Copies a per-row bias into scratch at `at`; returns [address (0 = none), end]. A copy per call (4 bytes a row,
   * a fraction of the scan's own reads) keeps callers free of kernel-owned views that a memory growth detaches.
   */
  const writeBias = (bias: Float32Array | undefined, at: number): [number, number] => {
    if (!bias) return [0, at];
    const start = align(at);
    reserve(start + bias.length * 4);
    new Float32Array(memory.buffer, start, bias.length).set(bias);
    return [start, start + bias.length * 4];
  };

  /** topK; with `keep`, every row's score stays in scratch at the returned address (0 without). */
  const select = (rows: Int8Rows, queries: readonly ScanQuery[], k: number, skip: Uint8Array | undefined, bias: Float32Array | undefined, keep: boolean, where: string): [TopKResult, Block, number] => {
    const block = blockOf(rows, where);
    checkRows(rows, where);
    checkQueries(queries, block.dim, where);
    checkK(k, where);
    if (skip) checkLength('skip', skip.length, block.count, where);
    if (bias) checkLength('bias', bias.length, block.count, where);
    calls++;
    const kept = Math.min(k, block.count);
    const [meta, qv, queriesEnd] = writeQueries(queries, block.dim, top);
    const [biasAt, end] = writeBias(bias, queriesEnd);
    const mask = skip ? align(end) : 0;
    const heapRows = align(skip ? mask + block.count : end);
    const heapScores = heapRows + kept * 4;
    const all = keep ? align(heapScores + kept * 4) : 0;
    reserve(keep ? all + block.count * 4 : heapScores + kept * 4);
    if (skip) new Uint8Array(memory.buffer, mask, block.count).set(skip);
    const size = exports.topk(block.values, block.scales, block.count, block.dim, queries.length, meta, qv, biasAt, kept, mask, heapRows, heapScores, all);
    return [finishSelection(new Uint32Array(memory.buffer, heapRows, size), new Float32Array(memory.buffer, heapScores, size), size), block, all];
  };

  return {
    kind: 'wasm-simd',
    allocate(count, dim) {
      checkShape(count, dim, 'allocate');
      calls++;
      const values = place(count, dim);
      // 16 spare bytes: the kernel reads the last row in whole 16-byte blocks.
      const scales = align(values + count * dim + 16);
      const end = scales + count * 4;
      reserve(end);
      top = Math.max(top, end);
      let buffer: ArrayBuffer | undefined;
      let valueView = new Int8Array(0);
      let scaleView = new Float32Array(0);
      const refresh = () => {
        if (buffer === memory.buffer) return;
        buffer = memory.buffer;
        valueView = new Int8Array(buffer, values, count * dim);
        scaleView = new Float32Array(buffer, scales, count);
      };
      const rows: Int8Rows = {
        dim,
        get values() {
          refresh();
          return valueView;
        },
        get scales() {
          refresh();
          return scaleView;
        },
      };
      blocks.set(rows, { count, dim, values, scales });
      return rows;
    },
    release(rows) {
      const block = blocks.get(rows);
      if (!block) return;
      blocks.delete(rows);
      free.push({ start: block.values, end: block.scales + block.count * 4 });
      free.sort((a, b) => a.start - b.start);
      const merged: typeof free = [];
      for (const r of free) {
        const last = merged[merged.length - 1];
        // Gaps left by alignment (under 16 bytes) join the neighbouring ranges.
        if (last && align(last.end) >= r.start) last.end = Math.max(last.end, r.end);
        else merged.push({ ...r });
      }
      const tail = merged[merged.length - 1];
      if (tail && align(tail.end) >= top) {
        top = Math.max(16, tail.start);
        merged.pop();
      }
      free = merged;
    },
    topK: (rows, queries, k, skip, bias) => select(rows, queries, k, skip, bias, false, 'topK')[0],
    scan(rows, queries, k, skip, bias) {
      const [best, { count }, all] = select(rows, queries, k, skip, bias, true, 'scan');
      const scanned = calls;
      return {
        ...best,
        above(floor) {
          checkFloor(floor, 'scan.above');
          if (calls !== scanned) {
            throw invalid('a later kernel call overwrote the scores this scan kept (scan.above). Call above() before the next call on the kernel.', { where: 'scan.above' });
          }
          const idx = align(all + count * 4);
          const out = idx + count * 4;
          reserve(out + count * 4);
          const n = exports.above(all, count, floor, idx, out);
          return { indices: new Uint32Array(memory.buffer, idx, n).slice(), scores: new Float32Array(memory.buffer, out, n).slice() };
        },
        scoresOf(indices, out) {
          if (calls !== scanned) {
            throw invalid('a later kernel call overwrote the scores this scan kept (scan.scoresOf). Call scoresOf() before the next call on the kernel.', { where: 'scan.scoresOf' });
          }
          return keptScores(new Float32Array(memory.buffer, all, count), indices, out, 'scan.scoresOf');
        },
      };
    },
    score(rows, queries, out, bias) {
      const block = blockOf(rows, 'score');
      calls++;
      checkRows(rows, 'score');
      checkQueries(queries, block.dim, 'score');
      const result = out ?? new Float32Array(block.count);
      checkLength('out', result.length, block.count, 'score');
      if (bias) checkLength('bias', bias.length, block.count, 'score');
      const [meta, qv, end] = writeQueries(queries, block.dim, top);
      const [biasAt, biasEnd] = writeBias(bias, end);
      const at = align(biasEnd);
      reserve(at + block.count * 4);
      exports.score(block.values, block.scales, block.count, block.dim, queries.length, meta, qv, biasAt, at);
      result.set(new Float32Array(memory.buffer, at, block.count));
      return result;
    },
    scoreRows(rows, queries, indices, out, bias) {
      const block = blockOf(rows, 'scoreRows');
      checkRows(rows, 'scoreRows');
      checkQueries(queries, block.dim, 'scoreRows');
      checkIndices('indices', indices, block.count, 'scoreRows');
      const result = out ?? new Float32Array(indices.length);
      checkLength('out', result.length, indices.length, 'scoreRows');
      if (bias) checkLength('bias', bias.length, block.count, 'scoreRows');
      calls++;
      const [meta, qv, end] = writeQueries(queries, block.dim, top);
      const idx = align(end);
      const at = align(idx + indices.length * 4);
      reserve(at + indices.length * 4);
      new Uint32Array(memory.buffer, idx, indices.length).set(indices);
      exports.score_rows(block.values, block.scales, block.dim, queries.length, meta, qv, 0, idx, indices.length, at);
      result.set(new Float32Array(memory.buffer, at, indices.length));
      // The bias of a few rows is added here rather than copying the whole column into kernel memory: one f32
      // add, as the kernel's (an f32 sum rounded through f64 is the f32 sum).
      if (bias) for (let j = 0; j < indices.length; j++) result[j] = Math.fround(result[j]! + bias[indices[j]!]!);
      return result;
    },
    dots(rows, a, b, out) {
      const block = blockOf(rows, 'dots');
      checkRows(rows, 'dots');
      checkIndices('a', a, block.count, 'dots');
      checkIndices('b', b, block.count, 'dots');
      const result = out ?? new Float32Array(a.length * b.length);
      checkLength('out', result.length, a.length * b.length, 'dots');
      calls++;
      const pa = align(top);
      const pb = align(pa + a.length * 4);
      const tmp = align(pb + b.length * 4);
      const pout = align(tmp + paddedDim(block.dim) * 2);
      reserve(pout + result.length * 4);
      new Uint32Array(memory.buffer, pa, a.length).set(a);
      new Uint32Array(memory.buffer, pb, b.length).set(b);
      exports.dots(block.values, block.scales, block.dim, pa, a.length, pb, b.length, tmp, pout);
      result.set(new Float32Array(memory.buffer, pout, result.length));
      return result;
    },
  };
}

type Compiled = { readonly module: object } | { readonly reason: string };
let compiled: Promise<Compiled> | undefined;

/** Compiles the kernel once per realm; validating it is the SIMD probe (the module uses SIMD opcodes throughout). */
function compileKernel(): Promise<Compiled> {
  compiled ??= (async (): Promise<Compiled> => {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return { reason: 'WebAssembly is not available in this context' };
    if (!wasm.validate(KERNEL_WASM)) return { reason: 'WebAssembly SIMD does not validate in this engine' };
    try {
      return { module: await wasm.compile(KERNEL_WASM) };
    } catch (error) {
      return { reason: `the WASM SIMD kernel did not compile: ${String(error)}` };
    }
  })();
  return compiled;
}

/**
 * A fresh kernel (its own memory): WASM SIMD where it validates, else the plain-JS one with `fallbackReason` set.
 * Never throws for a missing feature.
 * @throws PocketRecError `invalid-option` for an unknown `prefer`
 * @example const kernel = await loadVectorKernel(); const rows = kernel.allocate(count, dim);
 */
export async function loadVectorKernel(options: LoadVectorKernelOptions = {}): Promise<VectorKernel> {
  const prefer = options.prefer ?? 'wasm-simd';
  if (!KERNEL_KINDS.includes(prefer)) {
    throw invalid(`unknown kernel ${String(prefer)} (loadVectorKernel prefer). Use one of ${KERNEL_KINDS.join(', ')}.`, {
      prefer: String(prefer),
    });
  }
  if (prefer === 'js') return createJsKernel();
  const result = await compileKernel();
  if ('reason' in result) return { ...createJsKernel(), fallbackReason: result.reason };
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  try {
    const instance = await wasm.instantiate(result.module);
    return createWasmKernel(instance.exports as KernelExports);
  } catch (error) {
    return { ...createJsKernel(), fallbackReason: `the WASM SIMD kernel did not instantiate: ${String(error)}` };
  }
}
