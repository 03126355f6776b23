import type { CatalogSource } from '../catalog';
import type { Language, TransformersDtype } from '../encoder';
import type { HistoryExport, Retention } from '../store';
import type { CatalogChange, PartName, Progress, Recommendation, RecommendRequest, SearchOptions, Status, SurfaceOptions, TrackEvent, TrendingOptions, Update } from '../worker';
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
  /** Long-term interests halve in weight over this many days. @defaultValue 60 */
  halfLifeDays?: number;
  /** A pause longer than this starts a new session. @defaultValue 30 */
  sessionTimeoutMinutes?: number;
  /**
   * The text encoder.
   * - `'auto'`: the bundled neural encoder (Universal Sentence Encoder Lite, int8 ONNX) on the first device that
   *   runs it, else the lexical encoder;
   * - `'lexical'`: no model download at all;
   * - `{ type: 'transformers', model, dtype?, device? }`: any transformers.js feature-extraction model (mean
   *   pooling, then L2 normalisation), from the Hugging Face hub by id or from a folder the site serves; see
   *   {@link TransformersEncoderOptions}. Falls back to the lexical encoder, with the reasons in
   *   `status().encoder.skipped`, when no device can run it.
   *
   * Catalogue embeddings shipped in a manifest are used only when they were made by the same encoder
   * (`status().encoder.id`); otherwise the worker embeds the catalogue once and caches the vectors.
   * @defaultValue 'auto'
   * @throws `invalid-option` naming the field (`encoder`, `encoder.model`, `encoder.dtype`, `encoder.device`)
   * @example
   * ```js
   * // A self-hosted copy of a hub repository (config.json, tokenizer.json, onnx/model_quantized.onnx):
   * await createRecommender({ catalog: '/catalog.json', encoder: { type: 'transformers', model: '/models/all-MiniLM-L6-v2/', dtype: 'q8' } });
   * // Straight from the hub:
   * await createRecommender({ catalog: '/catalog.json', encoder: { type: 'transformers', model: 'Xenova/all-MiniLM-L6-v2' } });
   * ```
   */
  encoder?: 'auto' | 'lexical' | TransformersEncoderOptions;
  /** Folder with the model's `manifest.json`. @defaultValue `models/` next to the worker bundle */
  modelBaseUrl?: string | URL;
  /** Devices to try for the model, in order; `encoder.device`, when given, replaces them. @defaultValue ['webgpu', 'wasm'] */
  devices?: Array<'webgpu' | 'wasm'>;
  /** 1 ranks by relevance alone; lower values trade relevance for variety (MMR λ). @defaultValue 0.55 */
  diversity?: number;
  /**
   * Start even when the catalogue has no items (an empty file, whitespace, `[]` or `itemCount: 0`). Without it such a
   * catalogue is rejected with `catalog-empty`, because it is almost always a broken deploy that would make every
   * call return `[]` without a word. @defaultValue false
   */
  allowEmptyCatalog?: boolean;
  /**
   * Fetch the catalogue's URL again this often, in milliseconds (at least 1000), and swap in a new version as
   * {@link Recommender.updateCatalog} does; a check costs one conditional request when nothing changed. Outcomes
   * reach `onCatalogChange` listeners. 0 never revalidates; only a URL catalogue can be revalidated.
   * @defaultValue 0
   * @throws `invalid-option` (below 1000, not a number, or with inline items)
   */
  revalidateEveryMs?: number;
  onProgress?: (progress: Progress) => void;
  /** Aborts start-up; the promise rejects with code `aborted`. */
  signal?: AbortSignal;
}

/**
 * A transformers.js feature-extraction model as the recommender's encoder. Nothing comes from a CDN: the ONNX
 * Runtime files are served with the worker (`transformers-ort/`), and the model from the one host `model` names.
 * Model files are kept in Cache Storage (`transformers-cache`), so later visits download nothing.
 */
