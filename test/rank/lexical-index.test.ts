import { describe, expect, it } from 'vitest';
import { buildLexicalIndex, scoreLexical } from '../../src/rank';

describe('lexical index (BM25)', () => {
  const items = [
    { id: 'a', title: 'Backpacking stove', tags: ['camping'] },
    { id: 'b', title: 'Pasta maker', description: 'Fresh pasta at home' },
    { id: 'c', title: 'Camping tent', description: 'A tent for camping trips with a long long long description of many words' },
  ];
  const index = buildLexicalIndex(items);
  const score = (q: string) => Array.from(scoreLexical(index, q, new Float32Array(3)));

  it('ranks the item holding all query words first and scales the best to 1', () => {
    const s = score('camping stove');
    expect(s[0]).toBe(1);
    expect(s[1]).toBe(0);
    expect(s[2]).toBeGreaterThan(0);
    expect(s[2]).toBeLessThan(1);
  });
  it('prefers rare words and short documents, and is case and accent tolerant in tokens', () => {
    // "tent" appears once (in c), "camping" in a and c: the rarer word decides.
    expect(score('TENT')).toEqual([0, 0, 1]);
  });
  it('gives zeros when no word matches', () => {
    expect(score('kettle')).toEqual([0, 0, 0]);
  });
});
