import { reloadCatalog, type Catalog, type CatalogCache, type Item, type LoadProgress } from '../catalog';
import { PocketRecError } from '../errors';
import { createRankModel, type RankModel } from '../rank';
import type { Session } from '../session';
import type { Int8Rows, VectorKernel } from '../vector';
import type { CatalogChange, CatalogTrigger, VectorsStatus } from './api';
import { createRowLedger, type Served, type SequenceSlot } from './served';

/** What a catalogue swap needs from the engine that wires it. */
export interface CatalogSwapDeps {
  kernel: VectorKernel;
  cache: CatalogCache;
  baseUrl: string;
  allowEmpty: boolean;
  /** What is served now; throws once the engine is disposed. */
  current(): Served;
  /** Makes `next` what every later call sees, in one assignment (and moves the subscribers' listener to it). */
  commit(next: Served): void;
  /** The catalogue's item vectors (shipped, cached or embedded), allocated through `kernel`, and their size. */
  vectors(catalog: Catalog, kernel: VectorKernel): Promise<{ rows: Int8Rows; vectors: VectorsStatus }>;
  openSequence(shipped: NonNullable<Catalog['sequence']>, kernel: VectorKernel): Promise<SequenceSlot>;
  newSession(catalog: Catalog, model: RankModel, sequence: SequenceSlot | null): Session;
  /** Folds the stored history into a fresh session (as at start-up). */
  loadHistory(session: Session): Promise<void>;
  /** Changes on every forget (this tab's or another's): a history loaded before one is stale. */
  forgetCount(): number;
  /**
   * Settles once no cache write is running (this worker's behind start-up, another tab's): an update reads the
   * cache, and must find a whole catalogue there, not one still being written.
   */
  cacheSettled(): Promise<void>;
  /** Tells the host (and, for a swap this tab made, the site's other tabs). */
  announce(change: CatalogChange): void;
  onProgress?(p: LoadProgress): void;
}

export interface CatalogSwapper {
  /**
   * Loads `source` (null: the one served now) and, when its version differs, swaps it in. Updates run one at a
   * time in call order. Resolves with what happened; rejects with the coded error when it failed, after
   * announcing it (the previous catalogue stays served).
   */
  update(source: string | Item[] | null, trigger: CatalogTrigger, expectVersion?: string): Promise<CatalogChange>;
  /** Resolves when every update asked for so far has finished. */
  idle(): Promise<void>;
}

