import { normalize, roundHalfUp } from '../vector';
import { tokenize } from './tokenize';
import type { TextEncoder } from './types';

/**
 * The encoder that needs no model: signed feature hashing of word unigrams and bigrams, weighted by an IDF table
 * fitted on the catalogue. It is the fallback when no neural model can load, so the engine always has vectors.
 * Hashing into few dimensions makes unrelated words collide now and then: fine for profiles, which average many
 * items, but not for matching a two-word query, which is why search also consults the exact `LexicalIndex`.
 * Its `id` includes a fingerprint of the IDF table because vectors from two fits do not share one space.
 */
export interface LexicalModel {
  readonly dim: number;
  /** Inverse document frequency per hash bucket (length `dim`), fitted on the catalogue's texts. */
  readonly idf: Float32Array;
  readonly fingerprint: string;
}

const DEFAULT_DIM = 512;


const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a, 32 bit, over `text`, continuing from state `h`. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** A murmur-style finish, so that the low bits used for the bucket are well mixed. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hashes of a text's features, word unigrams then bigrams ("a b"), in that order. A bigram's hash continues
 * from its first word's state, so no bigram string is built: at 10⁶ items those were 10⁷ strings per pass.
 */
function featureHashes(words: readonly string[]): Uint32Array {
  const n = Math.max(0, 2 * words.length - 1);
  // One scratch array, grown as needed: the build hashes 10⁶ texts twice, and two arrays a text were its garbage.
  if (scratch.length < n) scratch = new Uint32Array(Math.max(n, 2 * scratch.length));
  const out = scratch.subarray(0, n);
  for (let i = 0; i < words.length; i++) out[i] = fnv(FNV_OFFSET, words[i]!);
  // 32 is the space between the two words; a bigram continues from its first word's state, before its finish.
  for (let i = 1; i < words.length; i++) out[words.length + i - 1] = finish(fnv(Math.imul(out[i - 1]! ^ 32, 0x01000193), words[i]!));
  for (let i = 0; i < words.length; i++) out[i] = finish(out[i]!);
  return out;
}

let scratch = new Uint32Array(256);

/**
 * What a fit counts: in how many texts each hash bucket occurs. The build ships these counts with its vectors, so a
 * browser rebuilds the exact model in microseconds instead of tokenizing the whole catalogue again.
 */
export interface LexicalCounts {
  readonly dim: number;
  /** Texts counted. */
  readonly documents: number;
  /** Texts in which each bucket occurs (length `dim`). */
  readonly df: ArrayLike<number>;
}

/** Counts texts one at a time, from their words: the build has tokenized each item already and counts as it reads. */
export interface LexicalCounter {
  add(words: readonly string[]): void;
  counts(): LexicalCounts;
  /**
   * With `keepFeatures`, every counted text's features (row k: the k-th `add`), for `embedLexicalFeatureRows`;
   * handed over once, then forgotten. Null without.
   */
  takeFeatures(): LexicalFeatures | null;
}

/**
 * Texts' features as their rows use them, each a code `bucket << 1 | sign` (the sign bit of its hash), in
 * feature order; row k's codes are `codes[offsets[k]]` up to `codes[offsets[k + 1]]`. Kept from the counting
 * pass, they spare the embedding a second tokenizing and hashing of every text (about 3 s at 10⁶ items).
 */
export interface LexicalFeatures {
  readonly offsets: Uint32Array;
  readonly codes: Uint16Array;
}

export function createLexicalCounter(dim = DEFAULT_DIM, o: { keepFeatures?: boolean } = {}): LexicalCounter {
  // A code keeps the bucket in 15 bits.
  if (o.keepFeatures && dim > 1 << 15) throw new RangeError(`lexical: features are kept for at most ${1 << 15} dimensions, not ${dim}`);
  const df = new Float64Array(dim);
  // The last text (from 1) that counted each bucket: a bucket counts once per text without a set per text.
  const seen = new Uint32Array(dim);
  let documents = 0;
  let kept: { offsets: Uint32Array; codes: Uint16Array; length: number } | null = o.keepFeatures ? { offsets: new Uint32Array(256), codes: new Uint16Array(4096), length: 0 } : null;
  return {
    add(words) {
      documents++;
      const hashes = featureHashes(words);
      if (kept) {
        if (kept.length + hashes.length > kept.codes.length) kept.codes = grown(kept.codes, kept.length + hashes.length);
        for (let k = 0; k < hashes.length; k++) kept.codes[kept.length++] = ((hashes[k]! % dim) << 1) | (hashes[k]! >>> 31);
        if (documents >= kept.offsets.length) kept.offsets = grown(kept.offsets, documents + 1);
        kept.offsets[documents] = kept.length;
      }
      for (const h of hashes) {
        const b = h % dim;
        if (seen[b] !== documents) (seen[b] = documents), df[b]!++;
      }
    },
    counts: () => ({ dim, documents, df }),
    takeFeatures() {
      if (!kept) return null;
      // Views, not copies: a copy of 10⁸ codes would briefly double them.
      const out = { offsets: kept.offsets.subarray(0, documents + 1), codes: kept.codes.subarray(0, kept.length) };
      kept = null;
      return out;
    },
  };
}

