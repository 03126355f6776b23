import { DEFAULT_SASREC } from './sasrec';
import { DEFAULT_TRAINING } from './train';

/** What the automatic settings look at: the log's shape, never its outcomes, so no held-out event can steer them. */
export interface SequenceLogShape {
  itemCount: number;
  /** Items per training history (repeats collapsed), one entry per visitor. */
  lengths: ArrayLike<number>;
}

/** The sequence model's settings as `pocketrec build` and `pocketrec eval` choose them, with the reason for each. */
export interface AutoSequenceSettings {
  /** Positions the model reads: the most recent `maxLen` items of a history. */
  maxLen: number;
  dropout: number;
  /** Sampled-softmax negatives per step; absent for full softmax over the catalogue. */
  sampledNegatives?: number;
  /** Visitors whose held-out item decides early stopping (the first ones of the log, in order). */
  stopVisitors: number;
  why: { maxLen: string; dropout: string; softmax: string; stopVisitors: string };
}

/**
 * One full-softmax batch holds `batch × maxLen × items` logits, and TF.js' WASM heap is 4 GB in all (a window of
 * 200 over MovieLens' 9.7 k items runs out of it): the window stays where that batch fits in a quarter of a GB.
 */
const LOGIT_BYTES = 256 * 1024 * 1024;
const MIN_WINDOW = 20;
const MAX_WINDOW = 200;
/** Past this many items, full softmax costs minutes per epoch on two cores (23.7 k items: about 12). */
export const FULL_SOFTMAX_ITEMS = 16_384;
const NEGATIVES = 2048;
/** Denser than this (items per visitor, on average), SASRec's own MovieLens dropout; sparser, its Amazon one. */
const DENSE_HISTORY = 20;
/** Each epoch scores every stopping visitor against the catalogue: a sample this size decides as well, faster. */
const STOP_VISITORS = 5000;

/**
 * Settings by the log's shape, fixed rules rather than a search: a search would train the model once per trial,
 * and one training is already most of a build's time. The window covers 99 % of histories, the dropout follows the
 * density (SASRec's paper uses 0.2 on MovieLens and 0.5 on the sparse Amazon sets), softmax is full while the
 * catalogue is small enough for it, and early stopping samples at most 5 000 visitors.
 */
export function chooseSequenceSettings(shape: SequenceLogShape, batchSize = DEFAULT_TRAINING.batchSize): AutoSequenceSettings {
  const lengths = Float64Array.from(shape.lengths).sort();
  const n = lengths.length;
  const p99 = n > 0 ? lengths[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]! : DEFAULT_SASREC.maxLen;
  const mean = n > 0 ? lengths.reduce((s, x) => s + x, 0) / n : 0;
  const sampled = shape.itemCount > FULL_SOFTMAX_ITEMS;
  const classes = sampled ? NEGATIVES + batchSize * MAX_WINDOW : shape.itemCount;
  const fits = Math.floor(LOGIT_BYTES / (4 * batchSize * Math.max(classes, 1)) / 10) * 10;
  const cap = Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, fits));
  const wanted = Math.ceil(p99 / 10) * 10;
  const maxLen = Math.min(cap, Math.max(MIN_WINDOW, wanted));
  const dense = mean >= DENSE_HISTORY;
  return {
    maxLen,
    dropout: dense ? 0.2 : 0.5,
    ...(sampled ? { sampledNegatives: NEGATIVES } : {}),
    stopVisitors: STOP_VISITORS,
    why: {
      maxLen: `99 % of histories have at most ${p99} items${wanted > cap ? `; capped at ${cap}, where one batch's logits fit in ${LOGIT_BYTES / 2 ** 20} MB` : ''}`,
      dropout: `${mean.toFixed(1)} items per history on average: ${dense ? 'dense' : 'sparse'} (threshold ${DENSE_HISTORY})`,
      softmax: sampled ? `${shape.itemCount} items > ${FULL_SOFTMAX_ITEMS}: sampled softmax, ${NEGATIVES} negatives` : `${shape.itemCount} items ≤ ${FULL_SOFTMAX_ITEMS}: full softmax`,
      stopVisitors: `early stopping on at most ${STOP_VISITORS} visitors' held-out items`,
    },
  };
}
