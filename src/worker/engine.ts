import { transfer } from 'comlink';
import { itemText, loadCatalog, type Catalog, type SequenceModelRef } from '../catalog';
import { loadVectorKernel, quantizeRows, type Int8Rows, type VectorKernel } from '../vector';
import { loadEncoder, type Device, type TextEncoder } from '../encoder';
import { PocketRecError } from '../errors';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent, InvalidEventError, validateEvent, type BehaviourEvent, type Profile, type ProfileSettings } from '../profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, explain, recommend, searchItems, similarTo, tasteVector, type RankModel, type RankSettings, type Ranked } from '../rank';
import { openStore, type HistoryStore, type StoredEvent } from '../store';
import { loadRuntime } from '../onnx';
import { createSequenceModel, relativeProbabilities, sequenceHistory, type SequenceModel } from '../sequence';
import type { EngineApi, EngineConfig, EngineEvents, Recommendation, RecommendRequest, SequenceStatus, Status } from './api';

interface Ready {
  config: EngineConfig;
  events: EngineEvents;
  store: HistoryStore;
  catalog: Catalog;
  fromCache: boolean;
  staleBecause: string | null;
  encoder: TextEncoder;
  skipped: Array<{ device: Device; reason: string }>;
  model: RankModel;
  sequence: SequenceSlot | null;
  profile: Profile;
  profileSettings: ProfileSettings;
  rankSettings: RankSettings;
  historySize: number;
  session: { id: string; lastTs: number };
  timings: Status['timings'];
}

/** The catalogue's sequence model and what it last said about this visitor's history. */
interface SequenceSlot {
  ref: SequenceModelRef;
  /** Null once no device can run it. */
  model: SequenceModel | null;
  /** Devices given up on before or outside the model's own session (no adapter; failure on every device). */
  skipped: SequenceStatus['skipped'];
  /** The history the probabilities belong to: an event that leaves it unchanged needs no new model run. */
  history: readonly number[];
  probabilities: Float32Array | undefined;
}

const EMBED_BATCH = 64;
const PRUNE_EVERY = 100;

/**
 * The worker-side engine: wires store, catalogue, encoder, profile and ranking together. It holds no ranking
 * logic of its own; everything it decides is which part to call and in what order.
 */
