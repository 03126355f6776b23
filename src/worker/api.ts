import type { Item, LoadProgress, SequenceTraining } from '../catalog';
import type { Device, EncoderChoice, LanguageCoverage, ModelProgress } from '../encoder';
import type { BehaviourEvent, EventContext } from '../profile';
import type { RankFilter, SurfaceFallback } from '../rank';
import type { HistoryExport, Retention } from '../store';

/** What the host passes to `track`; `ts` defaults to now; a numeric `itemId` means its decimal string, as in catalogues. */
export type TrackEvent = Omit<BehaviourEvent, 'ts' | 'itemId'> & { ts?: number; itemId?: string | number };

export interface RecommendRequest {
  /** How many results. @defaultValue the recommender's `defaultK` */
  k?: number;
  /** Item ids never to return (e.g. what the page already shows). */
  exclude?: string[];
  filter?: RankFilter;
  /** Item ids to put first, in order (merchandising). */
  pinned?: string[];
  /** The moment to rank for, in ms. @defaultValue now */
  now?: number;
  /** The situation (device, surface) for context-aware ranking; daypart and weekday come from `now`. */
  context?: EventContext;
  /** Reserve the last slot for something outside the visitor's usual categories. @defaultValue false */
  explore?: boolean;
  /** Leave out results scoring below this (the hybrid score's scale), even if fewer than `k` remain. @defaultValue none */
  threshold?: number;
}

/** Options every surface beside the personal feed takes (related, bought-together, looking-similar, trending). */
export interface SurfaceOptions {
  /** How many results at most. @defaultValue the recommender's `defaultK` */
  k?: number;
  /**
   * Leave out model results scoring below this; when nothing clears it the result is empty (or the fallback).
   * Scales: bought-together and trending score in (0, 1]; related and looking-similar are cosines, about −1 to 1.2.
   * @defaultValue none
   */
  threshold?: number;
  /**
   * What fills the places the model leaves empty: `'trending'`, `'trending-in-category'` (the seeds'
   * categories), `'popular'`, or `'none'`. Fallback items need trend or popularity evidence of their own.
   * @defaultValue 'none'
   */
  fallback?: SurfaceFallback;
  filter?: RankFilter;
  /** Item ids never to return. */
  exclude?: string[];
}

export interface TrendingOptions extends SurfaceOptions {
  /** Only this category. @defaultValue every category */
  category?: string;
  /** Trending over the last this many days; one of the windows the catalogue was built with (1, 7, 30 by default). @defaultValue the catalogue's main window (7) */
  window?: number;
}

export interface SearchOptions {
  filter?: RankFilter;
  /** Leave out matches whose relevance (words + meaning, before the personal tilt; about 0 to 2) is below this. @defaultValue none */
  threshold?: number;
}

/** One result: the host's own item record, a score, and why it was chosen. */
export interface Recommendation {
  id: string;
  item: Item;
  score: number;
  reason: string;
}

export type Progress = LoadProgress | ModelProgress | { phase: 'embed'; loaded: number; total: number } | { phase: 'ready'; loaded: 1; total: 1 };

export interface Update {
  recommendations: Recommendation[];
  /** The event that caused the update. */
  cause: BehaviourEvent;
}

export interface Status {
  catalog: { version: string; itemCount: number; fromCache: boolean; staleBecause: string | null };
  encoder: {
    id: string;
    device: Device;
    dim: number;
    skipped: Array<{ device: Device; reason: string }>;
    /** Languages whose queries and reviews the encoder embeds; texts in other scripts take the lexical path. */
    languages: LanguageCoverage;
    /** Queries and reviews sent to the lexical path alone because the encoder does not cover their script. */
    lexicalOnlyTexts: number;
  };
  /** The catalogue's trained next-item model; null when the catalogue ships none. */
  sequence: SequenceStatus | null;
  historySize: number;
  /** `persistent: false` when IndexedDB could not be opened: the history then lives in memory for this visit only. */
  store: { persistent: boolean };
  sessionId: string;
  timings: {
    catalogLoadMs: number | null;
    embedMs: number | null;
    lastRecommendMs: number | null;
    lastSequenceMs: number | null;
    /** The last `embed()` call inside the worker: the encoder alone, without the message round trip. */
    lastEmbedMs: number | null;
  };
}

export interface SequenceStatus {
  /** First 12 hex digits of the model file's sha256. */
  version: string;
  bytes: number;
  dtype: 'float32' | 'int8';
  /** `none` when no device could run it: recommendations then come from the other signals alone. */
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
  diversity: number;
  /** `'auto'`, `'lexical'`, or a transformers.js model with its folder URL resolved against the page. */
  encoder: EncoderChoice;
  /** Absolute URL of the folder with the model's `manifest.json`. */
  modelBaseUrl: string;
  /** Absolute URL of the folder with onnxruntime-web's `.wasm` files. */
  wasmBaseUrl: string;
  devices: Array<'webgpu' | 'wasm'>;
  allowEmptyCatalog: boolean;
}

/** The one sink the client registers: the worker pushes progress and updates through it. */
export interface EngineEvents {
  progress(p: Progress): void;
  updated(update: Update): void;
}

/**
 * The worker's contract. Every argument and result is plain data (structured-clone safe); the client sees it
 * as `Remote<EngineApi>`, so each method returns a promise there.
 */
export interface EngineApi {
  init(config: EngineConfig, events: EngineEvents): Promise<Status>;
  track(event: TrackEvent): Promise<void>;
  recommend(request: RecommendRequest): Promise<Recommendation[]>;
  similar(itemId: string, k: number, filter?: RankFilter): Promise<Recommendation[]>;
  search(query: string, k: number, options?: SearchOptions): Promise<Recommendation[]>;
  related(itemIds: string[], options?: SurfaceOptions): Promise<Recommendation[]>;
  boughtTogether(itemIds: string[], options?: SurfaceOptions): Promise<Recommendation[]>;
  lookingSimilar(itemId: string, options?: SurfaceOptions): Promise<Recommendation[]>;
  trending(options?: TrendingOptions): Promise<Recommendation[]>;
  /** The encoder's unit vectors for texts (the same space as the catalogue's). */
  embed(texts: string[]): Promise<Float32Array[]>;
  status(): Promise<Status>;
  exportHistory(): Promise<HistoryExport>;
  forget(): Promise<void>;
  dispose(): Promise<void>;
}
