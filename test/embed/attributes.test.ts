import { describe, expect, it } from 'vitest';
import { parseKind, RECOMMENDATION_KINDS, safeHref } from '../../src/embed';

describe('widget attributes', () => {
  it('reads a kind, defaulting to for-you, and rejects others listing the valid ones', () => {
    expect(parseKind(null, 'x')).toBe('for-you');
    expect(parseKind('', 'x')).toBe('for-you');
    for (const kind of RECOMMENDATION_KINDS) expect(parseKind(kind, 'x')).toBe(kind);
    expect(() => parseKind('Related', '<pocket-recs kind>')).toThrow(
      expect.objectContaining({ code: 'invalid-option', details: { option: 'kind', kind: 'Related' }, message: expect.stringContaining('<pocket-recs kind>: unknown kind "Related". Use one of for-you, related, bought-together, trending.') }),
    );
  });

  it('turns only http(s) item URLs into links', () => {
    const page = 'https://shop.example/products/42?ref=x';
    expect(safeHref('/p/7', page)).toBe('https://shop.example/p/7');
    expect(safeHref('#open-7', page)).toBe('https://shop.example/products/42?ref=x#open-7');
    expect(safeHref('http://other.example/a', page)).toBe('http://other.example/a');
    expect(safeHref('javascript:alert(1)', page)).toBeUndefined();
    expect(safeHref(' JavaScript:alert(1)', page)).toBeUndefined();
    expect(safeHref('data:text/html,<script>1</script>', page)).toBeUndefined();
    expect(safeHref('http://[bad', page)).toBeUndefined();
    expect(safeHref(undefined, page)).toBeUndefined();
    expect(safeHref(42, page)).toBeUndefined();
    expect(safeHref('', page)).toBeUndefined();
  });
});
