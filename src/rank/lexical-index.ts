// Types and pure functions only, from their own files: the core must not pull in a model runtime.
import { itemText } from '../catalog/item-text';
import type { Item, LexicalIndex } from '../catalog/types';
import { tokenize } from '../encoder/tokenize';

export type { LexicalIndex };

/** Adds items one at a time (the build streams a million of them), then freezes the postings into CSR arrays. */
export interface LexicalIndexBuilder {
  /** `words`: the tokens of `itemText(item)`, when the caller has them already. */
  add(item: Item, words?: readonly string[]): void;
  finish(): LexicalIndex;
}

const MAX_U16 = 65_535;

/**
 * An exact inverted index with BM25 scoring. Vectors carry meaning; this carries the literal words a visitor
 * typed, without the collisions of a hashed vector, so "camping stove" finds the stove even with no model.
 * `pocketrec build` writes it prebuilt, so nothing is tokenized when a visitor's worker starts.
 */
export function createLexicalIndexBuilder(): LexicalIndexBuilder {
  // Per term, flat pairs (item, tf): two numbers per posting instead of a Map entry.
  const lists = new Map<string, number[]>();
  const lengths: number[] = [];
  return {
    add(item, words = tokenize(itemText(item))) {
      const i = lengths.length;
      const post = (t: string) => {
        let list = lists.get(t);
        if (!list) lists.set(t, (list = []));
        if (list[list.length - 2] === i) list[list.length - 1]!++;
        else list.push(i, 1);
      };
      // The title says what the item is: count its words twice.
      const title = tokenize(item.title);
      for (const t of title) post(t);
      for (const t of words) post(t);
      lengths.push(title.length + words.length);
    },
    finish() {
      const terms = [...lists.keys()].sort();
      const offsets = new Uint32Array(terms.length + 1);
      terms.forEach((t, k) => (offsets[k + 1] = offsets[k]! + lists.get(t)!.length / 2));
      const items = new Uint32Array(offsets[terms.length]!);
      const tf = new Uint16Array(items.length);
      terms.forEach((t, k) => {
        const list = lists.get(t)!;
        for (let p = 0; p < list.length; p += 2) {
          items[offsets[k]! + p / 2] = list[p]!;
          tf[offsets[k]! + p / 2] = Math.min(MAX_U16, list[p + 1]!);
        }
      });
      const lengthColumn = Uint16Array.from(lengths, (n) => Math.min(MAX_U16, n));
      return { terms, offsets, items, tf, lengths: lengthColumn, avgLength: averageLength(lengthColumn) };
    },
  };
}

export function buildLexicalIndex(items: readonly Item[]): LexicalIndex {
  const builder = createLexicalIndexBuilder();
  for (const item of items) builder.add(item);
  return builder.finish();
}

export function averageLength(lengths: Uint16Array): number {
  let sum = 0;
  for (let i = 0; i < lengths.length; i++) sum += lengths[i]!;
  return lengths.length ? sum / lengths.length : 0;
}

/** Position of `term` in the sorted term list, or -1. */
function findTerm(terms: readonly string[], term: string): number {
  let lo = 0;
  let hi = terms.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = terms[mid]!;
    if (t === term) return mid;
    if (t < term) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const K1 = 1.2;
const B = 0.75;

/** BM25 of `query` against every item, scaled so the best match scores 1 (all zeros when nothing matches). */
export function scoreLexical(index: LexicalIndex, query: string, out: Float32Array): Float32Array {
  out.fill(0);
  const n = index.lengths.length;
  for (const term of new Set(tokenize(query))) {
    const t = findTerm(index.terms, term);
    if (t < 0) continue;
    const start = index.offsets[t]!;
    const end = index.offsets[t + 1]!;
    const df = end - start;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    for (let p = start; p < end; p++) {
      const i = index.items[p]!;
      const tf = index.tf[p]!;
      out[i]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * index.lengths[i]!) / index.avgLength));
    }
  }
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, out[i]!);
  if (max > 0) for (let i = 0; i < n; i++) out[i]! /= max;
  return out;
}
