// The lexical index builder is pure and lives with its scorer in rank/; the deep path keeps the loader's I/O out of it.
import { createLexicalIndexBuilder } from '../rank/lexical-index';
import { roundHalfUp } from '../vector';
import type { CatalogColumns, CatalogSignals, CsrRows, DictionaryColumn, Item } from './types';

/**
 * Many sources' lists in three flat arrays: `rows` holds (source, length) pairs, and each list's targets and
 * weights follow the previous one's. What the build reads 10⁷ rows into, with no object per list. Per source
 * position: target positions and raw weights; a source appears at most once.
 */
export interface FlatLists {
  rows: ArrayLike<number>;
  targets: ArrayLike<number>;
  weights: ArrayLike<number>;
}

/** Signals by item position, as the build computes them and as v1's id-keyed JSON is converted to. */
export interface IndexedSignals {
  popularity?: ArrayLike<number>;
  trending?: ArrayLike<number>;
  neighbors?: FlatLists;
  transitions?: FlatLists;
  boughtTogether?: FlatLists;
  /** Raw counts per trending window, keyed by its length in days. */
  trendingWindows?: ReadonlyArray<readonly [days: number, counts: ArrayLike<number>]>;
}

/** Adds validated items one at a time, then freezes them with their signals into columns. */
export interface ColumnsBuilder {
  /** `words`: the tokens of `itemText(item)`, when the caller has them already. */
  add(item: Item, words?: readonly string[]): void;
  /**
   * Freezes the items' own columns and the search index, which no signal changes; `finish` does it if nobody did.
   * The build calls it while the log's aggregation is still running. No item is added after it.
   */
  seal(): void;
  finish(signals?: IndexedSignals): CatalogColumns;
}

const MAX_U16 = 65_535;

/**
 * The one place where items become columns: v1 catalogues in the browser and `pocketrec build` both go through
 * it, so a v1 catalogue and its v2 build hold the same numbers.
 */
export function createColumnsBuilder(): ColumnsBuilder {
  const ids: string[] = [];
  const prices: number[] = [];
  const published: number[] = [];
  const repeatable: number[] = [];
  const categories = dictionary();
  const brands = dictionary();
  const tags = dictionary();
  const tagOffsets: number[] = [0];
  const tagCodes: number[] = [];
  const lexical = createLexicalIndexBuilder();
  let sealed: Omit<CatalogColumns, 'popularity' | 'trending' | 'neighbors' | 'transitions' | 'boughtTogether' | 'trendingWindows'> | null = null;
  const seal = () =>
    (sealed ??= {
      count: ids.length,
      ids,
      prices: Float64Array.from(prices),
      publishedMs: Float64Array.from(published),
      repeatable: Uint8Array.from(repeatable),
      categories: categories.column(),
      brands: brands.column(),
      tags: { offsets: Uint32Array.from(tagOffsets), codes: Uint32Array.from(tagCodes) },
      tagNames: tags.names,
      lexical: lexical.finish(),
    });
  return {
    add(item, words) {
      if (sealed) throw new Error('columns: an item added after seal()');
      ids.push(item.id);
      prices.push(item.price ?? Number.NaN);
      published.push(item.publishedAt ? Date.parse(item.publishedAt) : Number.NaN);
      repeatable.push(item.repeatable ? 1 : 0);
      categories.push(item.category);
      brands.push(item.brand);
      for (const tag of item.tags ?? []) tagCodes.push(tags.code(tag));
      tagOffsets.push(tagCodes.length);
      lexical.add(item, words);
    },
    seal: () => void seal(),
    finish(signals = {}) {
      const items = seal();
      const { count } = items;
      return {
        ...items,
        popularity: logScaled(count, signals.popularity),
        trending: logScaled(count, signals.trending),
        neighbors: signals.neighbors ? csrRows(count, signals.neighbors) : null,
        transitions: signals.transitions ? csrRows(count, signals.transitions) : null,
        boughtTogether: signals.boughtTogether ? csrRows(count, signals.boughtTogether) : null,
        trendingWindows: new Map((signals.trendingWindows ?? []).map(([days, counts]) => [days, logScaled(count, counts)])),
      };
    },
  };
}

