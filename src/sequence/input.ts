import type { Profile } from '../profile';

/**
 * The model's input for one history of catalogue indices, oldest first: its last `maxLen` entries as model ids
 * (index + 1; 0 pads), padded on the left so that the latest event always sits in the last position. Training,
 * evaluation and the worker all build inputs here, so they cannot drift apart.
 */
export function writeInput(history: readonly number[], maxLen: number, out: Int32Array | BigInt64Array, offset = 0): void {
  const start = Math.max(0, history.length - maxLen);
  const pad = maxLen - (history.length - start);
  const big = out instanceof BigInt64Array;
  for (let i = 0; i < pad; i++) out[offset + i] = big ? 0n : 0;
  for (let i = start; i < history.length; i++) out[offset + pad + i - start] = big ? BigInt(history[i]! + 1) : history[i]! + 1;
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
