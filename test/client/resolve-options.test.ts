import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/client';
import { resolveOptions } from '../../src/client/resolve-options';

describe('resolveOptions', () => {
  it('resolves a relative catalogue URL and fills defaults', () => {
    const c = resolveOptions({ catalog: 'catalog.json' }, 'https://shop.example/a/page.html');
    expect(c.catalog).toBe('https://shop.example/a/catalog.json');
    expect(c.retention).toEqual(DEFAULTS.retention);
    expect(c.defaultK).toBe(10);
  });
  it.each([
    [{ catalog: 42 }, 'catalog'],
    [{ catalog: 'c.json', defaultK: 2.5 }, 'defaultK'],
    [{ catalog: 'c.json', diversity: 3 }, 'diversity'],
    [{ catalog: 'c.json', retention: { maxEvents: -1 } }, 'retention.maxEvents'],
  ])('rejects %j naming the option', (options, option) => {
    expect(() => resolveOptions(options as never, 'http://x/')).toThrow(expect.objectContaining({ code: 'invalid-option', details: { option } }));
  });
});
