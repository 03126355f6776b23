import { describe, expect, it } from 'vitest';
import { buildSignals } from '../../src/signals';

const NOW = 10 * 86_400_000;

describe('buildSignals', () => {
  const sequences = [
    { items: [0, 1, 2], times: [NOW - 1, NOW - 1, NOW - 1] },
    { items: [0, 1], times: [NOW - 30 * 86_400_000, NOW - 30 * 86_400_000] },
    { items: [3, 0] },
  ];

  it('counts popularity and recent trend', () => {
    const s = buildSignals(4, sequences, { window: 2, maxNeighbors: 5, trendingDays: 7, now: NOW });
    expect(Array.from(s.popularity)).toEqual([3, 2, 1, 1]);
    expect(Array.from(s.trending)).toEqual([1, 1, 1, 0]);
  });

  it('weights co-occurrence by distance and damps popular targets', () => {
    const s = buildSignals(4, sequences, { window: 2, maxNeighbors: 5, trendingDays: 7, now: NOW });
    // Item 0: with 1 at distance 1 twice (2 / √2), with 2 at distance 2 once (0.5 / √1), with 3 at distance 1 (1 / √1).
    expect(Array.from(s.neighbors.targets[0]!)).toEqual([1, 3, 2]);
    expect(s.neighbors.weights[0]![0]).toBeCloseTo(2 / Math.SQRT2, 5);
    expect(s.neighbors.weights[0]![2]).toBeCloseTo(0.5, 5);
  });

  it('counts ordered next-item transitions only forwards', () => {
    const s = buildSignals(4, sequences, { window: 2, maxNeighbors: 5, trendingDays: 7, now: NOW });
    expect(Array.from(s.transitions.targets[0]!)).toEqual([1]);
    expect(Array.from(s.transitions.weights[0]!)).toEqual([2]);
    expect(Array.from(s.transitions.targets[3]!)).toEqual([0]);
    expect(s.transitions.targets[2]!.length).toBe(0);
  });

  it('gives the same result however many shards it uses', () => {
    const one = buildSignals(4, sequences, { window: 3, maxNeighbors: 2, trendingDays: 7, now: NOW, shards: 1 });
    const three = buildSignals(4, sequences, { window: 3, maxNeighbors: 2, trendingDays: 7, now: NOW, shards: 3 });
    expect(three).toEqual(one);
  });
});
