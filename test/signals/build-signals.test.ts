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

  describe('bought together', () => {
    const H = 3_600_000;
    const baskets = [
      // A: 0 and 1 in the cart together; 2 only viewed.
      { items: [0, 1, 2], times: [0, H, 2 * H], basket: [1, 1, 0] },
      // B: 0, 1 and 0 again in one cart (one vote for 0–1, not two); 3 two days later is another basket.
      { items: [0, 1, 0, 3], times: [0, H, 2 * H, 48 * H], basket: [1, 1, 1, 1] },
      // C: 1 and 3 bought together.
      { items: [1, 3], times: [0, 0], basket: [1, 1] },
    ];
    const options = { window: 2, maxNeighbors: 5, trendingDays: 7, now: NOW };

    it('counts each basket pair once per visitor, damped by how often the target goes in a basket', () => {
      const s = buildSignals(4, baskets, options);
      // Basket counts: item 0 → 3 (A once, B twice), 1 → 3, 2 → 0, 3 → 2.
      expect(Array.from(s.boughtTogether.targets[0]!)).toEqual([1]);
      expect(s.boughtTogether.weights[0]![0]).toBeCloseTo(2 / Math.sqrt(3), 5);
      // Item 1: with 0 (A, B: 2 / √3 ≈ 1.155) before 3 (C: 1 / √2 ≈ 0.707).
      expect(Array.from(s.boughtTogether.targets[1]!)).toEqual([0, 3]);
      expect(s.boughtTogether.weights[1]![1]).toBeCloseTo(1 / Math.SQRT2, 5);
      expect(Array.from(s.boughtTogether.targets[3]!)).toEqual([1]);
      expect(s.boughtTogether.weights[3]![0]).toBeCloseTo(1 / Math.sqrt(3), 5);
      // A viewed item is never bought together with anything.
      expect(s.boughtTogether.targets[2]!.length).toBe(0);
    });

    it('splits baskets further apart than basketHours', () => {
      const wide = buildSignals(4, baskets, { ...options, basketHours: 72 });
      // B's item 3 now shares B's basket with 0 and 1.
      expect(Array.from(wide.boughtTogether.targets[0]!)).toEqual([1, 3]);
      expect(wide.boughtTogether.weights[0]![1]).toBeCloseTo(1 / Math.SQRT2, 5);
    });

    it('is empty for logs without basket flags', () => {
      const s = buildSignals(4, sequences, options);
      expect(s.boughtTogether.targets.every((t) => t.length === 0)).toBe(true);
    });

    it('gives the same result however many shards it uses', () => {
      expect(buildSignals(4, baskets, { ...options, shards: 3 })).toEqual(buildSignals(4, baskets, { ...options, shards: 1 }));
    });
  });

  it('counts every trending window', () => {
    const s = buildSignals(4, sequences, { window: 2, maxNeighbors: 5, trendingDays: 7, now: NOW, trendingWindows: [1, 60] });
    expect([...s.trendingWindows.keys()]).toEqual([1, 60]);
    expect(Array.from(s.trendingWindows.get(1)!)).toEqual([1, 1, 1, 0]);
    // 60 days reach back to the second visitor's events, 30 days ago.
    expect(Array.from(s.trendingWindows.get(60)!)).toEqual([2, 2, 1, 0]);
  });
});