export interface TransformersEncoderOptions {
  type: 'transformers';
  /**
   * A hub id (`'Xenova/all-MiniLM-L6-v2'`, downloaded from https://huggingface.co), or the URL of a folder laid
   * out like a hub repository: absolute (`https://…/`) or relative to the page, starting with `/`, `./` or `../`.
   * It needs `config.json`, `tokenizer.json`, `tokenizer_config.json` and `onnx/model<suffix>.onnx` for `dtype`.
   */
  model: string | URL;
  /** Which weight file to load (`fp32` → `onnx/model.onnx`, `q8` → `onnx/model_quantized.onnx`, …). @defaultValue 'fp32' */
  dtype?: TransformersDtype;
  /** Run only on this device instead of trying `devices` in order. @defaultValue undefined */
  device?: 'webgpu' | 'wasm';
  /**
   * The languages the model was trained on (`['zh', 'en']` for a bge-zh export). Queries and reviews whose
   * letters belong to no script of these languages go to the lexical path alone, as with the bundled English
   * encoder; `'any'` for a multilingual model.
   * @defaultValue 'any'
   */
  languages?: Language[] | 'any';
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** A running recommender. Every method runs in the worker; none blocks the page. */
export interface Recommender {
  /**
   * Records one behaviour event: resolves once it is durably stored and folded into the profile; subscribers get
   * one coalesced update per burst of events. If the worker crashes meanwhile, the client restarts it and sends
   * the event again (so an event that was written but not yet acknowledged may be stored twice).
   * @throws `invalid-event`
   */
  track(event: TrackEvent): Promise<void>;
  recommend(request?: RecommendRequest, options?: CallOptions): Promise<Recommendation[]>;
  similar(itemId: string | number, k?: number, options?: CallOptions & { filter?: RankFilter }): Promise<Recommendation[]>;
  /**
   * Items matching a query: exact words and meaning, with a light personal tilt. Queries in a script the encoder
   * does not cover match on words alone (`status().encoder.lexicalOnlyTexts` counts them).
   * @throws `invalid-option` (empty query, `threshold` not a finite number)
   * @example
   * await rec.search('zzqxv nonsense', 8, { threshold: 0.3 }); // → [] rather than eight poor matches
   */
  search(query: string, k?: number, options?: CallOptions & SearchOptions): Promise<Recommendation[]>;
  /**
   * Items related to one or several items (a product page, a cart, a viewed set): content resemblance plus what
   * visitors chose together, averaged over the seeds.
   * @throws `invalid-option` naming the field (an unknown item id, `k`, `threshold`, `fallback`, …)
   * @example
   * await rec.related(['sku-1', 'sku-7'], { k: 6, threshold: 0.3, fallback: 'trending-in-category' });
   */
  related(itemIds: string[], options?: CallOptions & SurfaceOptions): Promise<Recommendation[]>;
  /**
   * Items often put in the same basket as these (co-purchase, same cart; built by `pocketrec build` from the log).
   * Empty when the log holds no such baskets, unless a `fallback` is given.
   * @throws `invalid-option` naming the field
   */
  boughtTogether(itemIds: string[], options?: CallOptions & SurfaceOptions): Promise<Recommendation[]>;
  /** Items whose content (text and attributes as the encoder reads them) is closest to one item's; no behaviour. @throws `invalid-option` */
  lookingSimilar(itemId: string, options?: CallOptions & SurfaceOptions): Promise<Recommendation[]>;
  /**
   * What is trending on the site, overall or in one category, over one of the catalogue's windows.
   * @throws `invalid-option` naming the field (`window` lists the catalogue's windows)
   * @example
   * await rec.trending({ category: 'shoes', window: 1, k: 4 });
   */
  trending(options?: CallOptions & TrendingOptions): Promise<Recommendation[]>;
  /** Unit vectors for texts from the recommender's encoder, in the catalogue's space. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * Called with fresh recommendations after tracked events, once per burst; a listener that throws does not keep
   * the update from the others. Returns the unsubscribe function.
   */
  subscribe(listener: (update: Update) => void): () => void;
  /**
   * Resolves once a part of the engine is ready (or off: `status()` says why). `'catalog'` (the default) is ready
   * when `createRecommender` resolved: recommendations need nothing else. With embeddings shipped in the
   * catalogue the encoder loads only on the first query or review, or when `ready('encoder')` asks for it, so a
   * page can warm it up before its search box is used; the sequence model opens right after start-up and
   * rankings use it from the moment it is there (`'sequence'` waits for it).
   * @throws `invalid-option` for another part name
   * @example
   * const rec = await createRecommender({ catalog: '/catalog.json' }); // the catalogue alone
   * searchBox.addEventListener('focus', () => void rec.ready('encoder'), { once: true });
   */
  ready(part?: PartName): Promise<void>;
  /**
   * Replaces the catalogue while the recommender keeps answering: loads and validates `source` (default: the
   * catalogue's URL, fetched again), then swaps it in at once, so every call sees either the old or the new
   * catalogue whole. The visitor's history is kept and folded again against the new items (events of items that
   * left the catalogue are ignored). Parts whose sha256 did not change are read from the cache, not downloaded.
   * Other tabs of the site follow the swap from the shared cache. On failure the previous catalogue stays in use,
   * `status().catalog.lastUpdate` and `onCatalogChange` listeners get the error, and the promise rejects with it.
   * @throws `catalog-fetch-failed`, `catalog-invalid`, `catalog-empty`, `invalid-option` (a source that is no URL or items)
   * @example
   * const change = await rec.updateCatalog(); // { outcome: 'updated' | 'unchanged', version, reusedParts, deltaParts, … }
   */
  updateCatalog(source?: CatalogSource): Promise<CatalogChange>;
  /**
   * Called after every catalogue update attempt (updateCatalog, revalidation, a swap in another tab), with its
   * outcome; a listener that throws does not stop the others. Returns the function that removes it.
   */
  onCatalogChange(listener: (change: CatalogChange) => void): () => void;
  status(): Promise<Status>;
  exportHistory(): Promise<HistoryExport>;
  /** Deletes this visitor's history, settings and caches from the device. */
  forget(): Promise<void>;
  /**
   * Terminates the worker; later calls reject with `disposed` at once. Resolves (never rejects) once the worker
   * closed its database, after finishing a catalogue cache write still running, and is gone: await it before
   * leaving a page to keep the next visit's start-up from the cache.
   */
  dispose(): Promise<void>;
}
