// Types only, and from the types file: the pure core must not pull in the loader's I/O.
import type { CatalogSignals, Item } from '../catalog/types';
import { buildLexicalIndex } from './lexical-index';
import type { RankModel, SparseRows } from './types';

export interface RankModelInput {
  items: readonly Item[];
  /** Unit vectors, one row per item. */
  vectors: Float32Array;
  dim: number;
  signals?: CatalogSignals;
}

export function createRankModel({ items, vectors, dim, signals }: RankModelInput): RankModel {
  const count = items.length;
  const index = new Map<string, number>();
  items.forEach((item, i) => index.set(item.id, i));
  const prices = new Float64Array(count);
  const publishedMs = new Float64Array(count);
  const repeatable = new Uint8Array(count);
  items.forEach((item, i) => {
    prices[i] = item.price ?? Number.NaN;
    publishedMs[i] = item.publishedAt ? Date.parse(item.publishedAt) : Number.NaN;
    repeatable[i] = item.repeatable ? 1 : 0;
  });
  return {
    dim,
    vectors,
    count,
    indexOf: (id) => index.get(id),
    ids: items.map((i) => i.id),
    titles: items.map((i) => i.title),
    categories: items.map((i) => i.category),
    tags: items.map((i) => i.tags ?? []),
    brands: items.map((i) => i.brand),
    attributesOf: (i) => ({ category: items[i]?.category, tags: items[i]?.tags, brand: items[i]?.brand, price: items[i]?.price }),
    prices,
    publishedMs,
    repeatable,
    popularity: logScaled(count, index, signals?.popularity),
    trending: logScaled(count, index, signals?.trending),
    neighbors: sparseRows(count, index, signals?.neighbors),
    transitions: sparseRows(count, index, signals?.transitions),
    boughtTogether: sparseRows(count, index, signals?.boughtTogether),
    trendingWindows: new Map(Object.entries(signals?.trendingWindows ?? {}).map(([days, counts]) => [Number(days), logScaled(count, index, counts)])),
    lexical: buildLexicalIndex(items),
  };
}

/** Counts follow a power law; log-scaling keeps the head from drowning every other signal. */
function logScaled(count: number, index: Map<string, number>, counts: Record<string, number> | undefined): Float32Array {
  const out = new Float32Array(count);
  if (!counts) return out;
  let max = 0;
  for (const [id, c] of Object.entries(counts)) {
    const i = index.get(id);
    if (i === undefined || !(c > 0)) continue;
    out[i] = Math.log1p(c);
    max = Math.max(max, out[i]!);
  }
  if (max > 0) for (let i = 0; i < count; i++) out[i]! /= max;
  return out;
}

function sparseRows(count: number, index: Map<string, number>, lists: Record<string, Array<[string, number]>> | undefined): SparseRows | null {
  if (!lists) return null;
  const rows: Array<Array<[number, number]>> = Array.from({ length: count }, () => []);
  for (const [id, list] of Object.entries(lists)) {
    const i = index.get(id);
    if (i === undefined) continue;
    for (const [target, w] of list) {
      const j = index.get(target);
      if (j !== undefined && j !== i) rows[i]!.push([j, w]);
    }
  }
  const offsets = new Uint32Array(count + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const targets = new Uint32Array(offsets[count]!);
  const weights = new Float32Array(offsets[count]!);
  rows.forEach((r, i) => {
    // Normalise per row so a popular hub does not outweigh a precise neighbour list.
    const max = r.reduce((m, [, w]) => Math.max(m, w), 0) || 1;
    r.forEach(([j, w], n) => {
      targets[offsets[i]! + n] = j;
      weights[offsets[i]! + n] = w / max;
    });
  });
  return { offsets, targets, weights };
}
