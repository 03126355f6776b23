import type { CatalogSource } from '../catalog';
import type { HistoryExport, Retention } from '../store';
import type { Progress, Recommendation, RecommendRequest, Status, TrackEvent, Update } from '../worker';
import type { RankFilter } from '../rank';

/** Options of `createRecommender`. Only `catalog` is required. */
export interface RecommenderOptions {
  /** A manifest URL (`catalog.json`), the URL of a JSON array or NDJSON file of items, or the items themselves. */
  catalog: CatalogSource;
  /** Where the worker bundle is served. @defaultValue `pocketrec.worker.js` next to the PocketRec script */
  workerUrl?: string | URL;
  /** IndexedDB database name; two recommenders on one site can keep apart histories. @defaultValue 'pocketrec' */
  dbName?: string;
  /** How much history is kept. @defaultValue { maxEvents: 5000, maxAgeDays: 365 } */
  retention?: Partial<Retention>;
  /** Results per `recommend()` and per pushed update. @defaultValue 10 */
  defaultK?: number;
  /** Long-term interests halve in weight over this many days. @defaultValue 14 */
  halfLifeDays?: number;
  /** A pause longer than this starts a new session. @defaultValue 30 */
  sessionTimeoutMinutes?: number;
  /**
   * `'auto'`: the bundled neural text encoder (Universal Sentence Encoder Lite, int8 ONNX) on the first device
   * that runs it, else the lexical encoder; `'lexical'`: no model download at all. @defaultValue 'auto'
   */
  encoder?: 'auto' | 'lexical';
  /** Folder with the model's `manifest.json`. @defaultValue `models/` next to the worker bundle */
  modelBaseUrl?: string | URL;
  /** Devices to try for the model, in order. @defaultValue ['webgpu', 'wasm'] */
  devices?: Array<'webgpu' | 'wasm'>;
  /** 1 ranks by relevance alone; lower values trade relevance for variety (MMR λ). @defaultValue 0.55 */
  diversity?: number;
  onProgress?: (progress: Progress) => void;
  /** Aborts start-up; the promise rejects with code `aborted`. */
  signal?: AbortSignal;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** A running recommender. Every method runs in the worker; none blocks the page. */
export interface Recommender {
  /** Records one behaviour event; pushes fresh results to subscribers. @throws `invalid-event` */
  track(event: TrackEvent): Promise<void>;
  recommend(request?: RecommendRequest, options?: CallOptions): Promise<Recommendation[]>;
  similar(itemId: string, k?: number, options?: CallOptions & { filter?: RankFilter }): Promise<Recommendation[]>;
  search(query: string, k?: number, options?: CallOptions & { filter?: RankFilter }): Promise<Recommendation[]>;
  /** Unit vectors for texts from the recommender's encoder, in the catalogue's space. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Called with fresh recommendations after every tracked event. Returns the unsubscribe function. */
  subscribe(listener: (update: Update) => void): () => void;
  status(): Promise<Status>;
  exportHistory(): Promise<HistoryExport>;
  /** Deletes this visitor's history, settings and caches from the device. */
  forget(): Promise<void>;
  /** Terminates the worker; later calls reject with `disposed`. */
  dispose(): void;
}
