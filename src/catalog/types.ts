import type { Int8Rows, Projection } from '../vector';

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
export type CatalogManifest = CatalogManifestV1 | CatalogManifestV2;

/** Element types of a binary section; every section is little-endian and starts 8-byte aligned. */
export type SectionDtype = 'u8' | 'i8' | 'u16' | 'u32' | 'f32' | 'f64';

/** One typed array inside a binary part: `length` elements of `dtype` at byte `offset`. */
export interface PartSection {
  name: string;
  dtype: SectionDtype;
  offset: number;
  length: number;
}

/**
 * One file of a v2 catalogue. The browser checks it while it streams, chunk by chunk: `chunkSha256[k]` is the
 * sha256 of bytes `[k·chunkBytes, (k+1)·chunkBytes)`, so WebCrypto (which cannot hash a stream) checks each chunk
 * as it completes and a bad byte is caught before the rest arrives. `sha256` is the whole file's, for tools.
 */
export interface CatalogPart {
  url: string;
  bytes: number;
  sha256: string;
  chunkBytes: number;
  chunkSha256: string[];
  /** The typed arrays inside; empty for a part read as text (the NDJSON records). */
  sections: PartSection[];
}

/** Format 2: binary columns, int8 rows and NDJSON display records, each a streamed, checked, cached part. */
export interface CatalogManifestV2 {
  formatVersion: 2;
  version: string;
  itemCount: number;
  parts: {
    /** Ids, typed columns, dictionaries, CSR signals, the lexical index and the records' line offsets. */
    columns: CatalogPart;
    /** The items as NDJSON, one line per item in item order; only shown items are ever parsed. */
    records: CatalogPart;
    /** Sections `scales` (f32 × itemCount) and `values` (i8 × itemCount × dim). */
    embeddings?: CatalogPart & { model: string; dim: number; lexicalFit?: LexicalFit };
    /**
     * How the encoder's vectors were shrunk to the embeddings' `dim` (`pocketrec build --vectors pca-<d>`):
     * sections `mean` (f32 × sourceDim) and `components` (f32 × dim × sourceDim, orthonormal rows). The worker
     * applies it to every text it embeds, so queries land in the items' space. Absent for full-size vectors.
     */
    projection?: CatalogPart & ProjectionInfo;
  };
  sequence?: SequenceModelRef;
  /** Engine settings the build chose on the site's own log (`pocketrec build --tune-minutes`); the worker applies them. */
  settings?: CatalogSettings;
  /** How to rebuild changed parts from the previous version's (`pocketrec build --previous`); the full parts stay listed. */
  delta?: CatalogDelta;
}

/** The parts a delta may rebuild: the binary parts and the records, not the sequence model's files. */
export const DELTA_PARTS = Object.freeze(['columns', 'records', 'embeddings', 'projection'] as const);

/**
 * A transfer optimisation, checked like everything else: a browser that caches the previous version's part whose
 * sha256 is `base` downloads the delta part (sections `ops`, f64 `[from, length]` pairs, from -1 taking the next
 * `length` bytes of `literal`, u8), rebuilds the part and checks it against the full part's chunks. Anyone else,
 * or a rebuild that does not match, downloads the full part.
 */
export interface CatalogDelta {
  /** The previous catalogue's version. */
  from: string;
  parts: Partial<Record<(typeof DELTA_PARTS)[number], CatalogPart & { base: string }>>;
}

/** The rank weights a build may set; every value a finite number ≥ 0, `diversityLambda` at most 1. */
export const CATALOG_RANK_SETTINGS = Object.freeze(['transitionWeight', 'neighborWeight', 'popularityWeight', 'trendingWeight', 'sessionWeight', 'diversityLambda'] as const);

/** The manifest's `settings`: what the build's tuning chose, and on what. */
export interface CatalogSettings {
  rank?: Partial<Record<(typeof CATALOG_RANK_SETTINGS)[number], number>>;
  /** Neighbours kept per item when the signals were built (informational: the lists are already cut). */
  neighbors?: number;
  tuned?: {
    metric: string;
    /** The metric of the chosen settings on the held-out slice, and of the starting point (the defaults). */
    value: number;
    baseline: number;
    heldOutUsers: number;
    trials: number;
    seed: number;
    /** `budget` when the time ran out before the search plan did; `plan` otherwise. */
    stopped: 'plan' | 'budget';
    /** A key of the log's bytes and the tuning options it ran with: an incremental build on the same log keeps these settings. */
    log?: string;
    /** The catalogue version whose build ran this tuning, when incremental builds since kept its settings. */
    keptFrom?: string;
  };
}

/** What a catalogue's projection is: the method, the encoder's dimension and the shipped one. */
export interface ProjectionInfo {
  method: 'pca';
  sourceDim: number;
  dim: number;
}

/**
 * How the build's lexical encoder was fitted (present when the vectors are lexical): in how many items each
 * dimension's hash bucket occurs. A browser rebuilds the same encoder from these 2–4 KB instead of tokenizing
 * every item again, which at 10⁶ items was most of a warm start.
 */
export interface LexicalFit {
  /** Items counted: the catalogue's itemCount. */
  documents: number;
  /** Per hash bucket, the items whose text hashes into it; its length is the lexical encoder's dimension. */
  df: number[];
}

