import type { DecayedSum } from './types';

/**
 * Σ wᵢ·2^(−(now−tᵢ)/h)·vᵢ, kept incrementally. Every term decays by the same factor as time passes, so the
 * direction of the sum never changes with `now`: we store terms scaled to an anchor time and only rescale when
 * the exponent grows large enough to threaten float range. Adding an event is O(dim) whatever the history length.
 */
export function createDecayedSum(dim: number): DecayedSum {
  return { vector: new Float32Array(dim), anchorTs: 0, mass: 0 };
}

const REBASE_EXPONENT = 16;

export function addDecayed(sum: DecayedSum, v: Float32Array | undefined, weight: number, ts: number, halfLifeMs: number): void {
  if (sum.mass === 0 && sum.anchorTs === 0) sum.anchorTs = ts;
  let exponent = (ts - sum.anchorTs) / halfLifeMs;
  if (exponent > REBASE_EXPONENT) {
    rescale(sum, Math.pow(2, -exponent), ts);
    exponent = 0;
  }
  const w = weight * Math.pow(2, exponent);
  sum.mass += w;
  if (v) for (let i = 0; i < v.length; i++) sum.vector[i]! += w * v[i]!;
}

/** Weight of the evidence as seen at `now`: what a term of weight 1 added at `now` would be compared with. */
export function massAt(sum: DecayedSum, now: number, halfLifeMs: number): number {
  return sum.mass * Math.pow(2, (sum.anchorTs - now) / halfLifeMs);
}

function rescale(sum: DecayedSum, factor: number, anchorTs: number): void {
  for (let i = 0; i < sum.vector.length; i++) sum.vector[i]! *= factor;
  sum.mass *= factor;
  sum.anchorTs = anchorTs;
}
