import { describe, expect, it } from 'vitest';
import { checkNotEmpty, decodeEmbeddings, MAX_ITEM_DEPTH, parseItemsText, validateItems, validateManifest, validateSignals } from '../../src/catalog';
import { thrownError } from '../helpers/thrown';
import { dequantizeRows } from '../../src/vector';

const error = thrownError;

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

describe('validateSignals', () => {
  it.each([
    // Before the fix this was cached as valid and then failed with an uncoded TypeError in the rank model.
    [{ neighbors: { a: 5 } }, 'neighbors["a"]'],
    [{ neighbors: { a: [['b']] } }, 'neighbors["a"][0]'],
    [{ neighbors: { a: [['b', Number.NaN]] } }, 'neighbors["a"][0]'],
    [{ transitions: { a: [[3, 1]] } }, 'transitions["a"][0]'],
    [{ transitions: [] }, 'transitions'],
    [{ popularity: { a: '12' } }, 'popularity["a"]'],
    [{ trending: { a: -1 } }, 'trending["a"]'],
    [{ neighbours: {} }, 'neighbours'],
    [{ boughtTogether: { a: [['b', -1]] } }, 'boughtTogether["a"][0]'],
    [{ trendingWindows: [] }, 'trendingWindows'],
    [{ trendingWindows: { week: { a: 1 } } }, 'trendingWindows["week"]'],
    [{ trendingWindows: { '0': { a: 1 } } }, 'trendingWindows["0"]'],
    [{ trendingWindows: { '7': { a: 'x' } } }, 'trendingWindows["7"]["a"]'],
    [[], '(file)'],
  ])('rejects %j naming %s', (raw, field) => {
    const e = error(() => validateSignals(raw, 's.json'));
    expect(e.code).toBe('catalog-invalid');
    expect(e.details).toMatchObject({ source: 's.json', field });
  });
  it('suggests the signal that was meant', () => {
    expect(error(() => validateSignals({ neighbours: {} }, 's.json')).message).toContain('did you mean "neighbors"?');
  });
  it('accepts what pocketrec build writes, including ids outside the catalogue', () => {
    const signals = { popularity: { a: 3 }, trending: { gone: 1 }, neighbors: { a: [['b', 0.5]] }, transitions: {}, boughtTogether: { a: [['b', 1.4142]] }, trendingWindows: { '1': { a: 1 }, '30': { a: 2, gone: 1 } } };
    expect(validateSignals(signals, 's.json')).toEqual(signals);
  });
});

describe('items: ids and values', () => {
  it('takes a numeric id as its decimal string, as events do', () => {
    expect(parseItemsText('[{"id":42,"title":"A"}]', 'x.json')[0]!.id).toBe('42');
  });
  it('rejects deep nesting with a coded error naming the item and field', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = { deep };
    // Before the fix an inline catalogue like this reached postMessage and failed with an uncoded RangeError.
    const e = error(() => validateItems([{ id: 'a', title: 'A', extra: deep }], (index) => ({ kind: 'inline', index }), 'inline'));
    expect(e.code).toBe('catalog-invalid');
    expect(e.details).toMatchObject({ field: 'extra', index: 0 });
    expect(e.message).toContain(`deeper than ${MAX_ITEM_DEPTH} levels`);
  });
  it('rejects values that are not data: functions, cycles, class instances, non-finite numbers', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const extra of [() => 1, cyclic, new Map(), Number.NaN]) {
      expect(error(() => validateItems([{ id: 'a', title: 'A', extra }], (index) => ({ kind: 'inline', index }), 'inline')).details).toMatchObject({ field: 'extra' });
    }
  });
  it('names the path of a bad value inside arrays and objects, and refuses a million plain values', () => {
    const nested = { sizes: [1, 2, { mm: [3, Number.POSITIVE_INFINITY] }] };
    const e = error(() => validateItems([{ id: 'a', title: 'A', extra: nested }], (index) => ({ kind: 'inline', index }), 'inline'));
    expect(e.details).toMatchObject({ field: 'extra' });
    expect(e.message).toContain('extra.sizes[2].mm[1] is Infinity');
    const flat = error(() => validateItems([{ id: 'a', title: 'A', extra: new Array(1_000_001).fill(0) }], (index) => ({ kind: 'inline', index }), 'inline'));
    expect(flat.message).toContain('extra holds more than a million values');
  });
  it('accepts a shared (acyclic) object', () => {
    const shared = { colour: 'red' };
    expect(validateItems([{ id: 'a', title: 'A', x: shared, y: shared }], (index) => ({ kind: 'inline', index }), 'inline')).toHaveLength(1);
  });
  it('rejects a JSON file that is not an array of items', () => {
    expect(error(() => parseItemsText('[1]', 'x.json')).details).toMatchObject({ index: 0 });
  });
});

describe('checkNotEmpty', () => {
  it.each([[''], ['   \n\n'], ['[]']])('rejects the empty catalogue %j with catalog-empty unless the host opts in', (text) => {
    const items = parseItemsText(text, 'x.json');
    expect(error(() => checkNotEmpty(items.length, 'x.json', false)).code).toBe('catalog-empty');
    expect(() => checkNotEmpty(items.length, 'x.json', true)).not.toThrow();
  });
});

describe('validateManifest: sequence training and embeddings values', () => {
  const manifest = (training: unknown) => ({
    formatVersion: 1,
    version: 'v',
    items: 'i.json',
    itemCount: 1,
    sequence: { url: 's.onnx', items: 's.json', sha256: 'a'.repeat(64), bytes: 10, dtype: 'float32', maxLen: 50, table: { url: 's.bin', bytes: 10, sha256: 'b'.repeat(64), dim: 8 }, training },
  });
  it.each([
    [{ sequences: -1, bestEpoch: 1, validNdcg10: 0.1 }, 'sequence.training.sequences'],
    [{ sequences: 10, bestEpoch: 1, validNdcg10: 'good' }, 'sequence.training.validNdcg10'],
    [{ sequences: 10, bestEpoch: 1, validNdcg10: 0.2, settings: { dim: 'big' } }, 'sequence.training.settings.dim'],
    ['fast', 'sequence.training'],
  ])('rejects training %j naming %s', (training, field) => {
    expect(error(() => validateManifest(manifest(training), 'c.json')).details).toMatchObject({ field });
  });
  it('accepts a real training record', () => {
    expect(() => validateManifest(manifest({ sequences: 10, bestEpoch: 3, validNdcg10: 0.2, settings: { dim: 64 } }), 'c.json')).not.toThrow();
  });
  it('rejects embeddings with a NaN value or scale', () => {
    expect(error(() => decodeEmbeddings(new Float32Array([1, Number.NaN, 0, 1]).buffer, 2, 2, 'f32', 'e.bin')).details).toMatchObject({ row: 0 });
    const buf = new ArrayBuffer(2 * 4 + 2 * 2);
    new DataView(buf).setFloat32(4, Number.POSITIVE_INFINITY, true);
    expect(error(() => decodeEmbeddings(buf, 2, 2, 'int8', 'e.bin')).details).toMatchObject({ row: 1 });
  });
});

describe('inline items are never changed behind the host', () => {
  it('copies a record whose numeric id becomes a string', () => {
    const host = [{ id: 7, title: 'Seven' }];
    expect(validateItems(host, (index) => ({ kind: 'inline', index }), 'inline')[0]!.id).toBe('7');
    expect(host[0]!.id).toBe(7);
  });
});