/** v1 → columns: the items in order, their signals looked up by id. Ids the catalogue lacks are ignored. */
export function columnsFromItems(items: readonly Item[], signals?: CatalogSignals): CatalogColumns {
  const builder = createColumnsBuilder();
  for (const item of items) builder.add(item);
  if (!signals) return builder.finish();
  const index = new Map<string, number>();
  items.forEach((item, i) => index.set(item.id, i));
  const byIndex = (counts: Record<string, number> | undefined) => {
    if (!counts) return undefined;
    const out = new Float64Array(items.length);
    for (const [id, c] of Object.entries(counts)) {
      const i = index.get(id);
      if (i !== undefined && c > 0) out[i] = c;
    }
    return out;
  };
  const rows = (lists: Record<string, Array<[string, number]>> | undefined): FlatLists | undefined => {
    if (!lists) return undefined;
    const out = { rows: [] as number[], targets: [] as number[], weights: [] as number[] };
    for (const [id, list] of Object.entries(lists)) {
      const i = index.get(id);
      if (i === undefined || !Array.isArray(list)) continue;
      const before = out.targets.length;
      for (const [target, w] of list) {
        const j = index.get(target);
        if (j !== undefined) (out.targets.push(j), out.weights.push(w));
      }
      out.rows.push(i, out.targets.length - before);
    }
    return out;
  };
  const indexed: IndexedSignals = {};
  const popularity = byIndex(signals.popularity);
  const trending = byIndex(signals.trending);
  const neighbors = rows(signals.neighbors);
  const transitions = rows(signals.transitions);
  const boughtTogether = rows(signals.boughtTogether);
  const windows = Object.entries(signals.trendingWindows ?? {}).map(([days, counts]) => [Number(days), byIndex(counts)!] as const);
  if (popularity) indexed.popularity = popularity;
  if (trending) indexed.trending = trending;
  if (neighbors) indexed.neighbors = neighbors;
  if (transitions) indexed.transitions = transitions;
  if (boughtTogether) indexed.boughtTogether = boughtTogether;
  if (windows.length > 0) indexed.trendingWindows = windows;
  return builder.finish(indexed);
}

function dictionary() {
  const names = [''];
  const codes = new Map<string, number>();
  const perItem: number[] = [];
  const code = (name: string) => {
    let c = codes.get(name);
    if (c === undefined) codes.set(name, (c = names.push(name) - 1));
    return c;
  };
  return {
    names,
    code,
    push: (name: string | undefined) => perItem.push(name === undefined ? 0 : code(name)),
    column: (): DictionaryColumn => ({ codes: Uint32Array.from(perItem), names }),
  };
}

/** Counts follow a power law; log-scaling keeps the head from drowning every other signal. */
function logScaled(count: number, counts: ArrayLike<number> | undefined): Float32Array {
  const out = new Float32Array(count);
  if (!counts) return out;
  let max = 0;
  for (let i = 0; i < count; i++) {
    const c = counts[i]!;
    if (!(c > 0)) continue;
    out[i] = Math.log1p(c);
    max = Math.max(max, out[i]!);
  }
  if (max > 0) for (let i = 0; i < count; i++) out[i]! /= max;
  return out;
}

/** Calls `visit` with each list's source and its range [from, to) in `targets` and `weights`. */
function eachList({ rows, targets, weights }: FlatLists, visit: (source: number, targets: ArrayLike<number>, weights: ArrayLike<number>, from: number, to: number) => void): void {
  for (let k = 0, at = 0; k < rows.length; k += 2) {
    const to = at + rows[k + 1]!;
    visit(rows[k]!, targets, weights, at, to);
    at = to;
  }
}

/** Two passes over the lists (count, then fill): no per-row arrays, so a million rows cost only their CSR bytes. */
function csrRows(count: number, lists: FlatLists): CsrRows {
  const offsets = new Uint32Array(count + 1);
  eachList(lists, (i, targets, _, from, to) => {
    let n = 0;
    for (let k = from; k < to; k++) if (targets[k] !== i) n++;
    offsets[i + 1] = n;
  });
  for (let i = 0; i < count; i++) offsets[i + 1]! += offsets[i]!;
  const targets = new Uint32Array(offsets[count]!);
  const weights = new Uint16Array(offsets[count]!);
  eachList(lists, (i, row, raw, from, to) => {
    // Normalise per row so a popular hub does not outweigh a precise neighbour list.
    let max = 0;
    for (let k = from; k < to; k++) if (row[k] !== i) max = Math.max(max, raw[k]!);
    max ||= 1;
    let at = offsets[i]!;
    for (let k = from; k < to; k++) {
      if (row[k] === i) continue;
      targets[at] = row[k]!;
      weights[at++] = Math.max(0, Math.min(MAX_U16, roundHalfUp((raw[k]! / max) * MAX_U16)));
    }
  });
  return { offsets, targets, weights };
}
