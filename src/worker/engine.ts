import { transfer } from 'comlink';
import { itemText, loadCatalog, type Catalog, type Item } from '../catalog';
import { loadVectorKernel, quantizeRows, type Int8Rows, type VectorKernel } from '../vector';
import { createProjectedEncoder, loadEncoder, type Device, type TextEncoder } from '../encoder';
import { PocketRecError } from '../errors';
import { DEFAULT_PROFILE_SETTINGS, validateEvent } from '../profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, type RankModel } from '../rank';
import { openStore, type HistoryStore, type StoredEvent } from '../store';
import { createSequenceModel, loadRuntime, type SequenceModel } from '../onnx';
import { createSession, type BrowsingSession, type Session } from '../session';
import type { EngineApi, EngineConfig, EngineEvents, Progress, SequenceStatus, Status, Update, VectorsStatus } from './api';
import { createCatalogSwapper, type CatalogSwapper } from './catalog-swap';
import { createProgressThrottle } from './progress-throttle';
import { createRowLedger, type Served, type SequenceSlot } from './served';

/**
 * What start-up wired together; the visitor's state itself lives in `session`. The catalogue and what is built on
 * it (`Served`) are replaced as a whole by a live update: a new object, never a field at a time.
 */
interface Wired extends Served {
  config: EngineConfig;
  store: HistoryStore;
  /** The encoder as loaded; `encoder` (served) is it, or it behind the catalogue's projection. */
  baseEncoder: TextEncoder;
  skipped: Array<{ device: Device; reason: string }>;
  /** Tells the site's other tabs that the shared store changed; null where BroadcastChannel is missing. */
  channel: BroadcastChannel | null;
  timings: { catalogLoadMs: number; embedMs: number; lastEmbedMs: number | null };
  swapper: CatalogSwapper;
  revalidation: ReturnType<typeof setInterval> | null;
}

