import { describe, expect, it } from 'vitest';
import { dequantizeRows, normalize, quantizeRows, topK } from '../../src/vector';

describe('topK', () => {
  it('returns the indices of the largest scores, best first', () => {
    expect(topK([0.1, 0.9, 0.5, 0.7, 0.3], 3)).toEqual([1, 3, 2]);
  });
  it('skips excluded and non-finite entries and breaks ties by lower index', () => {
    expect(topK([1, 2, Number.NaN, 2, 5], 3, (i) => i === 4)).toEqual([1, 3, 0]);
  });
  it('agrees with a full sort on random data', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const sorted = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 25).map(([, i]) => i);
    expect(topK(scores, 25)).toEqual(sorted);
  });
  it('handles k larger than the input and k = 0', () => {
    expect(topK([3, 1, 2], 10)).toEqual([0, 2, 1]);
    expect(topK([3, 1, 2], 0)).toEqual([]);
  });
});

describe('int8 rows', () => {
  it('round-trips unit vectors with a small error', () => {
    const rows = normalize(Float32Array.from([0.3, -0.2, 0.9, 0.1]));
    const back = dequantizeRows(quantizeRows(rows, 4));
    rows.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 2));
  });
});

describe('topK with a tie-break key', () => {
  it('breaks equal scores by the key, not by position, so a pool in any order ties by item', () => {
    // Positions 0..3 hold items 40, 10, 30, 20; three of them tie.
    const scores = [0.5, 0.5, 0.9, 0.5];
    const items = [40, 10, 30, 20];
    expect(topK(scores, 3, undefined, items)).toEqual([2, 1, 3]);
    expect(topK(scores, 3)).toEqual([2, 0, 1]);
  });
});
