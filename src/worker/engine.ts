import { transfer } from 'comlink';
import { itemText, loadCatalog, type Catalog, type Item, type LoadedCatalog } from '../catalog';
import { loadVectorKernel, quantizeRows, type Int8Rows, type VectorKernel } from '../vector';
import { countLexicalFeatures, createProjectedEncoder, loadEncoder, transformersEncoderId, type LexicalCounts, type LoadedEncoder, type TextEncoder } from '../encoder';
import { PocketRecError } from '../errors';
import { DEFAULT_PROFILE_SETTINGS, validateEvent } from '../profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, type RankModel } from '../rank';
import { openStore, type HistoryStore, type StoredEvent } from '../store';
import { createSequenceModel, loadRuntime, wasmBlockedReason, type RuntimeProgress, type SequenceModel } from '../onnx';
import { createSession, type BrowsingSession, type Session } from '../session';
import type { EngineApi, EngineConfig, EngineEvents, PartState, Progress, SequenceStatus, Status, Update, VectorsStatus } from './api';
import { createCatalogSwapper, type CatalogSwapper } from './catalog-swap';
import { createProgressThrottle } from './progress-throttle';
import { createRowLedger, type Served, type SequenceSlot } from './served';
import { engineRankSettings, settingsStatus } from './settings';

/**
 * What start-up wired together; the visitor's state itself lives in `session`. The catalogue and what is built on
 * it (`Served`) are replaced as a whole by a live update: a new object, never a field at a time. The encoder
 * belongs to the engine, not to a catalogue.
 */
interface Wired extends Served {
  config: EngineConfig;
  store: HistoryStore;
  encoder: EncoderSlot;
  /** Tells the site's other tabs that the shared store changed; null where BroadcastChannel is missing. */
  channel: BroadcastChannel | null;
  timings: { catalogLoadMs: number; embedMs: number; lastEmbedMs: number | null };
  swapper: CatalogSwapper;
  revalidation: ReturnType<typeof setInterval> | null;
}

/** The text encoder: loaded before start-up ends, or on the first text (or `ready('encoder')`) when the catalogue ships its embeddings. */
interface EncoderSlot {
  readonly state: PartState;
  readonly reason: string | null;
  readonly loaded: LoadedEncoder | null;
  /** Loads it once; later calls share the same promise. */
  load(): Promise<LoadedEncoder>;
}

const EMBED_BATCH = 64;
/** Records read per step when every item's text is needed: a few cache pieces at a time. */
const TEXT_BATCH = 4096;
const PRUNE_EVERY = 100;
/** What one tab tells the others; the store holds the data, the message only says where to look. */
type TabMessage = { type: 'appended' } | { type: 'forgotten' } | { type: 'catalog'; source: string | Item[]; version: string };

/** Pushes to subscribers wait this long for the rest of a burst: about one animation frame. */
const PUSH_DELAY_MS = 16;

/**
 * The worker-side engine: wires store, catalogue, encoder and sequence model around one visitor session. It holds
 * no ranking or profile logic; it validates at the boundary, decides which part to call, and does the I/O.
 */
