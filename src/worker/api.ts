import type { CacheWriteReport, CATALOG_RANK_SETTINGS, CatalogSettings, Item, LoadProgress, SequenceTraining } from '../catalog';
import type { ErrorCode } from '../errors';
import type { Device, EncoderChoice, LanguageCoverage, ModelProgress } from '../encoder';
import type { RuntimeProgress } from '../onnx';
import type { BehaviourEvent } from '../profile';
import type { RankFilter } from '../rank';
import type { Recommendation, RecommendRequest, SearchOptions, SurfaceOptions, TrendingOptions, Update } from '../session';
import type { HistoryExport, Retention } from '../store';

/** What the host passes to `track`; `ts` defaults to now; a numeric `itemId` means its decimal string, as in catalogues. */
export type TrackEvent = Omit<BehaviourEvent, 'ts' | 'itemId'> & { ts?: number; itemId?: string | number };

export type { Recommendation, RecommendRequest, SearchOptions, SurfaceOptions, TrendingOptions, Update };

/**
 * Start-up phases come before `ready` (`catalog-download`, `catalog-parse`, and, when the encoder is needed for it,
 * `model-download`, `runtime-download`, `embed`); what loads after it (the sequence model's files and runtime, a
 * lazily loaded encoder) keeps reporting `sequence-download` / `model-download` / `runtime-download` after `ready`.
 */
export type Progress = LoadProgress | ModelProgress | RuntimeProgress | { phase: 'embed'; loaded: number; total: number } | { phase: 'ready'; loaded: 1; total: 1 };

/** The parts of start-up a host can wait for: `catalog` is what the first recommendation needs. */
export type PartName = 'catalog' | 'encoder' | 'sequence';

/**
 * Where a part stands: `idle` (not asked for yet: the encoder, with shipped embeddings, until the first query or
 * review), `loading`, `ready`, or `off` (it will not run; `reason` says why).
 */
export type PartState = 'idle' | 'loading' | 'ready' | 'off';

/** Where a catalogue update came from: the host's `updateCatalog`, the periodic revalidation, or another tab's swap. */
export type CatalogTrigger = 'update' | 'revalidate' | 'other-tab';

/**
 * The outcome of one catalogue update, as `onCatalogChange` listeners and `status().catalog.lastUpdate` see it.
 * `failed` means the previous catalogue is still served, whole.
 */
export interface CatalogChange {
  outcome: 'updated' | 'unchanged' | 'failed';
  trigger: CatalogTrigger;
  /** The URL asked for; null for inline items. */
  source: string | null;
  /** The version served after the update (the previous one when unchanged or failed). */
  version: string;
  previousVersion: string;
  itemCount: number;
  /** Parts read from the cache because their sha256 did not change (an `updated` outcome only). */
  reusedParts: string[];
  /**
   * Parts rebuilt from the cached previous version's and a delta the build wrote (`pocketrec build --previous`):
   * only the delta was downloaded (an `updated` outcome only).
   */
  deltaParts: string[];
  /** Parts whose delta could not be applied (damaged, or not matching the part's sha256): downloaded whole. */
  deltaFallbacks: string[];
  /** When it finished, in ms since the epoch. */
  at: number;
  /** Why it failed: the coded error's code and message. */
  error?: { code: ErrorCode; message: string };
}

export interface Status {
  catalog: {
    version: string;
    itemCount: number;
    fromCache: boolean;
    staleBecause: string | null;
    /** The catalogue's URL; null for inline items. */
    source: string | null;
    /** The last update attempt (updateCatalog, revalidation, another tab); null before the first. */
    lastUpdate: CatalogChange | null;
    /**
     * Writing the served catalogue into the cache, for the next visit: `pending` while it runs behind start-up,
     * then `written`, `failed` (with `code`, the next visit downloads again) or `aborted` (by forget()). Null when
     * nothing was written (read from the cache, inline items).
     */
    cacheWrite: CacheWriteReport | null;
  };
  encoder: {
    state: PartState;
    /** Why the encoder is off (its vectors do not match the catalogue's), else null. */
    reason: string | null;
    /** Null until the encoder has loaded. */
    id: string | null;
    device: Device | null;
    dim: number | null;
    skipped: Array<{ device: Device; reason: string }>;
    /** Languages whose queries and reviews the encoder embeds (null until loaded); texts in other scripts take the lexical path. */
    languages: LanguageCoverage | null;
    /** Queries and reviews sent to the lexical path alone because the encoder does not cover their script. */
    lexicalOnlyTexts: number;
  };
  /** The item vectors ranking and search run on (and that every query and review is mapped into). */
  vectors: VectorsStatus;
  /** The catalogue's trained next-item model; null when the catalogue ships none. */
  sequence: SequenceStatus | null;
  /**
   * The engine settings ranking uses: the library's defaults, then the catalogue's tuned `settings.rank`, then the
   * host's `diversity`; `tuned` is how the build chose them (null for a catalogue without tuned settings).
   */
  settings: { rank: Readonly<Record<(typeof CATALOG_RANK_SETTINGS)[number], number>>; tuned: NonNullable<CatalogSettings['tuned']> | null };
  historySize: number;
  /** `persistent: false` when IndexedDB could not be opened: the history then lives in memory for this visit only. */
  store: { persistent: boolean };
  /** The vector kernel ranking runs on: WASM SIMD, or plain JS with the reason. */
  kernel: { kind: 'wasm-simd' | 'js'; fallbackReason?: string };
  sessionId: string;
  timings: {
    catalogLoadMs: number | null;
    embedMs: number | null;
    lastRecommendMs: number | null;
    lastSequenceMs: number | null;
    /** The last `embed()` call inside the worker: the encoder alone, without the message round trip. */
    lastEmbedMs: number | null;
  };
  counts: {
    /** Sequence model runs: at most one per burst of events, only when a ranking needs it. */
    sequenceRuns: number;
    /** Coalesced updates pushed to subscribers: one per burst of events, none without a subscriber. */
    pushes: number;
    /** Times the client restarted a crashed worker (the client fills this in). */
    restarts: number;
  };
}

