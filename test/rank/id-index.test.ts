import { describe, expect, it } from 'vitest';
import { createIdIndex } from '../../src/rank/id-index';

describe('id index', () => {
  it('finds every id at its position and nothing else, across collisions and non-ASCII ids', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 3 ? `sku-${i}` : `ß-${i}-日本`));
    const indexOf = createIdIndex(ids);
    ids.forEach((id, i) => expect(indexOf(id)).toBe(i));
    expect(indexOf('sku-5000')).toBeUndefined();
    expect(indexOf('')).toBeUndefined();
    expect(createIdIndex([])('a')).toBeUndefined();
  });
});
