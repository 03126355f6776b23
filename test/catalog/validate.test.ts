import { describe, expect, it } from 'vitest';
import { decodeEmbeddings, parseItemsText, validateManifest } from '../../src/catalog';
import { PocketRecError } from '../../src/errors';
import { dequantizeRows } from '../../src/vector';

function error(fn: () => unknown): PocketRecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PocketRecError);
    return e as PocketRecError;
  }
  throw new Error('expected a PocketRecError');
}

describe('parseItemsText', () => {
  it('reads a JSON array and NDJSON alike, keeping unknown fields', () => {
    const a = parseItemsText('[{"id":"1","title":"A","colour":"red"}]', 'a.json');
    const b = parseItemsText('{"id":"1","title":"A","colour":"red"}\n\n', 'a.ndjson');
    expect(a).toEqual(b);
    expect(a[0]!.colour).toBe('red');
  });
  it('names the line of malformed NDJSON', () => {
    const e = error(() => parseItemsText('{"id":"1","title":"A"}\n{"id":"2",', 'x.ndjson'));
    expect(e.code).toBe('catalog-invalid');
    expect(e.details.line).toBe(2);
    expect(e.message).toContain('line 2');
  });
  it('names the index and field of a missing id', () => {
    const e = error(() => parseItemsText('[{"id":"1","title":"A"},{"title":"B"}]', 'x.json'));
    expect(e.details).toMatchObject({ index: 1, field: 'id' });
  });
  it('names both places of a duplicate id', () => {
    const e = error(() => parseItemsText('{"id":"1","title":"A"}\n{"id":"1","title":"B"}', 'x.ndjson'));
    expect(e.message).toMatch(/line 2 .*"1".*line 1/);
  });
  it('rejects a bad price with the item id', () => {
    expect(error(() => parseItemsText('[{"id":"p","title":"A","price":-3}]', 'x.json')).message).toContain('"p"');
  });
  it('reports malformed JSON', () => {
    expect(error(() => parseItemsText('[{"id":"1",', 'x.json')).code).toBe('catalog-invalid');
  });
});

describe('validateManifest', () => {
  it('lists valid dtypes when rejecting one', () => {
    const e = error(() => validateManifest({ formatVersion: 1, version: 'v', items: 'i.json', itemCount: 1, embeddings: { url: 'e', model: 'm', dim: 2, dtype: 'f64' } }, 'c.json'));
    expect(e.message).toContain('"int8", "f32"');
  });
});

describe('decodeEmbeddings', () => {
  it('decodes int8 rows with per-row scales', () => {
    const buf = new ArrayBuffer(2 * 4 + 2 * 2);
    new DataView(buf).setFloat32(0, 0.5, true);
    new DataView(buf).setFloat32(4, 2, true);
    new Int8Array(buf, 8).set([2, -2, 1, 0]);
    expect(Array.from(dequantizeRows(decodeEmbeddings(buf, 2, 2, 'int8', 'e.bin')))).toEqual([1, -1, 2, 0]);
  });
  it('rejects a file of the wrong size', () => {
    expect(error(() => decodeEmbeddings(new ArrayBuffer(10), 2, 2, 'int8', 'e.bin')).details).toMatchObject({ expected: 12 });
  });
});
