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
  it('counts a title\'s words twice, ASCII or not, and each word once elsewhere', () => {
    const twice = buildLexicalIndex([
      { id: 'x', title: 'Trail-Tent 2', description: 'tent' },
      { id: 'y', title: 'Café crème', description: 'café' },
    ]);
    const tf = (term: string, item: number) => {
      const t = twice.terms.indexOf(term);
      for (let p = twice.offsets[t]!; p < twice.offsets[t + 1]!; p++) if (twice.items[p] === item) return twice.tf[p];
      return 0;
    };
    // "Trail-Tent 2. tent" and "Café crème. café": title words twice, the description's once more.
    expect([tf('trail', 0), tf('tent', 0), tf('2', 0)]).toEqual([2, 3, 2]);
    expect([tf('cafe', 1), tf('creme', 1)]).toEqual([3, 2]);
    expect(Array.from(twice.lengths)).toEqual([3 + 4, 2 + 3]);
  });
});

