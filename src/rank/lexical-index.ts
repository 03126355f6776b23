// Types and pure functions only, from their own files: the core must not pull in a model runtime.
import { itemText } from '../catalog/item-text';
import type { Item } from '../catalog/types';
import { tokenize } from '../encoder/tokenize';

/**
 * An exact inverted index with BM25 scoring. Vectors carry meaning; this carries the literal words a visitor
 * typed, without the collisions of a hashed vector, so "camping stove" finds the stove even with no model.
 */
export interface LexicalIndex {
  readonly postings: ReadonlyMap<string, { items: Uint32Array; tf: Float32Array }>;
  readonly lengths: Float32Array;
  readonly avgLength: number;
}

export function buildLexicalIndex(items: readonly Item[]): LexicalIndex {
  const lists = new Map<string, Map<number, number>>();
  const lengths = new Float32Array(items.length);
  items.forEach((item, i) => {
    // The title says what the item is: count its words twice.
    const tokens = [...tokenize(item.title), ...tokenize(itemText(item))];
    lengths[i] = tokens.length;
    for (const t of tokens) {
      let list = lists.get(t);
      if (!list) lists.set(t, (list = new Map()));
      list.set(i, (list.get(i) ?? 0) + 1);
    }
  });
  const postings = new Map<string, { items: Uint32Array; tf: Float32Array }>();
  for (const [t, list] of lists) postings.set(t, { items: Uint32Array.from(list.keys()), tf: Float32Array.from(list.values()) });
  const avgLength = items.length ? lengths.reduce((a, b) => a + b, 0) / items.length : 0;
  return { postings, lengths, avgLength };
}

const K1 = 1.2;
const B = 0.75;

/** BM25 of `query` against every item, scaled so the best match scores 1 (all zeros when nothing matches). */
export function scoreLexical(index: LexicalIndex, query: string, out: Float32Array): Float32Array {
  out.fill(0);
  const n = index.lengths.length;
  for (const term of new Set(tokenize(query))) {
    const posting = index.postings.get(term);
    if (!posting) continue;
    const idf = Math.log(1 + (n - posting.items.length + 0.5) / (posting.items.length + 0.5));
    for (let p = 0; p < posting.items.length; p++) {
      const i = posting.items[p]!;
      const tf = posting.tf[p]!;
      out[i]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * index.lengths[i]!) / index.avgLength));
    }
  }
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, out[i]!);
  if (max > 0) for (let i = 0; i < n; i++) out[i]! /= max;
  return out;
}