function grown<T extends Uint16Array | Uint32Array>(array: T, atLeast: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(atLeast, 2 * array.length));
  bigger.set(array);
  return bigger;
}

export function countLexicalFeatures(texts: Iterable<string>, dim = DEFAULT_DIM): LexicalCounts {
  const counter = createLexicalCounter(dim);
  for (const text of texts) counter.add(tokenize(text));
  return counter.counts();
}

/** The model of given counts; equal counts give an equal model (same IDF, same fingerprint, same vectors). */
export function lexicalModelFromCounts({ dim, documents, df }: LexicalCounts): LexicalModel {
  const idf = new Float32Array(dim);
  let fp = 0x811c9dc5;
  for (let b = 0; b < dim; b++) {
    idf[b] = Math.log((1 + documents) / (1 + df[b]!)) + 1;
    fp = Math.imul(fp ^ df[b]!, 0x01000193);
  }
  return { dim, idf, fingerprint: `${documents}-${(fp >>> 0).toString(16)}` };
}

export function fitLexicalModel(texts: Iterable<string>, dim = DEFAULT_DIM): LexicalModel {
  return lexicalModelFromCounts(countLexicalFeatures(texts, dim));
}

/** `out` (zeros, `model.dim` long) ← the unit vector of `text`. */
function embedLexicalInto(model: LexicalModel, text: string, out: Float32Array): Float32Array {
  for (const h of featureHashes(tokenize(text))) {
    const bucket = h % model.dim;
    // The sign bit from the high half keeps colliding features from only ever adding up.
    out[bucket]! += (h & 0x80000000 ? -1 : 1) * model.idf[bucket]!;
  }
  return normalize(out);
}

/**
 * The int8 rows of `texts` into `scales` and `values` (`texts.length × model.dim`): exactly `quantizeRows` of their
 * unit vectors, the build's batches. Only the buckets a text's features hit are scaled, divided and cleared: a row
 * is a few dozen nonzeros of 512, and quantizing every zero of 10⁶ rows cost more than embedding them.
 */
export function embedLexicalInt8Rows(model: LexicalModel, texts: readonly string[], scales: Float32Array, values: Int8Array): void {
  const counter = createLexicalCounter(model.dim, { keepFeatures: true });
  for (const text of texts) counter.add(tokenize(text));
  embedLexicalFeatureRows(model, counter.takeFeatures()!, Uint32Array.from(texts, (_, k) => k), scales, values);
}

/** `embedLexicalInt8Rows` from kept features: row r of `scales` and `values` is features row `rows[r]`. */
export function embedLexicalFeatureRows(model: LexicalModel, features: LexicalFeatures, rows: ArrayLike<number>, scales: Float32Array, values: Int8Array): void {
  const { dim, idf } = model;
  const { offsets, codes } = features;
  const v = new Float32Array(dim);
  // The distinct buckets of the current text, and the text (+1) that last hit each bucket.
  const hit = new Int32Array(dim);
  const last = new Int32Array(dim);
  for (let r = 0; r < rows.length; r++) {
    let n = 0;
    const end = offsets[rows[r]! + 1]!;
    for (let p = offsets[rows[r]!]!; p < end; p++) {
      const bucket = codes[p]! >>> 1;
      v[bucket]! += (codes[p]! & 1 ? -1 : 1) * idf[bucket]!;
      if (last[bucket] !== r + 1) (last[bucket] = r + 1), (hit[n++] = bucket);
    }
    // normalize()'s sum over every bucket, in its order (the zeros add nothing, but the order fixes the bits).
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
    const inv = 1 / Math.sqrt(norm);
    let max = 0;
    for (let k = 0; k < n; k++) {
      const b = hit[k]!;
      if (norm !== 0) v[b]! *= inv;
      max = Math.max(max, Math.abs(v[b]!));
    }
    // quantizeRows' scale and rounding.
    const scale = max / 127;
    scales[r] = scale;
    const base = r * dim;
    values.fill(0, base, base + dim);
    for (let k = 0; k < n; k++) {
      const b = hit[k]!;
      if (scale !== 0) values[base + b] = roundHalfUp(v[b]! / scale);
      v[b] = 0;
    }
  }
}

export function createLexicalEncoder(model: LexicalModel): TextEncoder {
  return {
    id: `lexical-hash-${model.dim}-${model.fingerprint}`,
    dim: model.dim,
    device: 'lexical',
    // Words are hashed whatever their script: it understands every language equally (literally).
    languages: 'any',
    embed: async (texts) => texts.map((t) => embedLexicalInto(model, t, new Float32Array(model.dim))),
    dispose: async () => {},
  };
}
