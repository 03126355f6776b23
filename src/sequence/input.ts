import type { Profile } from '../profile/types';
import type { Int8Rows } from '../vector';

/**
 * Where a history of `length` entries sits in a window of `maxLen` positions: its last `maxLen` entries from
 * `start`, after `pad` empty positions on the left, so that the latest event always sits in the last position.
 * Training, evaluation and the worker all place histories through here, so they cannot drift apart.
 */
function window(length: number, maxLen: number): { start: number; pad: number } {
  const start = Math.max(0, length - maxLen);
  return { start, pad: maxLen - (length - start) };
}

/** The model's input for one history of catalogue indices, oldest first, as model ids (index + 1; 0 pads). */
export function writeInput(history: readonly number[], maxLen: number, out: Int32Array | BigInt64Array, offset = 0): void {
  const { start, pad } = window(history.length, maxLen);
  const big = out instanceof BigInt64Array;
  for (let i = 0; i < pad; i++) out[offset + i] = big ? 0n : 0;
  for (let i = start; i < history.length; i++) out[offset + pad + i - start] = big ? BigInt(history[i]! + 1) : history[i]! + 1;
}

/**
 * The exported graph's input for one history: each position's item row from `table` (row i = catalogue item i),
 * dequantized and scaled by sqrt(dim) as in training, into `embedded` (maxLen × dim), and `mask` 1 where a
 * position holds an item. Padding positions are zeros in both, placed as in `writeInput`.
 */
export function writeEmbedded(history: readonly number[], maxLen: number, table: Int8Rows, embedded: Float32Array, mask: Float32Array): void {
  const { dim } = table;
  const { start, pad } = window(history.length, maxLen);
  const { scales, values } = table;
  const scale = Math.sqrt(dim);
  embedded.fill(0, 0, pad * dim);
  mask.fill(0, 0, pad);
  for (let i = start; i < history.length; i++) {
    const row = history[i]!;
    const at = (pad + i - start) * dim;
    const s = scales[row]! * scale;
    for (let j = 0; j < dim; j++) embedded[at + j] = values[row * dim + j]! * s;
    mask[pad + i - start] = 1;
  }
}

/** Consecutive repeats (view, then click, then add-to-cart of one item) are one step of the sequence. */
export function collapseRepeats(indices: readonly number[]): number[] {
  const out: number[] = [];
  for (const i of indices) if (out[out.length - 1] !== i) out.push(i);
  return out;
}

/**
 * The model was trained with softmax cross-entropy, so exp(logit − top logit) is each item's next-item probability
 * relative to its first choice: 1 for that item, fading fast, on the [0, 1] scale of the ranking's other terms.
 * Computed once per model run, so that ranking requests only read it.
 */
export function relativeProbabilities(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  return logits.map((v) => Math.exp(v - max));
}

/** The history the sequence model reads: the profile's recent positive item events, repeats collapsed. */
export function sequenceHistory(profile: Profile): number[] {
  return collapseRepeats(profile.recent.filter((e) => e.weight > 0).map((e) => e.index));
}
