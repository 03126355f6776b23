import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/client';
import { resolveOptions } from '../../src/client/resolve-options';

describe('resolveOptions', () => {
  it('resolves a relative catalogue URL and fills defaults', () => {
    const c = resolveOptions({ catalog: 'catalog.json' }, 'https://shop.example/a/page.html');
    expect(c.catalog).toBe('https://shop.example/a/catalog.json');
    expect(c.retention).toEqual(DEFAULTS.retention);
    expect(c.defaultK).toBe(10);
    // The model sits next to the worker, which names its files itself, unless the host says otherwise.
    expect(c.modelBaseUrl).toBeNull();
    expect(c.devices).toEqual(['webgpu', 'wasm']);
    expect(resolveOptions({ catalog: 'c.json', modelBaseUrl: '/m/' }, 'https://shop.example/a/').modelBaseUrl).toBe('https://shop.example/m/');
  });
  it.each([
    [{ catalog: 42 }, 'catalog'],
    [{ catalog: 'c.json', defaultK: 2.5 }, 'defaultK'],
    [{ catalog: 'c.json', diversity: 3 }, 'diversity'],
    [{ catalog: 'c.json', retention: { maxEvents: -1 } }, 'retention.maxEvents'],
    [{ catalog: 'c.json', encoder: 'gpt' }, 'encoder'],
    [{ catalog: 'c.json', devices: ['cuda'] }, 'devices'],
  ])('rejects %j naming the option', (options, option) => {
    expect(() => resolveOptions(options as never, 'http://x/')).toThrow(expect.objectContaining({ code: 'invalid-option', details: { option } }));
  });

  describe('encoder: { type: "transformers" }', () => {
    const page = 'https://shop.example/a/page.html';
    const resolve = (encoder: unknown, extra: object = {}) => resolveOptions({ catalog: 'c.json', encoder, ...extra } as never, page);

    it('keeps a hub id as it is, with fp32 and the devices in order by default', () => {
      const c = resolve({ type: 'transformers', model: 'Xenova/all-MiniLM-L6-v2' });
      expect(c.encoder).toEqual({ type: 'transformers', model: 'Xenova/all-MiniLM-L6-v2', folderUrl: null, dtype: 'fp32', languages: 'any' });
      expect(c.devices).toEqual(['webgpu', 'wasm']);
      expect(resolve({ type: 'transformers', model: 'bert-base-uncased' }).encoder).toMatchObject({ folderUrl: null });
    });

    it('resolves a folder URL against the page and ends it with a slash', () => {
      expect(resolve({ type: 'transformers', model: '/models/minilm' }).encoder).toMatchObject({ model: '/models/minilm', folderUrl: 'https://shop.example/models/minilm/' });
      expect(resolve({ type: 'transformers', model: './m/' }).encoder).toMatchObject({ folderUrl: 'https://shop.example/a/m/' });
      expect(resolve({ type: 'transformers', model: '../m/' }).encoder).toMatchObject({ folderUrl: 'https://shop.example/m/' });
      expect(resolve({ type: 'transformers', model: 'https://models.example/bge/' }).encoder).toMatchObject({ folderUrl: 'https://models.example/bge/' });
      expect(resolve({ type: 'transformers', model: new URL('https://models.example/bge') }).encoder).toMatchObject({ model: 'https://models.example/bge', folderUrl: 'https://models.example/bge/' });
    });

    it('keeps the languages a site declares for its model', () => {
      expect(resolve({ type: 'transformers', model: '/models/bge-zh/', languages: ['zh', 'en'] }).encoder).toMatchObject({ languages: ['zh', 'en'] });
    });

    it('passes dtype through, and lets encoder.device replace the device list', () => {
      const c = resolve({ type: 'transformers', model: 'org/m', dtype: 'q8', device: 'wasm' }, { devices: ['webgpu', 'wasm'] });
      expect(c.encoder).toMatchObject({ dtype: 'q8' });
      expect(c.devices).toEqual(['wasm']);
    });

    it.each([
      [{ type: 'onnx', model: 'org/m' }, 'encoder', /"auto", "lexical" or \{ type: "transformers", model \}/],
      [{ model: 'org/m' }, 'encoder', /expected "auto"/],
      [{ type: 'transformers' }, 'encoder.model', /hub id/],
      [{ type: 'transformers', model: '' }, 'encoder.model', /hub id/],
      [{ type: 'transformers', model: 42 }, 'encoder.model', /hub id/],
      [{ type: 'transformers', model: 'a/b/c' }, 'encoder.model', /starting with "\/", "\.\/" or "\.\.\/"/],
      [{ type: 'transformers', model: 'org/../m' }, 'encoder.model', /hub id/],
      [{ type: 'transformers', model: 'ftp://models.example/m/' }, 'encoder.model', /an http\(s\) URL/],
      [{ type: 'transformers', model: 'https://models.example/m/?token=1' }, 'encoder.model', /without "\?" or "#"/],
      [{ type: 'transformers', model: 'org/m', dtype: 'float32' }, 'encoder.dtype', /one of "fp32", "fp16", "q8"/],
      [{ type: 'transformers', model: 'org/m', device: 'cuda' }, 'encoder.device', /"webgpu" or "wasm"/],
      [{ type: 'transformers', model: 'org/m', languages: ['zh', 'xx'] }, 'encoder.languages', /"any" or a non-empty array of "en", "fr"/],
      [{ type: 'transformers', model: 'org/m', languages: [] }, 'encoder.languages', /non-empty array/],
      [{ type: 'transformers', model: 'org/m', languages: 'zh' }, 'encoder.languages', /"any" or a non-empty array/],
      [{ type: 'transformers', model: 'org/m', dtypes: 'q8' }, 'encoder.dtypes', /has no field "dtypes"; a transformers encoder takes type, model, dtype, device/],
    ])('rejects encoder %j naming %s', (encoder, option, message) => {
      let error: unknown;
      try {
        resolve(encoder);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'invalid-option', details: { option } });
      expect((error as Error).message).toMatch(message);
    });
  });
});