export function createEngine(): EngineApi {
  let ready: Ready | null = null;
  let disposed = false;
  // One event at a time: the store's order and the profile's fold order must agree.
  let queue: Promise<unknown> = Promise.resolve();
  let appendsSincePrune = 0;

  const state = (): Ready => {
    if (disposed) throw new PocketRecError('disposed', 'engine: this recommender was disposed. Create a new one.');
    if (!ready) throw new PocketRecError('invalid-option', 'engine: init() has not completed. Await createRecommender() before calling it.');
    return ready;
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };
  const toResults = (s: Ready, ranked: Ranked[]): Recommendation[] =>
    ranked.map((r) => ({ id: s.model.ids[r.index]!, item: s.catalog.records.get(r.index), score: r.score, reason: explain(s.model, r.reason) }));

  const textOf = (event: BehaviourEvent) => (event.type === 'search' ? event.query : event.type === 'review' ? event.text : undefined);
  const fold = (s: Ready, event: BehaviourEvent, textVector: Float32Array | undefined) =>
    foldEvent(s.profile, event, { space: s.model, attributesOf: (i) => s.model.attributesOf(i), ...(textVector ? { textVector } : {}) }, s.profileSettings);
  const foldLive = async (s: Ready, event: BehaviourEvent) => {
    const text = textOf(event);
    fold(s, event, text ? (await s.encoder.embed([text]))[0] : undefined);
  };
  /** Replays a stored history; its texts are embedded in one batched call, not one model run per event. */
  const replay = async (s: Ready, history: readonly BehaviourEvent[]) => {
    const texts = history.map(textOf);
    const vectors = await s.encoder.embed(texts.filter((t): t is string => !!t));
    let next = 0;
    for (const [i, event] of history.entries()) fold(s, event, texts[i] ? vectors[next++] : undefined);
  };

  const rankFor = (s: Ready, request: RecommendRequest): Recommendation[] => {
    const started = performance.now();
    const toIndexes = (ids: string[] | undefined) => (ids ?? []).map((id) => s.model.indexOf(id)).filter((i): i is number => i !== undefined);
    const ranked = recommend(
      s.model,
      s.profile,
      {
        k: request.k ?? s.config.defaultK,
        now: request.now ?? Date.now(),
        exclude: new Set(toIndexes(request.exclude)),
        pinned: toIndexes(request.pinned),
        ...(request.filter ? { filter: request.filter } : {}),
        ...(request.context ? { context: request.context } : {}),
        ...(request.explore ? { explore: true } : {}),
        ...(s.sequence?.probabilities ? { sequence: s.sequence.probabilities } : {}),
      },
      s.rankSettings,
      s.profileSettings,
    );
    s.timings.lastRecommendMs = performance.now() - started;
    return toResults(s, ranked);
  };

  /**
   * Runs the sequence model over the profile's history when that history changed (a search or a dismissal leaves
   * it as it was). A model that fails on every device is dropped, not fatal.
   */
  const refreshSequence = async (s: Ready) => {
    const slot = s.sequence;
    const model = slot?.model;
    if (!slot || !model) return;
    const history = sequenceHistory(s.profile);
    if (history.length === slot.history.length && history.every((index, i) => index === slot.history[i])) return;
    slot.history = history;
    slot.probabilities = undefined;
    if (history.length === 0) return;
    const started = performance.now();
    try {
      slot.probabilities = relativeProbabilities(await model.score(history));
      s.timings.lastSequenceMs = performance.now() - started;
    } catch (error) {
      console.warn('engine: the sequence model failed on every device; ranking goes on without it.', error);
      slot.skipped.push(...model.skipped, { device: model.device, reason: `failed while running: ${(error as Error).message ?? String(error)}` });
      slot.model = null;
      await model.dispose().catch(() => {});
    }
  };

  return {
    async init(config, events) {
      if (ready) throw new PocketRecError('invalid-option', 'engine: init() was called twice. Create one recommender per worker.');
      const started = performance.now();
      const store = openStore(config.dbName, config.retention);
      // The kernel first: the catalogue's int8 rows are decoded straight into its memory, never copied twice.
      const kernel = await loadVectorKernel();
      if (kernel.fallbackReason) console.warn(`engine: ranking runs on the plain-JS kernel (${kernel.fallbackReason}).`);
      const loaded = await loadCatalog(config.catalog, {
        baseUrl: self.location.href,
        cache: store.catalogCache,
        onProgress: (p) => events.progress(p),
        allocateRows: (count, dim) => kernel.allocate(count, dim),
      });
      const catalogLoadMs = performance.now() - started;
      const { catalog } = loaded;
      const { encoder, skipped } = await loadEncoder(
        { choice: config.encoder, modelBaseUrl: config.modelBaseUrl, wasmBaseUrl: config.wasmBaseUrl, devices: config.devices },
        () => Array.from({ length: catalog.columns.count }, (_, i) => itemText(catalog.records.get(i))),
        (p) => events.progress(p),
      );
      const embedStarted = performance.now();
      const rows = await itemVectors(catalog, encoder, store, events, kernel);
      const embedMs = performance.now() - embedStarted;
      const model = createRankModel({ columns: catalog.columns, rows, records: catalog.records, kernel });
      const sequence = catalog.sequence ? await openSequenceModel(catalog.sequence, kernel, config) : null;
      const profileSettings: ProfileSettings = { ...DEFAULT_PROFILE_SETTINGS, halfLifeDays: config.halfLifeDays };
      const rankSettings: RankSettings = { ...DEFAULT_RANK_SETTINGS, diversityLambda: config.diversity };
      await store.prune(Date.now());
      const history = await store.events();
      const last = history[history.length - 1];
      const session = (await store.getSetting<Ready['session']>('session')) ?? { id: newSessionId(), lastTs: last?.ts ?? 0 };
      const s: Ready = {
        config,
        events,
        store,
        catalog,
        fromCache: loaded.fromCache,
        staleBecause: loaded.staleBecause ?? null,
        encoder,
        skipped,
        model,
        sequence,
        profile: createProfile(encoder.dim),
        profileSettings,
        rankSettings,
        historySize: history.length,
        session,
        timings: { catalogLoadMs, embedMs, lastRecommendMs: null, lastSequenceMs: null, lastEmbedMs: null },
      };
      await replay(s, history);
      await refreshSequence(s);
      ready = s;
      events.progress({ phase: 'ready', loaded: 1, total: 1 });
      return this.status();
    },

    track(input) {
      return serial(async () => {
        const s = state();
        let event: BehaviourEvent;
        try {
          event = validateEvent(input, Date.now(), (id) => s.model.indexOf(id) !== undefined);
        } catch (error) {
          if (!(error instanceof InvalidEventError)) throw error;
          throw new PocketRecError('invalid-event', `track: ${error.message} (field "${error.field}"). Nothing was stored.`, { details: { field: error.field } });
        }
        if (event.ts - s.session.lastTs > s.config.sessionTimeoutMinutes * 60_000) s.session = { id: newSessionId(), lastTs: event.ts };
        s.session.lastTs = Math.max(s.session.lastTs, event.ts);
        const stored: StoredEvent = { ...event, sessionId: s.session.id };
        await s.store.append(stored);
        await s.store.putSetting('session', s.session);
        s.historySize++;
        await foldLive(s, event);
        await refreshSequence(s);
        if (++appendsSincePrune >= PRUNE_EVERY) {
          appendsSincePrune = 0;
          s.historySize -= await s.store.prune(Date.now());
        }
        s.events.updated({ recommendations: rankFor(s, {}), cause: event });
      });
    },

    async recommend(request) {
      return rankFor(state(), request);
    },

    async similar(itemId, k, filter) {
      const s = state();
      const index = s.model.indexOf(itemId);
      if (index === undefined) throw new PocketRecError('invalid-option', `similar: itemId "${itemId}" is not in the catalogue.`, { details: { itemId } });
      return toResults(s, similarTo(s.model, index, k, filter));
    },

    async search(query, k, filter) {
      const s = state();
      if (typeof query !== 'string' || query.trim() === '') throw new PocketRecError('invalid-option', 'search: query must be a non-empty string.', { details: { query: String(query) } });
      const [vector] = await s.encoder.embed([query]);
      return toResults(s, searchItems(s.model, vector!, query, k, tasteVector(s.profile, s.rankSettings), filter));
    },

    async embed(texts) {
      const s = state();
      if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new PocketRecError('invalid-option', 'embed: texts must be an array of strings.');
      const started = performance.now();
      const vectors = await s.encoder.embed(texts);
      s.timings.lastEmbedMs = performance.now() - started;
      return transfer(vectors, vectors.map((v) => v.buffer as ArrayBuffer));
    },

    async status() {
      const s = state();
      return {
        catalog: { version: s.catalog.version, itemCount: s.model.count, fromCache: s.fromCache, staleBecause: s.staleBecause },
        encoder: { id: s.encoder.id, device: s.encoder.device, dim: s.encoder.dim, skipped: s.skipped },
        sequence: s.sequence ? sequenceStatus(s.sequence) : null,
        historySize: s.historySize,
        sessionId: s.session.id,
        timings: { ...s.timings },
      };
    },

    async exportHistory() {
      return state().store.exportHistory();
    },

    forget() {
      return serial(async () => {
        const s = state();
        await s.store.forget();
        s.profile = createProfile(s.encoder.dim);
        await refreshSequence(s);
        s.historySize = 0;
        s.session = { id: newSessionId(), lastTs: 0 };
      });
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      ready?.store.close();
      await ready?.encoder.dispose();
      await ready?.sequence?.model?.dispose();
      ready = null;
    },
  };
}

