/** One thing the site can recommend. Unknown fields are kept and handed back to the host untouched. */
export interface Item {
  id: string;
  title: string;
  description?: string;
  category?: string;
  tags?: string[];
  brand?: string;
  price?: number;
  url?: string;
  imageUrl?: string;
  /** ISO 8601 date; drives freshness. */
  publishedAt?: string;
  attributes?: Record<string, unknown>;
  /** Consumables may be bought again; everything else is suppressed once purchased. */
  repeatable?: boolean;
  [extra: string]: unknown;
}

/** `catalog.json`: what `pocketrec build` writes and the browser reads first. */
export interface CatalogManifest {
  formatVersion: 1;
  /** Content hash of the catalogue; caches are keyed by it. */
  version: string;
  itemCount: number;
  /** URL of the items (JSON array or NDJSON), relative to the manifest. */
  items: string;
  /** Optional precomputed vectors, one row per item in item order. */
  embeddings?: EmbeddingsRef;
  /** Optional aggregate signals from the site's own logs (JSON, see `CatalogSignals`). */
  signals?: string;
  /** Optional next-item model trained on the site's logs by `pocketrec build`. */
  sequence?: SequenceModelRef;
}

/** What a sequence model was trained on and with. */
export interface SequenceTraining {
  sequences: number;
  bestEpoch: number;
  validNdcg10: number;
  /** Architecture and optimiser settings: dim, blocks, dropout, learningRate, batchSize, seed, sampledNegatives. */
  settings?: Record<string, number>;
}

/** A trained sequence model (SASRec) shipped with the catalogue; only weights travel, never a user's history. */
export interface SequenceModelRef {
  /** ONNX graph: `items` int64 [batch, maxLen] (left-padded, 0 = none, else row + 1) → `scores` [batch, itemCount]. */
  url: string;
  bytes: number;
  sha256: string;
  /** JSON array: the item id of every model row. A model is used only when it equals the catalogue's id order. */
  items: string;
  dtype: 'float32' | 'int8';
  maxLen: number;
  /** How training went, for `status()` and the curious. */
  training?: SequenceTraining;
}

export interface EmbeddingsRef {
  url: string;
  /** Encoder that produced the rows; the worker uses vectors only if it runs the same encoder. */
  model: string;
  dim: number;
  /** `int8`: little-endian f32 scale per row (itemCount × 4 bytes), then itemCount × dim int8 values. */
  dtype: 'int8' | 'f32';
}

/** Collaborative signals computed offline from aggregate logs; all keyed by item id. */
export interface CatalogSignals {
  popularity?: Record<string, number>;
  trending?: Record<string, number>;
  /** Item → items often seen with it, with weights. */
  neighbors?: Record<string, Array<[string, number]>>;
  /** Item → items that tend to come next, with weights. */
  transitions?: Record<string, Array<[string, number]>>;
  /** Item → items put in the same basket (cart or purchase) by one visitor within a day, with weights. */
  boughtTogether?: Record<string, Array<[string, number]>>;
  /** Trending counts per window: days (as a string key) → item → weighted events of the last that many days. */
  trendingWindows?: Record<string, Record<string, number>>;
}

/** A catalogue as held in memory once loaded and validated. */
export interface Catalog {
  readonly version: string;
  readonly items: readonly Item[];
  /** Present when the catalogue shipped vectors; `model` names their encoder. */
  readonly embeddings?: { readonly model: string; readonly dim: number; readonly vectors: Float32Array };
  readonly signals?: CatalogSignals;
  /** Present when the catalogue shipped a sequence model whose items match its own. */
  readonly sequence?: { readonly ref: SequenceModelRef; readonly model: Uint8Array };
}

export type LoadProgress =
  | { phase: 'catalog-download'; loaded: number; total: number }
  | { phase: 'catalog-parse'; loaded: number; total: number };