/**
 * `full`: the encoder's own vectors. `pca`: the catalogue's PCA projection of them (`pocketrec build --vectors`),
 * `sourceDim` → `dim`; the encoder's outputs are projected the same way in the worker.
 */
export interface VectorsStatus {
  method: 'full' | 'pca';
  dim: number;
  sourceDim: number;
}

export interface SequenceStatus {
  /** It opens after the first recommendation can be served: `loading` until then, `off` when no device runs it. */
  state: Exclude<PartState, 'idle'>;
  reason: string | null;
  /** Whether the last ranking (`recommend` or a push) used its scores. */
  usedByLastRank: boolean;
  /** First 12 hex digits of the model file's sha256. */
  version: string;
  bytes: number;
  dtype: 'float32' | 'int8';
  /** `none` while it loads or when no device could run it: recommendations then come from the other signals alone. */
  device: 'webgpu' | 'wasm' | 'none';
  skipped: Array<{ device: 'webgpu' | 'wasm'; reason: string }>;
  training: SequenceTraining | null;
}

/** Fully resolved engine settings; the client fills every default before they cross. */
export interface EngineConfig {
  /** A resolved absolute URL, or inline items. */
  catalog: string | Item[];
  dbName: string;
  retention: Retention;
  defaultK: number;
  halfLifeDays: number;
  sessionTimeoutMinutes: number;
  /** The host's MMR λ; when absent, the catalogue's tuned `diversityLambda`, else the library's default. */
  diversity?: number;
  /** `'auto'`, `'lexical'`, or a transformers.js model with its folder URL resolved against the page. */
  encoder: EncoderChoice;
  /** Absolute URL of the folder with the model's `manifest.json`; null for the model bundled next to the worker. */
  modelBaseUrl: string | null;
  devices: Array<'webgpu' | 'wasm'>;
  allowEmptyCatalog: boolean;
  /** Re-fetch the catalogue's URL this often (ms) and swap in a new version; 0: never. */
  revalidateEveryMs: number;
}

/** The one sink the client registers: the worker pushes progress and updates through it. */
export interface EngineEvents {
  progress(p: Progress): void;
  updated(update: Update): void;
  /** After every catalogue update attempt, whatever its trigger and outcome. */
  catalogChanged(change: CatalogChange): void;
}

/**
 * The worker's contract. Every argument and result is plain data (structured-clone safe); the client sees it
 * as `Remote<EngineApi>`, so each method returns a promise there.
 */
export interface EngineApi {
  init(config: EngineConfig, events: EngineEvents): Promise<Status>;
  /**
   * Resolves once the event is durably stored and folded into the profile. `key` identifies the delivery: an
   * event re-sent after a crash whose key is already stored is acknowledged without a second write.
   */
  track(event: TrackEvent, key?: string): Promise<void>;
  /**
   * Takes the Web Lock `name` for the worker's whole life and resolves once it is held: the client then waits on
   * the same lock, which the browser grants only when this worker is gone, however it died.
   */
  holdLifeline(name: string): Promise<void>;
  /**
   * Resolves once `part` is ready or off, loading it if nobody asked yet (`'encoder'` with shipped embeddings).
   * `'catalog'` is ready as soon as `init` resolved.
   */
  ready(part: PartName): Promise<void>;
  /** Whether the host has subscribers: only then does the worker rank after events and push `updated`. */
  setSubscribed(subscribed: boolean): Promise<void>;
  recommend(request: RecommendRequest): Promise<Recommendation[]>;
  similar(itemId: string, k: number, filter?: RankFilter): Promise<Recommendation[]>;
  search(query: string, k: number, options?: SearchOptions): Promise<Recommendation[]>;
  related(itemIds: string[], options?: SurfaceOptions): Promise<Recommendation[]>;
  boughtTogether(itemIds: string[], options?: SurfaceOptions): Promise<Recommendation[]>;
  lookingSimilar(itemId: string, options?: SurfaceOptions): Promise<Recommendation[]>;
  trending(options?: TrendingOptions): Promise<Recommendation[]>;
  /** The encoder's unit vectors for texts (the same space as the catalogue's). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * Loads `source` (a resolved URL or inline items; null: the catalogue served now, re-fetched) and swaps it in
   * atomically, keeping the visitor's history. Rejects with the coded error when it fails; the previous
   * catalogue then stays in use.
   */
  updateCatalog(source: string | Item[] | null): Promise<CatalogChange>;
  status(): Promise<Status>;
  exportHistory(): Promise<HistoryExport>;
  forget(): Promise<void>;
  dispose(): Promise<void>;
}