describe('resolveOptions: unknown and misspelt options', () => {
  const resolve = (options: object) => resolveOptions(options as never, 'http://x/');
  it.each([
    // Before the fix each of these was ignored and the default used.
    [{ catalog: 'c.json', defaultk: 4 }, 'defaultk', 'defaultK'],
    [{ catalog: 'c.json', halfLife: 4 }, 'halfLife', 'halfLifeDays'],
    [{ catalog: 'c.json', retention: { maxEvent: 4 } }, 'retention.maxEvent', 'retention.maxEvents'],
    [{ catalog: 'c.json', allowEmptyCatalogue: true }, 'allowEmptyCatalogue', 'allowEmptyCatalog'],
  ])('rejects %j naming %s and suggesting %s', (options, option, suggestion) => {
    let error: unknown;
    try {
      resolve(options);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid-option', details: { option, suggestion } });
    expect((error as Error).message).toContain(`Did you mean "${suggestion}"?`);
  });
  it('lists the options when nothing is close', () => {
    expect(() => resolve({ catalog: 'c.json', zzzzzzzzzz: 1 })).toThrow(/the options are catalog, workerUrl/);
  });
  it('checks allowEmptyCatalog, onProgress and signal', () => {
    expect(resolve({ catalog: 'c.json' }).allowEmptyCatalog).toBe(false);
    expect(resolve({ catalog: 'c.json', allowEmptyCatalog: true }).allowEmptyCatalog).toBe(true);
    expect(() => resolve({ catalog: 'c.json', allowEmptyCatalog: 'yes' })).toThrow(expect.objectContaining({ details: { option: 'allowEmptyCatalog' } }));
    expect(() => resolve({ catalog: 'c.json', onProgress: 'log' })).toThrow(expect.objectContaining({ details: { option: 'onProgress' } }));
    expect(() => resolve({ catalog: 'c.json', signal: {} })).toThrow(expect.objectContaining({ details: { option: 'signal' } }));
  });
  it('checks revalidateEveryMs: 0 (off) by default, at least 1000 ms, and only for a catalogue URL', () => {
    expect(resolve({ catalog: 'c.json' }).revalidateEveryMs).toBe(0);
    expect(resolve({ catalog: 'c.json', revalidateEveryMs: 60_000 }).revalidateEveryMs).toBe(60_000);
    for (const wrong of [10, -1, Number.NaN, Infinity, '60000'])
      expect(() => resolve({ catalog: 'c.json', revalidateEveryMs: wrong })).toThrow(expect.objectContaining({ code: 'invalid-option', details: { option: 'revalidateEveryMs' } }));
    expect(() => resolve({ catalog: [{ id: 'a', title: 'A' }], revalidateEveryMs: 60_000 })).toThrow(/only a catalogue URL can be fetched again/);
    expect(() => resolve({ catalog: 'c.json', revalidateEvery: 1000 })).toThrow(expect.objectContaining({ details: { option: 'revalidateEvery', suggestion: 'revalidateEveryMs' } }));
  });
  it('rejects inline items that could not cross to the worker, with a coded error', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => resolve({ catalog: [{ id: 'a', title: 'A', deep }] })).toThrow(expect.objectContaining({ code: 'catalog-invalid', details: expect.objectContaining({ field: 'deep', index: 0 }) }));
    expect(() => resolve({ catalog: [{ id: 'a', title: 'A', onClick: () => 1 }] })).toThrow(expect.objectContaining({ code: 'catalog-invalid' }));
  });
});
