import { describe, expect, it } from 'vitest';
import { chooseSequenceSettings } from '../../src/cli/sequence';

/** Lengths drawn so that a known share of histories is longer than a given size. */
const lengths = (count: number, length: (k: number) => number) => Array.from({ length: count }, (_, k) => length(k));

describe('the sequence model settings chosen from the log', () => {
  it('reads a dense log with a small catalogue as SASRec reads MovieLens: dropout 0.2, full softmax, a long window', () => {
    // 610 visitors, half with 70 items, a long tail past 400 (MovieLens' shape).
    const s = chooseSequenceSettings({ itemCount: 9724, lengths: lengths(610, (k) => (k % 10 === 0 ? 500 : 70)) });
    expect(s.dropout).toBe(0.2);
    expect(s.sampledNegatives).toBeUndefined();
    // p99 is 500 items; one full-softmax batch of 64 × 100 positions × 9 724 items is the most that fits.
    expect(s.maxLen).toBe(100);
    expect(s.why.maxLen).toMatch(/capped at 100/);
  });

  it('reads a sparse log with a large catalogue as SASRec reads Amazon: dropout 0.5, sampled softmax, the window its histories need', () => {
    // 31 000 visitors, most with 4–9 items, 2 % with 48 (Amazon Games' shape: 99 % have at most 48).
    const s = chooseSequenceSettings({ itemCount: 23_715, lengths: lengths(31_000, (k) => (k % 50 === 0 ? 48 : 4 + (k % 6))) });
    expect(s.dropout).toBe(0.5);
    expect(s.sampledNegatives).toBe(2048);
    expect(s.maxLen).toBe(50);
    expect(s.stopVisitors).toBe(5000);
  });

  it('keeps a floor under the window for short histories, and the window follows the 99th percentile, not the mean', () => {
    expect(chooseSequenceSettings({ itemCount: 100, lengths: lengths(50, () => 5) }).maxLen).toBe(20);
    const tail = chooseSequenceSettings({ itemCount: 100, lengths: lengths(1000, (k) => (k < 20 ? 37 : 3)) });
    expect(tail.maxLen).toBe(40);
    // Both halves of the catalogue-size rule meet at its threshold.
    expect(chooseSequenceSettings({ itemCount: 16_384, lengths: [5] }).sampledNegatives).toBeUndefined();
    expect(chooseSequenceSettings({ itemCount: 16_385, lengths: [5] }).sampledNegatives).toBe(2048);
  });

  it('does not depend on the order of the histories', () => {
    const forward = lengths(500, (k) => 1 + (k % 60));
    expect(chooseSequenceSettings({ itemCount: 5000, lengths: forward })).toEqual(chooseSequenceSettings({ itemCount: 5000, lengths: [...forward].reverse() }));
  });
});