/** Format 1: JSON items, optional embeddings and id-keyed JSON signals; still read, converted when loaded. */
export interface CatalogManifestV1 {
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
  /**
   * ONNX graph: `embedded` float [batch, maxLen, dim] (the history's table rows × sqrt(dim), left-padded with zeros)
   * and `mask` float [batch, maxLen] (1 = an item) → `hidden` float [batch, dim]. Item scores are hidden · table row.
   */
  url: string;
  bytes: number;
  sha256: string;
  /** The item table: one int8 row with an f32 scale per catalogue item, in item order (f32 scales, then int8 values). */
  table: { url: string; bytes: number; sha256: string; dim: number };
  /** JSON array: the item id of every model row. A model is used only when it equals the catalogue's id order. */
  items: string;
  /** The item list's size, so start-up progress knows every byte from the start (older manifests lack it). */
  itemsBytes?: number;
  /** Shown in `status()`; the table is always read as int8 rows (`pocketrec build` writes "int8"). */
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

/**
 * Compressed sparse rows over item positions: the entries of item i are `targets[offsets[i] .. offsets[i+1])`.
 * Weights are normalised per row to (0, 1] and kept as uint16 (weight = value / 65535): half the bytes of f32,
 * and a step of 1.5e-5 is far below what the score can tell apart.
 */
export interface CsrRows {
  readonly offsets: Uint32Array;
  readonly targets: Uint32Array;
  readonly weights: Uint16Array;
}

/** Per-item codes into a dictionary; code 0 means "none", so `names[0]` is the empty string. */
export interface DictionaryColumn {
  readonly codes: Uint32Array;
  readonly names: readonly string[];
}

/**
 * The exact word index for search (BM25), prebuilt: `terms` sorted by code unit so a query term is found by
 * binary search, postings as CSR (`items`/`tf` of term t at `offsets[t] .. offsets[t+1]`).
 */
export interface LexicalIndex {
  readonly terms: readonly string[];
  readonly offsets: Uint32Array;
  readonly items: Uint32Array;
  readonly tf: Uint16Array;
  /** Tokens per item (title counted twice). */
  readonly lengths: Uint16Array;
  readonly avgLength: number;
}

/**
 * The catalogue in columns, indexed by item position: what ranking and profile folding read, and nothing else.
 * v1 catalogues are converted into it once when loaded; v2 parts decode straight into it.
 */
export interface CatalogColumns {
  readonly count: number;
  readonly ids: readonly string[];
  /** NaN where an item has no price. */
  readonly prices: Float64Array;
  /** Publication time in ms; NaN where unknown. */
  readonly publishedMs: Float64Array;
  readonly repeatable: Uint8Array;
  /** log-scaled to [0, 1]; zeros when the catalogue ships no popularity. */
  readonly popularity: Float32Array;
  readonly trending: Float32Array;
  readonly categories: DictionaryColumn;
  readonly brands: DictionaryColumn;
  /** Tag codes of item i at `tags.offsets[i] .. tags.offsets[i+1]` of `tags.codes`, into `tagNames`. */
  readonly tags: { readonly offsets: Uint32Array; readonly codes: Uint32Array };
  readonly tagNames: readonly string[];
  readonly neighbors: CsrRows | null;
  readonly transitions: CsrRows | null;
  /** Items put in one basket with each item (co-purchase, same cart); null when the catalogue ships none. */
  readonly boughtTogether: CsrRows | null;
  /** Trending per window in days, each log-scaled to [0, 1] like `trending`; empty when none were built. */
  readonly trendingWindows: ReadonlyMap<number, Float32Array>;
  readonly lexical: LexicalIndex;
}

/** Display records, off the hot path: only the k results of a call are decoded. */
export interface ItemRecords {
  readonly count: number;
  /**
   * Reads the records of these items from wherever they are kept (a warm start leaves them in the cache), so that
   * `get` returns them at once; already-held records cost nothing.
   * @throws PocketRecError `catalog-invalid` when a record cannot be read back intact from the cache or the network
   */
  load(indexes: readonly number[]): Promise<void>;
  /** @throws RangeError for a position outside the catalogue or a record not loaded first */
  get(index: number): Item;
}

/** A catalogue as held in memory once loaded and validated. */
export interface Catalog {
  readonly version: string;
  readonly columns: CatalogColumns;
  readonly records: ItemRecords;
  /** Present when the catalogue shipped vectors; `model` names their encoder, `lexicalFit` how a lexical one was fitted. */
  readonly embeddings?: { readonly model: string; readonly rows: Int8Rows; readonly lexicalFit?: LexicalFit };
  /** The build's tuned engine settings (`settings` of a format-2 manifest), validated. */
  readonly settings?: CatalogSettings;
  /** Present when the shipped vectors are a projection of the encoder's (their `dim` is the projection's). */
  readonly projection?: Projection & { readonly method: ProjectionInfo['method'] };
  /**
   * Reads the search index that a warm start left in the cache (ranking never needs it); absent when the index
   * is in memory already. Search calls it first.
   * @throws when the cached bytes cannot be read (the caller's search fails; the next one tries again)
   */
  readonly loadSearchIndex?: () => Promise<void>;
  /** Present when the catalogue shipped a sequence model whose items match its own. */
  readonly sequence?: { readonly ref: SequenceModelRef; readonly model: Uint8Array; readonly table: Int8Rows };
}

/**
 * `sequence-download`: the sequence model's files, when they download after the ranking parts (start-up does not
 * wait for them, so this phase may go on after `ready`); its total is fixed from its first event.
 */
export type LoadProgress =
  | { phase: 'catalog-download'; loaded: number; total: number; part?: string }
  | { phase: 'catalog-parse'; loaded: number; total: number; part?: string }
  | { phase: 'sequence-download'; loaded: number; total: number; part?: string };
