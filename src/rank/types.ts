import type { CatalogColumns, CsrRows } from '../catalog/types';
import type { EventContext, ItemAttributes, ItemSpace } from '../profile';
import type { VectorKernel } from '../vector';

/** Compressed sparse rows: the neighbours of item i are `targets[offsets[i] .. offsets[i+1])`, uint16 weights. */
export type SparseRows = CsrRows;

/**
 * Everything ranking needs about the catalogue: its columns, its int8 rows and an id index. No per-item objects:
 * a display record is decoded only for an item that is shown (`titleOf`).
 */
export interface RankModel extends ItemSpace, CatalogColumns {
  /** Scans `rows`: WASM SIMD where it runs (the rows then live in its memory), else plain JS. */
  readonly kernel: VectorKernel;
  titleOf(index: number): string;
  attributesOf(index: number): ItemAttributes;
  /** Dictionary code of a category, brand or tag name; undefined when no item has it. */
  categoryCode(name: string): number | undefined;
  brandCode(name: string): number | undefined;
  tagCode(name: string): number | undefined;
}

/** Weights of the hybrid score. Chosen on the evaluation's VALID split; see `DEFAULT_RANK_SETTINGS`. */
export interface RankSettings {
  sessionWeight: number;
  intentWeight: number;
  negativeWeight: number;
  popularityWeight: number;
  trendingWeight: number;
  freshnessWeight: number;
  /** Items younger than this get the freshness bonus, fading linearly. @defaultValue 30 */
  freshnessDays: number;
  categoryWeight: number;
  tagWeight: number;
  brandWeight: number;
  /** Bonus for items inside the visitor's price band (log-normal fit of liked items' prices). */
  priceWeight: number;
  /** Bonus for categories the visitor favours in the current situation (daypart, weekend, device). */
  contextWeight: number;
  /** Candidate-aware attention: how much a candidate's closest recent items (recency-weighted) add. */
  attentionWeight: number;
  neighborWeight: number;
  transitionWeight: number;
  /** The trained sequence model's next-item probability, relative to its first choice (so in [0, 1]). */
  sequenceWeight: number;
  /** MMR trade-off: 1 ranks by score alone, lower values trade score for variety. @defaultValue 0.55 */
  diversityLambda: number;
  /** At most this many results per category; Infinity for no cap. @defaultValue 4 */
  maxPerCategory: number;
}

export interface RankFilter {
  categories?: readonly string[];
  minPrice?: number;
  maxPrice?: number;
}

export interface RankRequest {
  k: number;
  now: number;
  /** Item positions never to return. */
  exclude?: ReadonlySet<number>;
  filter?: RankFilter;
  /** Item positions that must come first, in this order (host merchandising). */
  pinned?: readonly number[];
  /** The situation of the request, for context-aware scoring. */
  context?: EventContext;
  /** Reserve the last slot for an item outside the visitor's usual categories (exploration). */
  explore?: boolean;
  /**
   * Every item's next-item probability from the catalogue's sequence model, relative to its first choice (in
   * [0, 1], see `relativeProbabilities`); absent without a model.
   */
  sequence?: Float32Array;
  /** Results scoring below this are left out, even if fewer than `k` remain. @defaultValue -Infinity */
  threshold?: number;
}

/** Where a surface's empty places come from: nowhere, trending overall, trending in the seeds' categories, popular. */
export const SURFACE_FALLBACKS = Object.freeze(['none', 'trending', 'trending-in-category', 'popular'] as const);
export type SurfaceFallback = (typeof SURFACE_FALLBACKS)[number];

/** A request to one of the non-personal surfaces (related, bought-together, looking-similar, trending), resolved. */
export interface SurfaceRequest {
  k: number;
  /** Model results scoring below this are left out; `-Infinity` for none. Fallback items do not need to clear it. */
  threshold: number;
  fallback: SurfaceFallback;
  /** Item positions never to return. */
  exclude?: ReadonlySet<number>;
  filter?: RankFilter;
}

/** Why an item was chosen, as data; `explain()` turns it into words. */
export type Reason =
  | { kind: 'history'; source: number; eventType: string }
  | { kind: 'search'; query: string }
  | { kind: 'similar'; source: number }
  | { kind: 'also-liked'; source: number }
  | { kind: 'next'; source: number }
  | { kind: 'popular' }
  | { kind: 'trending'; category?: string }
  | { kind: 'bought-together'; source: number }
  | { kind: 'looks-like'; source: number }
  | { kind: 'brand'; brand: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'price' }
  | { kind: 'fresh' }
  | { kind: 'category'; category: string }
  | { kind: 'pinned' }
  | { kind: 'explore' }
  | { kind: 'catalog' };

export interface Ranked {
  index: number;
  score: number;
  reason: Reason;
}
