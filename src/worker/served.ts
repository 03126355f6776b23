import type { CacheWriteReport, Catalog, Item, SequenceModelRef } from '../catalog';
import type { SequenceModel } from '../onnx';
import type { RankModel } from '../rank';
import type { Session } from '../session';
import type { Int8Rows, VectorKernel } from '../vector';
import type { CatalogChange, SequenceStatus, VectorsStatus } from './api';

/** The catalogue's sequence model (opened after start-up, or before a swap commits) and why devices were given up on. */
export interface SequenceSlot {
  ref: SequenceModelRef;
  state: SequenceStatus['state'];
  reason: string | null;
  /** Null while it opens and once no device can run it. */
  model: SequenceModel | null;
  /** Devices given up on before or outside the model's own session (no adapter; failure on every device). */
  skipped: SequenceStatus['skipped'];
  /** Settles when it is ready or off. */
  opened: Promise<void>;
}

/**
 * What the worker serves now: one catalogue and everything built on it. A live update builds a whole new one
 * beside it and replaces it in one assignment, so no call ever sees parts of two catalogues.
 */
export interface Served {
  /** A resolved URL, or the inline items. */
  source: string | Item[];
  catalog: Catalog;
  fromCache: boolean;
  staleBecause: string | null;
  /** The served rows' size (the build's projection when they were shrunk). */
  vectors: VectorsStatus;
  model: RankModel;
  sequence: SequenceSlot | null;
  session: Session;
  /** The kernel matrices this catalogue owns, released once it is replaced and nothing ranks on it any more. */
  rows: RowLedger;
  lastUpdate: CatalogChange | null;
  /**
   * This catalogue's cache write (see `Status['catalog']['cacheWrite']`): a box, because the start-up write
   * finishes behind ready and every copy of what is served must see its outcome.
   */
  cacheWrite: { report: CacheWriteReport } | null;
}

/** Records the matrices allocated for one catalogue, so that they can be given back to the kernel together. */
export interface RowLedger {
  allocate(count: number, dim: number): Int8Rows;
  /** The kernel, with allocations recorded here. */
  readonly kernel: VectorKernel;
  /** Stops recording `rows`: they move to another catalogue (an unchanged sequence table kept in use). */
  keep(rows: Int8Rows): void;
  /** Records rows another ledger gave up with keep(). */
  adopt(rows: Int8Rows): void;
  /** Releases every recorded matrix; the ledger is empty afterwards. */
  releaseAll(): void;
}

export function createRowLedger(kernel: VectorKernel): RowLedger {
  const owned = new Set<Int8Rows>();
  const allocate = (count: number, dim: number) => {
    const rows = kernel.allocate(count, dim);
    owned.add(rows);
    return rows;
  };
  // Every method but allocate is the kernel's own (they close over its memory, not over `this`).
  const tracked: VectorKernel = Object.create(kernel, { allocate: { value: allocate } });
  return {
    allocate,
    kernel: tracked,
    keep: (rows) => void owned.delete(rows),
    adopt: (rows) => void owned.add(rows),
    releaseAll() {
      for (const rows of owned) kernel.release(rows);
      owned.clear();
    },
  };
}