export function createEngine(): EngineApi {
  let wired: Wired | null = null;
  let sink: EngineEvents | null = null;
  let disposed = false;
  let appendsSincePrune = 0;
  // Counts forgets (this tab's and others'): a catalogue swap that read the history before one reads it again.
  let forgets = 0;
  let listener: ((update: Update) => void) | null = null;
  // Delivery keys already stored when this worker started: a crashed predecessor may have written them unacknowledged.
  let delivered = new Set<string>();
  // The start-up catalogue's cache write, which runs behind ready: updates wait for it, forget() stops it.
  let startWrite: { settled: Promise<void>; stop: AbortController } | null = null;
  const stopStartWrite = () => {
    startWrite?.stop.abort();
    return startWrite?.settled ?? Promise.resolve();
  };

  const state = (): Wired => {
    if (disposed) throw new PocketRecError('disposed', 'engine: this recommender was disposed. Create a new one.');
    if (!wired) throw new PocketRecError('invalid-option', 'engine: init() has not completed. Await createRecommender() before calling it.');
    return wired;
  };

  /** The durable write of one event: acknowledged only once IndexedDB committed it. */
  const persist = (w: Wired, key: string | undefined) => async (event: StoredEvent, browsing: BrowsingSession) => {
    const stored = await w.store.append(key === undefined ? event : { ...event, key }, { session: browsing });
    tell(w, { type: 'appended' });
    return stored;
  };

  const tell = (w: Wired, message: TabMessage) => w.channel?.postMessage(message);
  const heard = (message: TabMessage) => {
    const w = wired;
    if (!w || disposed) return;
    if (message.type === 'catalog') {
      // Another tab swapped: follow it, from the shared cache when that tab's download is already there.
      w.swapper.update(message.source, 'other-tab', message.version).catch(() => {});
      return;
    }
    if (message.type === 'forgotten') (forgets++, void stopStartWrite());
    const done = message.type === 'forgotten' ? w.session.forget() : w.session.sync();
    done.catch((error: unknown) => console.warn("engine: could not fold another tab's change; the next event or restart catches up.", error));
  };

  // One onnxruntime-web session creation at a time, in the order asked.
  let onnxTurn: Promise<unknown> = Promise.resolve();
  const inOnnxTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const next = onnxTurn.then(run, run);
    onnxTurn = next.catch(() => {});
    return next;
  };

  /**
   * Opens the model in the background, once its files are in (the runtime's download never competes with them);
   * rankings use it once it is there, if its catalogue is still served. It takes its ONNX turn at once, so that an
   * encoder asked for meanwhile opens after it, as when the files came with the catalogue.
   */
  const openSequenceLater = (shipped: NonNullable<LoadedCatalog['sequenceLater']>, kernel: VectorKernel, config: EngineConfig, onProgress: (p: RuntimeProgress) => void): SequenceSlot => {
    const slot: SequenceSlot = { ref: shipped.ref, state: 'loading', reason: null, model: null, skipped: [], opened: Promise.resolve() };
    const off = (error: unknown) => {
      const reason = `its files could not be loaded: ${(error as Error).message ?? String(error)}`;
      console.warn(`engine: the sequence model is off (${reason}); ranking goes on without it.`);
      Object.assign(slot, { state: 'off', reason });
    };
    slot.opened = inOnnxTurn(async () => {
      const files = await shipped.loaded.catch((error: unknown) => void off(error));
      const held = wired;
      if (!files || disposed || !held || held.sequence !== slot) return;
      // The served catalogue holds its model from now on: a live update that keeps the model compares against it.
      if (!held.catalog.sequence) wired = { ...held, catalog: { ...held.catalog, sequence: files } };
      const { model, skipped, reason } = await openSequenceModel(files, kernel, config, onProgress);
      slot.skipped.push(...skipped);
      const w = wired;
      if (disposed || !w || w.sequence !== slot) return void model?.dispose().catch(() => {});
      Object.assign(slot, { model, state: model ? 'ready' : 'off', reason });
      w.session.setSequence(model);
    });
    return slot;
  };

  /** Opens the model before a swap commits: the next catalogue is served with its model ready (or off). */
  const openSequenceNow = async (shipped: NonNullable<Catalog['sequence']>, kernel: VectorKernel, config: EngineConfig): Promise<SequenceSlot> => {
    const { model, skipped, reason } = await inOnnxTurn(() => openSequenceModel(shipped, kernel, config, () => {}));
    return { ref: shipped.ref, state: model ? 'ready' : 'off', reason, model, skipped, opened: Promise.resolve() };
  };

  const prune = async (w: Wired) => {
    if (++appendsSincePrune < PRUNE_EVERY) return;
    appendsSincePrune = 0;
    w.session.noteRemoved(await w.store.prune(Date.now()));
  };

  return {
    async init(config, events) {
      if (wired) throw new PocketRecError('invalid-option', 'engine: init() was called twice. Create one recommender per worker.');
      const started = performance.now();
      const store = openStore(config.dbName, config.retention);
      const progress = createProgressThrottle((p) => events.progress(p), { now: () => performance.now(), setTimer: (run, ms) => void setTimeout(run, ms) });
      // The kernel first (it compiles from bytes in the bundle, no download): the catalogue's int8 rows are decoded
      // straight into its memory, never copied twice.
      const kernel = await loadVectorKernel();
      if (kernel.fallbackReason) console.warn(`engine: ranking runs on the plain-JS kernel (${kernel.fallbackReason}).`);
      // Every matrix of this catalogue, so that a live update can give them back once it replaced it.
      const ledger = createRowLedger(kernel);
      // Another tab (or the worker this one replaces) still writing this catalogue into the cache: its write is
      // finished first, and this start reads it instead of downloading again.
      const stop = new AbortController();
      const catalogLoaded = noCacheWrite(config)
        .then(() =>
          loadCatalog(config.catalog, {
            baseUrl: self.location.href,
            cache: store.catalogCache,
            onProgress: (p) => progress.push(p),
            allowEmpty: config.allowEmptyCatalog,
            allocateRows: ledger.allocate,
            // The first recommendation needs the parts alone: the cache is written behind ready, and the sequence
            // model downloads once the parts are in.
            writeCacheLater: true,
            sequenceAfterParts: true,
            cacheSignal: stop.signal,
          }),
        )
        .then((loaded) => ({ loaded, catalogLoadMs: performance.now() - started }));
      // The lexical encoder is rebuilt from the start-up catalogue's shipped counts (the build's own fit), or
      // fitted on its texts when it ships none.
      const lexicalCounts = async (): Promise<LexicalCounts> => {
        const { catalog } = (await catalogLoaded).loaded;
        const fit = catalog.embeddings?.lexicalFit;
        if (fit) return { dim: fit.df.length, documents: fit.documents, df: fit.df };
        return countLexicalFeatures(await allItemTexts(catalog));
      };
      // onnxruntime-web does not support creating two sessions at once (on WebGPU the second never finishes), so
      // the encoder and the sequence model open one after the other, whichever is asked for first.
      const startEncoder = () =>
        inOnnxTurn(() => loadEncoder({ choice: config.encoder, modelBaseUrl: config.modelBaseUrl, devices: config.devices }, lexicalCounts, (p) => progress.push(p)));
      // Needed before ready whatever the catalogue holds: the lexical encoder is fitted on its texts (or rebuilt
      // from its counts), and inline items ship no embeddings. It then loads alongside the catalogue.
      let encoderLoaded = config.encoder === 'lexical' || Array.isArray(config.catalog) ? startEncoder() : null;
      let loaded: Awaited<typeof catalogLoaded>['loaded'];
      let catalogLoadMs: number;
      try {
        ({ loaded, catalogLoadMs } = await catalogLoaded);
      } catch (error) {
        // The catalogue's error is what the host sees; an encoder already loading is released.
        void encoderLoaded?.then(({ encoder }) => encoder.dispose(), () => {});
        store.close();
        throw error;
      }
      const { catalog } = loaded;
      const cacheWrite = loaded.cacheWrite ? { report: loaded.cacheWrite } : null;
      const written = loaded.cacheWritten;
      if (written && cacheWrite) {
        // Held until the write ends, so that every start or update of this database waits for it.
        const settled = withCacheLock(config.dbName, 'exclusive', () => written).then((report) => void (cacheWrite.report = report));
        startWrite = { settled, stop };
      }
      // With embeddings made by the encoder the host chose, nothing but the catalogue is needed to rank: the
      // encoder waits for the first text. Otherwise the catalogue is embedded before the first recommendation.
      const lazy = encoderLoaded === null && shipsEncoderEmbeddings(catalog, config);
      if (!lazy) encoderLoaded ??= startEncoder();
      let first: LoadedEncoder | null = null;
      let rows: Int8Rows;
      const embedStarted = performance.now();
      try {
        first = encoderLoaded ? await encoderLoaded : null;
        rows = first ? await itemVectors(catalog, servedEncoder(first.encoder, catalog), store, (p) => progress.push(p), ledger.kernel) : catalog.embeddings!.rows;
      } catch (error) {
        void first?.encoder.dispose();
        void stopStartWrite().then(() => store.close());
        throw error;
      }
      const embedMs = first ? performance.now() - embedStarted : 0;
      const encoder = createEncoderSlot(first, () => startEncoder().then((l) => checkShippedSpace(l, catalog)));
      const model = createRankModel({ columns: catalog.columns, rows, records: catalog.records, kernel });
      // One visitor session per served catalogue: a live update builds the next one with this same recipe. Texts
      // go through the catalogue's projection when its vectors were shrunk.
      const newSession = (catalog: Catalog, model: RankModel, sequence: SequenceSlot | null): Session => createSession({
        model,
        records: catalog.records,
        ...(catalog.loadSearchIndex ? { loadSearchIndex: catalog.loadSearchIndex } : {}),
        embed: async (texts) => servedEncoder((await encoder.load()).encoder, catalog).embed(texts),
        ...(encoder.loaded ? { languages: encoder.loaded.encoder.languages } : { prepareText: async () => (await encoder.load(), encoder.state === 'off' ? null : encoder.loaded!.encoder.languages) }),
        sequence: sequence?.model ?? null,
        onSequenceFailed: (error) => {
          const slot = wired?.sequence;
          const failed = slot?.model;
          if (!slot || !failed) return;
          console.warn('engine: the sequence model failed on every device; ranking goes on without it.', error);
          const reason = `failed while running: ${(error as Error).message ?? String(error)}`;
          slot.skipped.push(...failed.skipped, { device: failed.device, reason });
          Object.assign(slot, { model: null, state: 'off', reason });
          void failed.dispose().catch(() => {});
        },
        profileSettings: { ...DEFAULT_PROFILE_SETTINGS, halfLifeDays: config.halfLifeDays },
        rankSettings: engineRankSettings(catalog, config),
        sessionTimeoutMinutes: config.sessionTimeoutMinutes,
        defaultK: config.defaultK,
        clock: () => performance.now(),
        newSessionId: () => crypto.randomUUID(),
        schedulePush: (run) => setTimeout(run, PUSH_DELAY_MS),
        readAfter: (seq) => store.eventsAfter(seq),
      });
      const session = newSession(catalog, model, null);
      await store.prune(Date.now());
      const history = await store.events();
      delivered = new Set(history.flatMap((e) => (e.key === undefined ? [] : [e.key])));
      // A stored query or review is a text event: a returning visitor's history with one loads the encoder here.
      await session.load(history, await store.getSetting<BrowsingSession>('session'));
      // Every tab of the site on this database hears every other: their sessions fold the same stored events.
      const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pocketrec:${config.dbName}`);
      const swapper = createCatalogSwapper({
        kernel,
        cache: store.catalogCache,
        baseUrl: self.location.href,
        allowEmpty: config.allowEmptyCatalog,
        current: () => state(),
        commit: (next) => {
          const w = state();
          if (next.session !== w.session) {
            w.session.setListener(null);
            next.session.setListener(listener);
          }
          wired = { ...w, ...next };
        },
        // Shipped rows of the chosen encoder need no encoder; anything else is embedded (or read from the cache).
        vectors: async (catalog, kernel) => {
          const rows = !encoder.loaded && shipsEncoderEmbeddings(catalog, config) ? catalog.embeddings!.rows : await itemVectors(catalog, servedEncoder((await encoder.load()).encoder, catalog), store, () => {}, kernel);
          return { rows, vectors: vectorsStatus(catalog, rows) };
        },
        openSequence: (shipped, kernel) => openSequenceNow(shipped, kernel, config),
        newSession,
        loadHistory: async (next) => next.load(await store.events(), await store.getSetting<BrowsingSession>('session')),
        forgetCount: () => forgets,
        cacheSettled: async () => {
          await startWrite?.settled;
          await noCacheWrite(config);
        },
        announce: (change) => {
          sink?.catalogChanged(change);
          const w = wired;
          if (change.outcome === 'updated' && change.trigger !== 'other-tab' && w) tell(w, { type: 'catalog', source: w.source, version: change.version });
        },
      });
      const w: Wired = {
        config, store, encoder, channel, swapper,
        source: config.catalog, catalog, fromCache: loaded.fromCache, staleBecause: loaded.staleBecause ?? null, vectors: vectorsStatus(catalog, rows), model, sequence: null, session, rows: ledger, lastUpdate: null, cacheWrite,
        timings: { catalogLoadMs, embedMs, lastEmbedMs: null },
        // Only a URL can be fetched again; the client refuses the option with inline items.
        revalidation: config.revalidateEveryMs > 0 && typeof config.catalog === 'string' ? setInterval(() => void swapper.update(null, 'revalidate').catch(() => {}), config.revalidateEveryMs) : null,
      };
      if (channel) channel.onmessage = (message: MessageEvent<TabMessage>) => heard(message.data);
      wired = w;
      // Events another tab stored while this one was loading.
      await session.sync();
      sink = events;
      progress.push({ phase: 'ready', loaded: 1, total: 1 });
      // The host hears `ready` before start-up resolves (at most a frame or two, the throttle's window).
      await progress.readySent;
      // The sequence model only sharpens rankings: it opens once the first one can be served, and rankings use it
      // from the moment it is there.
      const sequence = catalog.sequence ? { ref: catalog.sequence.ref, loaded: Promise.resolve(catalog.sequence) } : loaded.sequenceLater;
      if (sequence && wired) wired = { ...wired, sequence: openSequenceLater(sequence, ledger.kernel, config, (p) => progress.push(p)) };
      return this.status();
    },

    async ready(part) {
      const w = state();
      if (part === 'encoder') await w.encoder.load();
      else if (part === 'sequence') await w.sequence?.opened;
      else if (part !== 'catalog') throw new PocketRecError('invalid-option', `ready: part must be 'catalog', 'encoder' or 'sequence', not ${JSON.stringify(part)}.`, { details: { field: 'part' } });
    },

    async track(input, key) {
      const w = state();
      if (key !== undefined && delivered.delete(key)) return;
      const event = validateEvent(input, Date.now(), (id) => w.model.indexOf(id) !== undefined);
      await w.session.track(event, persist(w, key));
      await prune(w);
    },

    async holdLifeline(name) {
      // Never released: the lock goes when the worker does.
      await new Promise<void>((held) => void navigator.locks.request(name, () => (held(), new Promise<never>(() => {}))));
    },

    async setSubscribed(subscribed) {
      const w = state();
      listener = subscribed ? (update) => sink?.updated(update) : null;
      w.session.setListener(listener);
    },

    recommend: async (request) => state().session.recommend(request),

    similar: async (itemId, k, filter) => state().session.similar(itemId, k, filter),

    search: async (query, k, options) => state().session.search(query, k, options),

    related: async (itemIds, options) => state().session.related(itemIds, options),

    boughtTogether: async (itemIds, options) => state().session.boughtTogether(itemIds, options),

    lookingSimilar: async (itemId, options) => state().session.lookingSimilar(itemId, options),

    trending: async (options) => state().session.trending(options),

    async embed(texts) {
      const w = state();
      if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new PocketRecError('invalid-option', 'embed: texts must be an array of strings.');
      const started = performance.now();
      const vectors = await servedEncoder((await w.encoder.load()).encoder, w.catalog).embed(texts);
      w.timings.lastEmbedMs = performance.now() - started;
      return transfer(vectors, vectors.map((v) => v.buffer as ArrayBuffer));
    },

    updateCatalog: (source) => state().swapper.update(source, 'update'),

    async status() {
      const w = state();
      const s = w.session.status();
      return {
        catalog: {
          version: w.catalog.version,
          itemCount: w.model.count,
          fromCache: w.fromCache,
          staleBecause: w.staleBecause,
          source: typeof w.source === 'string' ? w.source : null,
          lastUpdate: w.lastUpdate,
          cacheWrite: w.cacheWrite ? { ...w.cacheWrite.report } : null,
        },
        store: { persistent: w.store.persistent },
        kernel: { kind: w.model.kernel.kind, ...(w.model.kernel.fallbackReason ? { fallbackReason: w.model.kernel.fallbackReason } : {}) },
        encoder: encoderStatus(w.encoder, w.catalog, s.lexicalOnlyTexts),
        vectors: { ...w.vectors },
        sequence: w.sequence ? sequenceStatus(w.sequence, s.lastRankUsedSequence) : null,
        settings: settingsStatus(w.catalog, w.config),
        historySize: s.historySize,
        sessionId: s.sessionId,
        timings: { ...w.timings, lastRecommendMs: s.lastRecommendMs, lastSequenceMs: s.lastSequenceMs },
        counts: { sequenceRuns: s.sequenceRuns, pushes: s.pushes, restarts: 0 },
      };
    },

    exportHistory: async () => state().store.exportHistory(),

    async forget() {
      const w = state();
      await w.session.forget(async () => {
        forgets++;
        // The start-up write would put the catalogue back into the database about to be deleted.
        await stopStartWrite();
        await w.store.forget();
        tell(w, { type: 'forgotten' });
      });
      // A catalogue swap committed while this forget waited on the old session: empty the new one too.
      const now = state();
      if (now.session !== w.session) await now.session.forget();
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      const w = wired;
      wired = null;
      sink = null;
      if (!w) return;
      if (w.revalidation !== null) clearInterval(w.revalidation);
      w.channel?.close();
      w.session.setListener(null);
      await w.session.idle();
      // A cache write behind start-up finishes first: the next visit (or the recommender replacing this one) reads it.
      await startWrite?.settled;
      w.store.close();
      // A sequence model still opening is released by its own completion (it sees `disposed`); an encoder here.
      if (w.encoder.state === 'loading') void w.encoder.load().then(({ encoder }) => encoder.dispose(), () => {});
      await w.encoder.loaded?.encoder.dispose();
      await w.sequence?.model?.dispose();
    },
  };
}

/** Settles once no tab writes this database's catalogue cache (only a catalogue from a URL is cached). */
function noCacheWrite(config: EngineConfig): Promise<void> {
  return typeof config.catalog === 'string' ? withCacheLock(config.dbName, 'shared', async () => {}) : Promise.resolve();
}

/**
 * Runs `run` holding the lock of a database's catalogue cache: exclusive while a write runs, shared (and released at
 * once) to wait for one. Correctness never depends on it (a write makes itself visible last); it spares a second
 * download. Without Web Locks, `run` runs at once.
 */
async function withCacheLock<T>(dbName: string, mode: LockMode, run: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return run();
  return locks.request(`pocketrec-catalog-cache:${dbName}`, { mode }, run);
}

/**
 * The encoder texts go through for one catalogue. Shrunk item vectors: every encoder output takes the build's
 * projection, so queries land in the items' space. A projection of another encoder's vectors means nothing here;
 * the items are then embedded afresh, full size.
 */
function servedEncoder(base: TextEncoder, catalog: Catalog): TextEncoder {
  const { projection, embeddings } = catalog;
  return projection && embeddings?.model === base.id && projection.sourceDim === base.dim ? createProjectedEncoder(base, projection) : base;
}

/** The size of the rows served: the build's projection when they are the shipped, shrunk ones. */
function vectorsStatus(catalog: Catalog, rows: Int8Rows): VectorsStatus {
  const { projection, embeddings } = catalog;
  if (projection && embeddings?.rows === rows) return { method: projection.method, dim: projection.dim, sourceDim: projection.sourceDim };
  return { method: 'full', dim: rows.dim, sourceDim: rows.dim };
}

/** Every item's encoder text, in item order (the slow path: catalogues that ship no lexical counts). */
async function allItemTexts(catalog: Catalog): Promise<string[]> {
  const texts: string[] = [];
  for (let start = 0; start < catalog.columns.count; start += TEXT_BATCH) texts.push(...(await batchTexts(catalog, start, Math.min(catalog.columns.count, start + TEXT_BATCH))));
  return texts;
}

/** Texts of items `[start, end)`, their records read first (from the cache, on a warm start). */
async function batchTexts(catalog: Catalog, start: number, end: number): Promise<string[]> {
  const indexes = Array.from({ length: end - start }, (_, i) => start + i);
  await catalog.records.load(indexes);
  return indexes.map((i) => itemText(catalog.records.get(i)));
}

/** int8 rows for every item, in the kernel's memory: shipped ones if they come from our encoder, else cached, else embedded now. */
async function itemVectors(catalog: Catalog, encoder: TextEncoder, store: HistoryStore, onProgress: (p: Progress) => void, kernel: VectorKernel): Promise<Int8Rows> {
  const shipped = catalog.embeddings;
  if (shipped && shipped.model === encoder.id && shipped.rows.dim === encoder.dim) return shipped.rows;
  const total = catalog.columns.count;
  const key = `vectors:${catalog.version}:${encoder.id}`;
  const rows = kernel.allocate(total, encoder.dim);
  const cached = await store.getCached<Int8Rows>(key).catch(() => undefined);
  if (cached && cached.dim === encoder.dim && cached.scales instanceof Float32Array && cached.scales.length === total && cached.values instanceof Int8Array && cached.values.length === total * encoder.dim) {
    rows.scales.set(cached.scales);
    rows.values.set(cached.values);
    return rows;
  }
  onProgress({ phase: 'embed', loaded: 0, total });
  for (let start = 0; start < total; start += EMBED_BATCH) {
    const end = Math.min(total, start + EMBED_BATCH);
    const batch = await batchTexts(catalog, start, end);
    const flat = new Float32Array(batch.length * encoder.dim);
    (await encoder.embed(batch)).forEach((v, i) => flat.set(v, i * encoder.dim));
    const q = quantizeRows(flat, encoder.dim);
    rows.scales.set(q.scales, start);
    rows.values.set(q.values, start * encoder.dim);
    onProgress({ phase: 'embed', loaded: end, total });
  }
  // Copies: the rows are views into the kernel's whole memory, which a structured clone would store entire.
  const copy: Int8Rows = { dim: rows.dim, scales: rows.scales.slice(), values: rows.values.slice() };
  await store.putCached(key, copy, { replacesPrefix: 'vectors:' }).catch((error: unknown) => console.warn('engine: could not cache item vectors; the next visit embeds again.', error));
  return rows;
}

/**
 * The catalogue's sequence model on the first device that runs it. When none does, ranking goes on with every other
 * signal and the status says why.
 */
async function openSequenceModel(shipped: NonNullable<Catalog['sequence']>, kernel: VectorKernel, config: EngineConfig, onProgress: (p: RuntimeProgress) => void): Promise<{ model: SequenceModel | null; skipped: SequenceStatus['skipped']; reason: string | null }> {
  const { ref } = shipped;
  const runtime = await loadRuntime(config.devices, onProgress);
  const skipped = [...runtime.skipped];
  try {
    return { model: await createSequenceModel({ model: shipped.model, table: shipped.table, maxLen: ref.maxLen }, { ort: runtime.ort, devices: runtime.devices, kernel }), skipped, reason: null };
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    console.warn(`engine: no device could run the sequence model (${reason}); ranking goes on without it.`);
    skipped.push({ device: config.devices[config.devices.length - 1] ?? 'wasm', reason });
    return { model: null, skipped, reason };
  }
}

/**
 * Whether the catalogue ships embeddings the chosen encoder would make, judged without loading it: the bundled
 * model (unless WebAssembly is forbidden, when the lexical encoder would answer instead), or the same
 * transformers.js model and dtype. The id is checked again once the encoder loads (`checkShippedSpace`).
 */
function shipsEncoderEmbeddings(catalog: Catalog, config: EngineConfig): boolean {
  const shipped = catalog.embeddings;
  if (!shipped) return false;
  if (typeof config.encoder === 'object') return shipped.model === transformersEncoderId(config.encoder);
  return config.encoder === 'auto' && !shipped.model.startsWith('lexical') && wasmBlockedReason() === null;
}

/** A lazily loaded encoder whose vectors are not in the shipped rows' space is off for texts: they match on words. */
function checkShippedSpace(loaded: LoadedEncoder, catalog: Catalog): LoadedEncoder & { offReason?: string } {
  const shipped = catalog.embeddings!;
  if (loaded.encoder.id === shipped.model && loaded.encoder.dim === (catalog.projection?.sourceDim ?? shipped.rows.dim)) return loaded;
  const offReason = `the catalogue's embeddings were made by ${shipped.model} (${shipped.rows.dim} dims), the encoder that loaded is ${loaded.encoder.id} (${loaded.encoder.dim} dims); queries and reviews match on words alone. Rebuild the catalogue with this encoder, or fix what status().encoder.skipped names`;
  console.warn(`engine: ${offReason}.`);
  return { ...loaded, offReason };
}

function createEncoderSlot(first: LoadedEncoder | null, load: () => Promise<LoadedEncoder & { offReason?: string }>): EncoderSlot {
  let state: PartState = first ? 'ready' : 'idle';
  let reason: string | null = null;
  let loaded = first;
  let loading: Promise<LoadedEncoder> | null = first ? Promise.resolve(first) : null;
  return {
    get state() {
      return state;
    },
    get reason() {
      return reason;
    },
    get loaded() {
      return loaded;
    },
    load() {
      if (loading) return loading;
      state = 'loading';
      loading = load().then((result) => {
        const { offReason, ...plain } = result;
        loaded = plain;
        state = offReason ? 'off' : 'ready';
        reason = offReason ?? null;
        return plain;
      });
      return loading;
    },
  };
}

function encoderStatus(slot: EncoderSlot, catalog: Catalog, lexicalOnlyTexts: number): Status['encoder'] {
  const e = slot.loaded ? servedEncoder(slot.loaded.encoder, catalog) : undefined;
  return { state: slot.state, reason: slot.reason, id: e?.id ?? null, device: e?.device ?? null, dim: e?.dim ?? null, skipped: slot.loaded?.skipped ?? [], languages: e?.languages ?? null, lexicalOnlyTexts };
}

function sequenceStatus({ ref, model, skipped, state, reason }: SequenceSlot, usedByLastRank: boolean): SequenceStatus {
  return {
    state,
    reason,
    usedByLastRank,
    version: ref.sha256.slice(0, 12),
    bytes: ref.bytes,
    dtype: ref.dtype,
    device: model?.device ?? 'none',
    skipped: [...skipped, ...(model?.skipped ?? [])],
    training: ref.training ?? null,
  };
}
