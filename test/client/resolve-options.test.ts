import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/client';
import { resolveOptions } from '../../src/client/resolve-options';

describe('resolveOptions', () => {
  it('resolves a relative catalogue URL and fills defaults', () => {
    const c = resolveOptions({ catalog: 'catalog.json' }, 'https://shop.example/a/page.html', 'https://cdn.shop.example/pr/pocketrec.worker.js');
    expect(c.catalog).toBe('https://shop.example/a/catalog.json');
    expect(c.retention).toEqual(DEFAULTS.retention);
    expect(c.defaultK).toBe(10);
    // Model and runtime files sit next to the worker unless the host says otherwise.
    expect(c.modelBaseUrl).toBe('https://cdn.shop.example/pr/models/');
    expect(c.wasmBaseUrl).toBe('https://cdn.shop.example/pr/');
    expect(c.devices).toEqual(['webgpu', 'wasm']);
    expect(resolveOptions({ catalog: 'c.json', modelBaseUrl: '/m/' }, 'https://shop.example/a/', 'https://x/w.js').modelBaseUrl).toBe('https://shop.example/m/');
  });
  it.each([
    [{ catalog: 42 }, 'catalog'],
    [{ catalog: 'c.json', defaultK: 2.5 }, 'defaultK'],
    [{ catalog: 'c.json', diversity: 3 }, 'diversity'],
    [{ catalog: 'c.json', retention: { maxEvents: -1 } }, 'retention.maxEvents'],
    [{ catalog: 'c.json', encoder: 'gpt' }, 'encoder'],
    [{ catalog: 'c.json', devices: ['cuda'] }, 'devices'],
  ])('rejects %j naming the option', (options, option) => {
    expect(() => resolveOptions(options as never, 'http://x/', 'http://x/w.js')).toThrow(expect.objectContaining({ code: 'invalid-option', details: { option } }));
  });
});