const EMBED_BATCH = 64;
const PRUNE_EVERY = 100;
/** What one tab tells the others; the store (and its catalogue cache) holds the data, the message only says where to look. */
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
    if (message.type === 'forgotten') forgets++;
    const done = message.type === 'forgotten' ? w.session.forget() : w.session.sync();
    done.catch((error: unknown) => console.warn("engine: could not fold another tab's change; the next event or restart catches up.", error));
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
      // Catalogue, runtime, encoder and sequence model load at once; each waits only for what it needs.
      const catalogLoaded = loadCatalog(config.catalog, {
        baseUrl: self.location.href,
        cache: store.catalogCache,
        onProgress: (p) => progress.push(p),
        allowEmpty: config.allowEmptyCatalog,
        allocateRows: ledger.allocate,
      }).then((loaded) => ({ loaded, catalogLoadMs: performance.now() - started }));
      if (config.encoder === 'auto') void loadRuntime(config.devices).catch(() => {});
      const encoderLoaded = loadEncoder(
        { choice: config.encoder, modelBaseUrl: config.modelBaseUrl, devices: config.devices },
        async () => {
          const { catalog } = (await catalogLoaded).loaded;
          return Array.from({ length: catalog.columns.count }, (_, i) => itemText(catalog.records.get(i)));
        },
        (p) => progress.push(p),
      );
      // Its bytes come with the catalogue; its ONNX session opens after the encoder's, because onnxruntime-web
      // does not support creating two sessions at once (on WebGPU the second never finishes).
      const sequenceOpened = Promise.all([catalogLoaded, encoderLoaded]).then(([{ loaded: { catalog } }]) =>
        catalog.sequence ? openSequenceModel(catalog.sequence, ledger.kernel, config) : null,
      );
      let loaded: Awaited<typeof catalogLoaded>['loaded'];
      let catalogLoadMs: number;
      let encoder: TextEncoder;
      let skipped: Wired['skipped'];
      let sequence: SequenceSlot | null;
      try {
        [{ loaded, catalogLoadMs }, { encoder, skipped }, sequence] = await Promise.all([catalogLoaded, encoderLoaded, sequenceOpened]);
      } catch (error) {
        // What did load is released; the first failure (a catalogue error, usually) is what the host sees.
        void encoderLoaded.then(({ encoder }) => encoder.dispose(), () => {});
        void sequenceOpened.then((slot) => slot?.model?.dispose(), () => {});
        store.close();
        throw error;
      }
      const { catalog } = loaded;
      const baseEncoder = encoder;
      let vectors: VectorsStatus;
      ({ encoder, vectors } = encoderFor(baseEncoder, catalog));
      const embedStarted = performance.now();
      const rows = await itemVectors(catalog, encoder, store, (p) => progress.push(p), ledger.kernel);
      const embedMs = performance.now() - embedStarted;
      const model = createRankModel({ columns: catalog.columns, rows, records: catalog.records, kernel });
      // One visitor session per served catalogue: a live update builds the next one with this same recipe.
      const newSession = (catalog: Catalog, model: RankModel, sequence: SequenceSlot | null, encoder: TextEncoder): Session => createSession({
        model,
        records: catalog.records,
        embed: (texts) => encoder.embed(texts),
        languages: encoder.languages,
        sequence: sequence?.model ?? null,
        onSequenceFailed: (error) => {
          const failed = sequence?.model;
          if (!sequence || !failed) return;
          console.warn('engine: the sequence model failed on every device; ranking goes on without it.', error);
          sequence.skipped.push(...failed.skipped, { device: failed.device, reason: `failed while running: ${(error as Error).message ?? String(error)}` });
          sequence.model = null;
          void failed.dispose().catch(() => {});
        },
        profileSettings: { ...DEFAULT_PROFILE_SETTINGS, halfLifeDays: config.halfLifeDays },
        rankSettings: { ...DEFAULT_RANK_SETTINGS, diversityLambda: config.diversity },
        sessionTimeoutMinutes: config.sessionTimeoutMinutes,
        defaultK: config.defaultK,
        clock: () => performance.now(),
        newSessionId: () => crypto.randomUUID(),
        schedulePush: (run) => setTimeout(run, PUSH_DELAY_MS),
        readAfter: (seq) => store.eventsAfter(seq),
      });
      const session = newSession(catalog, model, sequence, encoder);
      await store.prune(Date.now());
      const history = await store.events();
      delivered = new Set(history.flatMap((e) => (e.key === undefined ? [] : [e.key])));
      await session.load(history, await store.getSetting<BrowsingSession>('session'));
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
        encoderFor: (catalog) => encoderFor(baseEncoder, catalog),
        vectors: (catalog, encoder, kernel) => itemVectors(catalog, encoder, store, () => {}, kernel),
        openSequence: (shipped, kernel) => openSequenceModel(shipped, kernel, config),
        newSession,
        loadHistory: async (next) => next.load(await store.events(), await store.getSetting<BrowsingSession>('session')),
        forgetCount: () => forgets,
        announce: (change) => {
          sink?.catalogChanged(change);
          const w = wired;
          if (change.outcome === 'updated' && change.trigger !== 'other-tab' && w) tell(w, { type: 'catalog', source: w.source, version: change.version });
        },
      });
      // Every tab of the site on this database hears every other: their sessions fold the same stored events.
      const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pocketrec:${config.dbName}`);
      const w: Wired = {
        config, store, baseEncoder, skipped, channel, swapper,
        source: config.catalog, catalog, fromCache: loaded.fromCache, staleBecause: loaded.staleBecause ?? null, encoder, vectors, model, sequence, session, rows: ledger, lastUpdate: null,
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
      return this.status();
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
      listener = subscribed ? (update) => sink?.updated(update) : null;
      state().session.setListener(listener);
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
      const vectors = await w.encoder.embed(texts);
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
        },
        store: { persistent: w.store.persistent },
        kernel: { kind: w.model.kernel.kind, ...(w.model.kernel.fallbackReason ? { fallbackReason: w.model.kernel.fallbackReason } : {}) },
        encoder: { id: w.encoder.id, device: w.encoder.device, dim: w.encoder.dim, skipped: w.skipped, languages: w.encoder.languages, lexicalOnlyTexts: s.lexicalOnlyTexts },
        vectors: { ...w.vectors },
        sequence: w.sequence ? sequenceStatus(w.sequence) : null,
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
      w.store.close();
      await w.encoder.dispose();
      await w.sequence?.model?.dispose();
    },
  };
}

/**
 * The encoder texts go through for one catalogue. Shrunk item vectors: every encoder output takes the build's
 * projection, so queries land in the items' space. A projection of another encoder's vectors means nothing here;
 * the items are then embedded afresh, full size.
 */
function encoderFor(base: TextEncoder, catalog: Catalog): { encoder: TextEncoder; vectors: VectorsStatus } {
  const { projection, embeddings } = catalog;
  if (projection && embeddings?.model === base.id && projection.sourceDim === base.dim) {
    return { encoder: createProjectedEncoder(base, projection), vectors: { method: projection.method, dim: projection.dim, sourceDim: base.dim } };
  }
  return { encoder: base, vectors: { method: 'full', dim: base.dim, sourceDim: base.dim } };
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
    const batch = Array.from({ length: end - start }, (_, i) => itemText(catalog.records.get(start + i)));
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
 * The catalogue's sequence model on the first device that runs it. When none does, the engine still starts: the
 * status says why, and ranking uses every other signal.
 */
async function openSequenceModel(shipped: NonNullable<Catalog['sequence']>, kernel: VectorKernel, config: EngineConfig): Promise<SequenceSlot> {
  const { ref } = shipped;
  const runtime = await loadRuntime(config.devices);
  const slot: SequenceSlot = { ref, model: null, skipped: [...runtime.skipped] };
  try {
    slot.model = await createSequenceModel({ model: shipped.model, table: shipped.table, maxLen: ref.maxLen }, { ort: runtime.ort, devices: runtime.devices, kernel });
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    console.warn(`engine: no device could run the sequence model (${reason}); ranking goes on without it.`);
    slot.skipped.push({ device: config.devices[config.devices.length - 1] ?? 'wasm', reason });
  }
  return slot;
}

function sequenceStatus({ ref, model, skipped }: SequenceSlot): SequenceStatus {
  return {
    version: ref.sha256.slice(0, 12),
    bytes: ref.bytes,
    dtype: ref.dtype,
    device: model?.device ?? 'none',
    skipped: [...skipped, ...(model?.skipped ?? [])],
    training: ref.training ?? null,
  };
}
