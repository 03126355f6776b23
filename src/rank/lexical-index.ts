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
  // Terms get small integer ids; the postings are one log of (term, item, tf) in typed columns, in the order the
  // items came. A posting list per term as a JS array cost 16 bytes a posting and most of a 10⁶-item build's GC.
  const termIds = new Map<string, number>();
  let postTerm = new Int32Array(1024);
  let postItem = new Int32Array(1024);
  let postTf = new Int32Array(1024);
  let posts = 0;
  // Per term id, the item (+1; 0 for none) it last occurred in and where that posting is: repeats within an item
  // add to its tf.
  let lastItem = new Int32Array(256);
  let lastPost = new Int32Array(256);
  const lengths: number[] = [];
  const post = (t: string, i: number) => {
    let id = termIds.get(t);
    if (id === undefined) {
      termIds.set(t, (id = termIds.size));
      if (id === lastItem.length) (lastItem = grow(lastItem, id * 2)), (lastPost = grow(lastPost, id * 2));
    }
    if (lastItem[id] === i + 1) {
      postTf[lastPost[id]!]!++;
      return;
    }
    if (posts === postTerm.length) {
      postTerm = grow(postTerm, posts * 2);
      postItem = grow(postItem, posts * 2);
      postTf = grow(postTf, posts * 2);
    }
    lastItem[id] = i + 1;
    lastPost[id] = posts;
    postTerm[posts] = id;
    postItem[posts] = i;
    postTf[posts++] = 1;
  };
  return {
    add(item, words = tokenize(itemText(item))) {
      const i = lengths.length;
      // The title says what the item is: count its words twice. They are the first words of `itemText`, so an
      // ASCII title's are counted, not tokenized again.
      const inTitle = asciiWordCount(item.title);
      const title = inTitle < 0 ? tokenize(item.title) : null;
      if (title) for (const t of title) post(t, i);
      else for (let k = 0; k < inTitle; k++) post(words[k]!, i);
      for (const t of words) post(t, i);
      lengths.push((title ? title.length : inTitle) + words.length);
    },
    finish() {
      const terms = [...termIds.keys()].sort();
      // Postings grouped by term in sorted term order, each group in item order: a counting sort of the log.
      const rankOf = new Int32Array(terms.length);
      terms.forEach((t, k) => (rankOf[termIds.get(t)!] = k));
      const offsets = new Uint32Array(terms.length + 1);
      for (let p = 0; p < posts; p++) offsets[rankOf[postTerm[p]!]! + 1]!++;
      for (let k = 0; k < terms.length; k++) offsets[k + 1]! += offsets[k]!;
      const at = offsets.slice(0, terms.length);
      const items = new Uint32Array(posts);
      const tf = new Uint16Array(posts);
      for (let p = 0; p < posts; p++) {
        const slot = at[rankOf[postTerm[p]!]!]!++;
        items[slot] = postItem[p]!;
        tf[slot] = Math.min(MAX_U16, postTf[p]!);
      }
      const lengthColumn = Uint16Array.from(lengths, (n) => Math.min(MAX_U16, n));
      return { terms, offsets, items, tf, lengths: lengthColumn, avgLength: averageLength(lengthColumn) };
    },
  };
}

/** The words `tokenize` finds in an ASCII text (runs of letters and digits); -1 for any other text. */
function asciiWordCount(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum && !inWord) words++;
    inWord = alnum;
  }
  return words;
}

function grow(a: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(a);
  return out;
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
