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
}

export function createLexicalCounter(dim = DEFAULT_DIM): LexicalCounter {
  const df = new Float64Array(dim);
  // The last text (from 1) that counted each bucket: a bucket counts once per text without a set per text.
  const seen = new Uint32Array(dim);
  let documents = 0;
  return {
    add(words) {
      documents++;
      for (const h of featureHashes(words)) {
        const b = h % dim;
        if (seen[b] !== documents) (seen[b] = documents), df[b]!++;
      }
    },
    counts: () => ({ dim, documents, df }),
  };
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
  const { dim, idf } = model;
  const v = new Float32Array(dim);
  // The distinct buckets of the current text, and the text (+1) that last hit each bucket.
  const hit = new Int32Array(dim);
  const last = new Int32Array(dim);
  for (let r = 0; r < texts.length; r++) {
    let n = 0;
    for (const h of featureHashes(tokenize(texts[r]!))) {
      const bucket = h % dim;
      v[bucket]! += (h & 0x80000000 ? -1 : 1) * idf[bucket]!;
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