/** Replaces the served catalogue while the engine keeps answering from the old one, and never half of each. */
export function createCatalogSwapper(deps: CatalogSwapDeps): CatalogSwapper {
  let queue: Promise<unknown> = Promise.resolve();

  const swap = async (requested: string | Item[] | null, trigger: CatalogTrigger, expectVersion: string | undefined): Promise<CatalogChange> => {
    // Before `old` is taken: the start-up catalogue's sequence model joins it once its files (which the write waits
    // for) are in.
    await deps.cacheSettled();
    const old = deps.current();
    const source = requested ?? old.source;
    const base = {
      trigger,
      source: typeof source === 'string' ? source : null,
      previousVersion: old.catalog.version,
    };
    const ledger = createRowLedger(deps.kernel);
    let sequence: SequenceSlot | null = null;
    let reusedSequence = false;
    try {
      const reloaded = await reloadCatalog(source, {
        baseUrl: deps.baseUrl,
        cache: deps.cache,
        allowEmpty: deps.allowEmpty,
        allocateRows: ledger.allocate,
        currentVersion: old.catalog.version,
        ...(expectVersion !== undefined ? { expectVersion } : {}),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      });
      if (!reloaded.changed) {
        const change: CatalogChange = { ...base, outcome: 'unchanged', version: old.catalog.version, itemCount: old.model.count, reusedParts: [], deltaParts: [], deltaFallbacks: [], at: Date.now() };
        deps.commit({ ...deps.current(), lastUpdate: change });
        return change;
      }
      let { catalog } = reloaded.loaded;
      const { rows, vectors } = await deps.vectors(catalog, ledger.kernel);
      const model = createRankModel({ columns: catalog.columns, rows, records: catalog.records, kernel: deps.kernel });
      if (catalog.sequence) {
        const same = old.sequence && old.sequence.ref.sha256 === catalog.sequence.ref.sha256 && old.sequence.ref.table.sha256 === catalog.sequence.ref.table.sha256;
        // An unchanged model keeps its open session and its table (the same bytes); the copy just decoded goes back.
        if (same && old.catalog.sequence) {
          sequence = old.sequence;
          reusedSequence = true;
          ledger.keep(catalog.sequence.table);
          deps.kernel.release(catalog.sequence.table);
          catalog = { ...catalog, sequence: old.catalog.sequence };
        } else sequence = await deps.openSequence(catalog.sequence, ledger.kernel);
      }
      const session = deps.newSession(catalog, model, sequence);
      // A forget while the history was read would put erased events back: read it again until none intervened.
      for (let tries = 0; ; tries++) {
        const forgets = deps.forgetCount();
        await deps.loadHistory(session);
        if (forgets === deps.forgetCount()) break;
        if (tries >= 3) throw new PocketRecError('aborted', 'catalog: the history kept being forgotten during the update; the previous catalogue stays in use. Update again.');
      }
      const change: CatalogChange = {
        ...base,
        outcome: 'updated',
        version: catalog.version,
        itemCount: model.count,
        reusedParts: [...(reloaded.loaded.reusedParts ?? []), ...(reusedSequence ? ['sequence-session'] : [])],
        deltaParts: reloaded.loaded.deltaParts ?? [],
        deltaFallbacks: reloaded.loaded.deltaFallbacks ?? [],
        at: Date.now(),
      };
      deps.current(); // disposed meanwhile: throws, and what was built is released below
      // The one moment of the swap: every call made from here on sees the new catalogue whole.
      if (reusedSequence && catalog.sequence) (old.rows.keep(catalog.sequence.table), ledger.adopt(catalog.sequence.table));
      deps.commit({ source, catalog, fromCache: reloaded.loaded.fromCache, staleBecause: null, vectors, model, sequence, session, rows: ledger, lastUpdate: change, cacheWrite: reloaded.loaded.cacheWrite ? { report: reloaded.loaded.cacheWrite } : null });
      await retire(old, session, reusedSequence);
      return change;
    } catch (cause) {
      if (sequence && !reusedSequence) void sequence.model?.dispose().catch(() => {});
      ledger.releaseAll();
      const error = cause instanceof PocketRecError ? cause : new PocketRecError('catalog-invalid', `catalog: the update failed (${(cause as Error)?.message ?? String(cause)}); the previous catalogue stays in use.`, { cause });
      let served: Served | undefined;
      try {
        served = deps.current();
      } catch {
        throw error; // disposed meanwhile: nobody to tell
      }
      const change: CatalogChange = { ...base, outcome: 'failed', version: served.catalog.version, itemCount: served.model.count, reusedParts: [], deltaParts: [], deltaFallbacks: [], at: Date.now(), error: { code: error.code, message: error.message } };
      deps.commit({ ...served, lastUpdate: change });
      deps.announce(change);
      throw error;
    }
  };

  /** After the commit: nothing here may undo the swap. */
  const retire = async (old: Served, session: Session, keptSequence: boolean) => {
    // Calls already running on the old session finish there; only then are its matrices given back.
    await old.session.idle();
    old.rows.releaseAll();
    if (old.sequence && !keptSequence) void old.sequence.model?.dispose().catch(() => {});
    // Events this tab or another stored while the new session loaded; a failed read is caught up by the next event.
    await session.sync().catch((error: unknown) => console.warn('catalog: could not fold the events stored during the update; the next event catches up.', error));
  };

  return {
    update(source, trigger, expectVersion) {
      const run = queue.then(async () => {
        const change = await swap(source, trigger, expectVersion);
        deps.announce(change);
        return change;
      });
      queue = run.catch(() => {});
      return run;
    },
    idle: () => queue.then(() => {}),
  };
}
