import { transfer } from 'comlink';
import { itemText, loadCatalog, type Catalog, type SequenceModelRef } from '../catalog';
import { loadVectorKernel, quantizeRows, type Int8Rows, type VectorKernel } from '../vector';
import { countLexicalFeatures, loadEncoder, type Device, type TextEncoder } from '../encoder';
import { PocketRecError } from '../errors';
import { DEFAULT_PROFILE_SETTINGS, validateEvent } from '../profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, type RankModel } from '../rank';
import { openStore, type HistoryStore, type StoredEvent } from '../store';
import { createSequenceModel, loadRuntime, type SequenceModel } from '../onnx';
import { createSession, type BrowsingSession, type Session } from '../session';
import type { EngineApi, EngineConfig, EngineEvents, Progress, SequenceStatus, Status } from './api';
import { createProgressThrottle } from './progress-throttle';

/** What start-up wired together; the visitor's state itself lives in `session`. */
interface Wired {
  config: EngineConfig;
  store: HistoryStore;
  catalog: Catalog;
  fromCache: boolean;
  staleBecause: string | null;
  encoder: TextEncoder;
  skipped: Array<{ device: Device; reason: string }>;
  model: RankModel;
  sequence: SequenceSlot | null;
  session: Session;
  /** Tells the site's other tabs that the shared store changed; null where BroadcastChannel is missing. */
  channel: BroadcastChannel | null;
  timings: { catalogLoadMs: number; embedMs: number; lastEmbedMs: number | null };
}

/** The catalogue's sequence model and why devices were given up on. */
interface SequenceSlot {
  ref: SequenceModelRef;
  /** Null once no device can run it. */
  model: SequenceModel | null;
  /** Devices given up on before or outside the model's own session (no adapter; failure on every device). */
  skipped: SequenceStatus['skipped'];
}

const EMBED_BATCH = 64;
/** Records read per step when every item's text is needed: a few cache pieces at a time. */
const TEXT_BATCH = 4096;
const PRUNE_EVERY = 100;
/** What one tab tells the others; the store holds the data, the message only says where to look. */
type TabMessage = { type: 'appended' } | { type: 'forgotten' };

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
  const heard = (w: Wired, message: TabMessage) => {
    if (wired !== w) return;
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
      // Catalogue, runtime, encoder and sequence model load at once; each waits only for what it needs.
      const catalogLoaded = loadCatalog(config.catalog, {
        baseUrl: self.location.href,
        cache: store.catalogCache,
        onProgress: (p) => progress.push(p),
        allowEmpty: config.allowEmptyCatalog,
        allocateRows: (count, dim) => kernel.allocate(count, dim),
      }).then((loaded) => ({ loaded, catalogLoadMs: performance.now() - started }));
      if (config.encoder === 'auto') void loadRuntime(config.devices).catch(() => {});
      const encoderLoaded = loadEncoder(
        { choice: config.encoder, modelBaseUrl: config.modelBaseUrl, devices: config.devices },
        async () => {
          const { catalog } = (await catalogLoaded).loaded;
          const fit = catalog.embeddings?.lexicalFit;
          // The build's counts rebuild its encoder exactly; counting the texts again is for catalogues without them.
          if (fit) return { dim: fit.df.length, documents: fit.documents, df: fit.df };
          return countLexicalFeatures(await allItemTexts(catalog));
        },
        (p) => progress.push(p),
      );
      // Its bytes come with the catalogue; its ONNX session opens after the encoder's, because onnxruntime-web
      // does not support creating two sessions at once (on WebGPU the second never finishes).
      const sequenceOpened = Promise.all([catalogLoaded, encoderLoaded]).then(([{ loaded: { catalog } }]) =>
        catalog.sequence ? openSequenceModel(catalog.sequence, kernel, config) : null,
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
      const embedStarted = performance.now();
      const rows = await itemVectors(catalog, encoder, store, (p) => progress.push(p), kernel);
      const embedMs = performance.now() - embedStarted;
      const model = createRankModel({ columns: catalog.columns, rows, records: catalog.records, kernel });
      const session = createSession({
        model,
        records: catalog.records,
        ...(catalog.loadSearchIndex ? { loadSearchIndex: catalog.loadSearchIndex } : {}),
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
      await store.prune(Date.now());
      const history = await store.events();
      delivered = new Set(history.flatMap((e) => (e.key === undefined ? [] : [e.key])));
      await session.load(history, await store.getSetting<BrowsingSession>('session'));
      // Every tab of the site on this database hears every other: their sessions fold the same stored events.
      const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pocketrec:${config.dbName}`);
      const w: Wired = { config, store, catalog, fromCache: loaded.fromCache, staleBecause: loaded.staleBecause ?? null, encoder, skipped, model, sequence, session, channel, timings: { catalogLoadMs, embedMs, lastEmbedMs: null } };
      if (channel) channel.onmessage = (message: MessageEvent<TabMessage>) => heard(w, message.data);
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
      const w = state();
      w.session.setListener(subscribed ? (update) => sink?.updated(update) : null);
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

    async status() {
      const w = state();
      const s = w.session.status();
      return {
        catalog: { version: w.catalog.version, itemCount: w.model.count, fromCache: w.fromCache, staleBecause: w.staleBecause },
        store: { persistent: w.store.persistent },
        kernel: { kind: w.model.kernel.kind, ...(w.model.kernel.fallbackReason ? { fallbackReason: w.model.kernel.fallbackReason } : {}) },
        encoder: { id: w.encoder.id, device: w.encoder.device, dim: w.encoder.dim, skipped: w.skipped, languages: w.encoder.languages, lexicalOnlyTexts: s.lexicalOnlyTexts },
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
        await w.store.forget();
        tell(w, { type: 'forgotten' });
      });
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      const w = wired;
      wired = null;
      sink = null;
      if (!w) return;
      w.channel?.close();
      w.session.setListener(null);
      await w.session.idle();
      w.store.close();
      await w.encoder.dispose();
      await w.sequence?.model?.dispose();
    },
  };
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
