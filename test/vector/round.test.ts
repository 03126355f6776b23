import { describe, expect, it } from 'vitest';
import { roundHalfUp } from '../../src/vector';

describe('roundHalfUp', () => {
  it('is Math.round to the bit, the sign of zero and the edges of double arithmetic included', () => {
    const below = (x: number) => x - Number.EPSILON * Math.max(1, Math.abs(x)) / 2;
    const edges = [0, -0, 0.5, -0.5, 0.49999999999999994, -0.49999999999999994, 1.5, -1.5, 2.5, -2.5, below(0.5), below(2.5), below(-2.5), 2 ** 52 - 0.5, 2 ** 52 + 1, -(2 ** 52) - 1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e300, -1e300, Number.MIN_VALUE, -Number.MIN_VALUE, Infinity, -Infinity, NaN, 126.5, -127.5, 65534.5];
    // Seeded doubles at every scale, and halves and their neighbours (what int8 and u16 rounding meet).
    let s = 7;
    const next = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const random = Array.from({ length: 200_000 }, (_, k) => {
      const x = (next() - 0.5) * 2 ** Math.floor(next() * 64 - 8);
      return k % 3 === 0 ? Math.trunc(x) + 0.5 : k % 3 === 1 ? below(Math.trunc(x) + 0.5) : x;
    });
    for (const x of [...edges, ...random]) expect(Object.is(roundHalfUp(x), Math.round(x)), `roundHalfUp(${x})`).toBe(true);
  });
});
