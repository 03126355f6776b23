import type { ColumnsBuilder, IndexedSignals, ItemRecords } from '../../catalog';
import { createRankModel } from '../../rank';
import type { Sequence } from '../../signals';
import { loadVectorKernel, type Int8Rows, type Int8RowsAllocator } from '../../vector';
import { DEFAULT_TUNE_MINUTES, DEFAULT_TUNE_SEED, tuneEngine, type TunedSettings } from '../tune';

export interface BuildTuneOptions {
  /** Minutes for the search; 0 = off. @defaultValue 2 */
  minutes?: number;
  /** @defaultValue 1 */
  seed?: number;
}

export interface BuildTuneInput {
  ids: readonly string[];
  sequences: readonly Sequence[];
  columns: ColumnsBuilder;
  /** The shipped int8 item rows, decoded into the memory `allocate` gives: the worker scans these very bytes. */
  rows: (allocate: Int8RowsAllocator) => Promise<Int8Rows>;
  /** The build's own signals code (rounded as shipped) for a log and a neighbour count. */
  signals: (sequences: readonly Sequence[], maxNeighbors: number) => IndexedSignals;
  options: BuildTuneOptions;
  /** When tuning's time began, if before this call (`performance.now()`). */
  startedAt?: number;
  log: (line: string) => void;
}

/**
 * `pocketrec build --tune-minutes`: the engine settings chosen on the log's held-out latest events, each candidate
 * catalogue made of the same columns, vectors and signals code the build ships.
 */
export async function tuneBuild(input: BuildTuneInput): Promise<TunedSettings & { ms: number }> {
  // The worker's kernel (WASM SIMD, the same bits as the JS one): a plain-JS scan made one trial at 1 M items
  // longer than the default budget.
  const kernel = await loadVectorKernel();
  const rows = await input.rows(kernel.allocate);
  // Tuning ranks with ids only; no display record is shown.
  const records: ItemRecords = { count: input.ids.length, load: async () => {}, get: (i) => ({ id: input.ids[i]!, title: input.ids[i]! }) };
  return tuneEngine({
    sequences: input.sequences,
    buildModel: async (rest, neighbors) => createRankModel({ columns: input.columns.finish(input.signals(rest, neighbors)), rows, records, kernel }),
    minutes: input.options.minutes ?? DEFAULT_TUNE_MINUTES,
    seed: input.options.seed ?? DEFAULT_TUNE_SEED,
    ...(input.startedAt !== undefined ? { startedAt: input.startedAt } : {}),
    log: input.log,
  });
}