/** int8 rows for every item, in the kernel's memory: shipped ones if they come from our encoder, else cached, else embedded now. */
async function itemVectors(catalog: Catalog, encoder: TextEncoder, store: HistoryStore, events: EngineEvents, kernel: VectorKernel): Promise<Int8Rows> {
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
  events.progress({ phase: 'embed', loaded: 0, total });
  for (let start = 0; start < total; start += EMBED_BATCH) {
    const end = Math.min(total, start + EMBED_BATCH);
    const batch = Array.from({ length: end - start }, (_, i) => itemText(catalog.records.get(start + i)));
    const flat = new Float32Array(batch.length * encoder.dim);
    (await encoder.embed(batch)).forEach((v, i) => flat.set(v, i * encoder.dim));
    const q = quantizeRows(flat, encoder.dim);
    rows.scales.set(q.scales, start);
    rows.values.set(q.values, start * encoder.dim);
    events.progress({ phase: 'embed', loaded: end, total });
  }
  // Copies: the rows are views into the kernel's whole memory, which a structured clone would store entire.
  const copy: Int8Rows = { dim: rows.dim, scales: rows.scales.slice(), values: rows.values.slice() };
  await store.putCached(key, copy).catch((error: unknown) => console.warn('engine: could not cache item vectors; the next visit embeds again.', error));
  return rows;
}

/**
 * The catalogue's sequence model on the first device that runs it. When none does, the engine still starts: the
 * status says why, and ranking uses every other signal.
 */
async function openSequenceModel(shipped: NonNullable<Catalog['sequence']>, kernel: VectorKernel, config: EngineConfig): Promise<SequenceSlot> {
  const { ref } = shipped;
  const runtime = await loadRuntime(config.wasmBaseUrl, config.devices);
  const slot: SequenceSlot = { ref, model: null, skipped: [...runtime.skipped], history: [], probabilities: undefined };
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

function newSessionId(): string {
  return crypto.randomUUID();
}
