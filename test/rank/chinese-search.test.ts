import { describe, expect, it } from 'vitest';
import { searchItems } from '../../src/rank';
import { CHINESE_CATALOG, CHINESE_QUERIES } from '../fixtures/chinese-catalog';
import { modelOf } from '../fixtures/rank-model';

describe('search in Chinese on the lexical path', () => {
  // A query the encoder does not cover reaches ranking with no vector: words alone (BM25 over segmented text).
  const model = modelOf(CHINESE_CATALOG, new Float32Array(CHINESE_CATALOG.length), 1);

  it.each(CHINESE_QUERIES)('$query finds $expected in the top 3', ({ query, expected }) => {
    const top = searchItems(model, { query, vector: null, k: 3, taste: null }).map((r) => model.ids[r.index]);
    expect(top).toEqual(expect.arrayContaining(expected));
  });

  it('finds nothing for a query none of its words match, once a threshold is set', () => {
    expect(searchItems(model, { query: '小提琴', vector: null, k: 3, taste: null, threshold: 0.1 })).toEqual([]);
  });
});
