import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { decodeColumns, decodeEmbeddings, encodeColumns, itemText, parseItemsText, validateManifest } from '../../src/catalog';
import { buildCatalog, parseCsvLine } from '../../src/cli/build';
import { createLexicalEncoder, fitLexicalModel, lexicalModelFromCounts } from '../../src/encoder';
import { SMALL_CATALOG } from '../fixtures/small-catalog';
import { dequantizeRows } from '../../src/vector';
import { scratchDirs } from '../helpers/scratch-dirs';

const dir = scratchDirs('pocketrec-build-');
const part = () => ({ url: 'p.bin', bytes: 1, sha256: '0'.repeat(64), chunkBytes: 1, chunkSha256: ['0'.repeat(64)], sections: [] });

describe('pocketrec build', () => {
  it('writes a manifest the browser loader accepts, with the vectors the worker would compute', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const log = ['userId,itemId,type,timestamp', 'u1,c1,view,1000', 'u1,c3,purchase,2000', 'u2,c1,view,1500', 'u2,c3,view,1600', 'u2,gone,view,1700', 'u3,t1,view,1000'];
    await writeFile(join(d, 'log.csv'), log.join('\n'));
    const report = await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'site'), encoder: 'lexical', formatVersion: 1 });
    expect(report).toMatchObject({ itemCount: 20, interactions: 5, skippedUnknownItems: 1, users: 3 });

    const manifest = validateManifest(JSON.parse(await readFile(join(d, 'site/catalog.json'), 'utf8')), 'catalog.json');
    const items = parseItemsText(await readFile(join(d, 'site/items.ndjson'), 'utf8'), 'items.ndjson');
    expect(items.map((i) => i.id)).toEqual(SMALL_CATALOG.map((i) => i.id));
    const bytes = await readFile(join(d, 'site/embeddings.bin'));
    if (manifest.formatVersion !== 1) throw new Error('expected a format 1 manifest');
    const vectors = dequantizeRows(decodeEmbeddings(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), 20, manifest.embeddings!.dim, 'int8', 'embeddings.bin'));
    const encoder = createLexicalEncoder(fitLexicalModel(items.map(itemText)));
    expect(manifest.embeddings!.model).toBe(encoder.id);
    const [first] = await encoder.embed([itemText(items[0]!)]);
    const dotp = first!.reduce((s, v, i) => s + v * vectors[i]!, 0);
    // Equal up to int8 rounding: one step of 1/127 of the largest component per dimension.
    expect(dotp).toBeGreaterThan(0.995);

    const signals = JSON.parse(await readFile(join(d, 'site/signals.json'), 'utf8'));
    expect(signals.popularity).toMatchObject({ c1: 2, c3: 6 });
    expect(signals.transitions.c1[0][0]).toBe('c3');
    expect(signals.neighbors.c3.map((p: [string, number]) => p[0])).toContain('c1');
  });

  it('ships the lexical fit: the encoder rebuilt from its counts is the refitted one, vector for vector', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, 'site'), encoder: 'lexical', sequence: { mode: 'off' } });
    const manifest = validateManifest(JSON.parse(await readFile(join(d, 'site/catalog.json'), 'utf8')), 'catalog.json');
    if (manifest.formatVersion !== 2) throw new Error('expected a format 2 manifest');
    const fit = manifest.parts.embeddings!.lexicalFit!;
    expect(fit.documents).toBe(SMALL_CATALOG.length);
    const shipped = createLexicalEncoder(lexicalModelFromCounts({ dim: fit.df.length, documents: fit.documents, df: fit.df }));
    const refit = createLexicalEncoder(fitLexicalModel(SMALL_CATALOG.map(itemText)));
    // The id is what the worker compares with the vectors' model: equal ids mean the shipped vectors are used.
    expect(shipped.id).toBe(manifest.parts.embeddings!.model);
    expect(shipped.id).toBe(refit.id);
    const texts = [...SMALL_CATALOG.map(itemText), 'a query about camping stoves'];
    const [a, b] = [await shipped.embed(texts), await refit.embed(texts)];
    a.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(b[i]!)));
    // Records are chunked small for on-demand reads; the binary parts keep big chunks.
    expect(manifest.parts.records.chunkBytes).toBe(64 * 1024);
    expect(manifest.parts.columns.chunkBytes).toBe(4 * 1024 * 1024);
  });

  it('rejects a manifest whose lexical fit is not a count of items', () => {
    const base = { formatVersion: 2, version: 'v', itemCount: 3, parts: { columns: part(), records: part(), embeddings: { ...part(), model: 'm', dim: 4, lexicalFit: { documents: 3, df: [0, 1, 3, 2] } } } };
    expect(() => validateManifest(base, 'c.json')).not.toThrow();
    const withFit = (lexicalFit: unknown) => ({ ...base, parts: { ...base.parts, embeddings: { ...base.parts.embeddings, lexicalFit } } });
    // An incremental build keeps the previous catalogue's fit: counted on another number of items.
    expect(() => validateManifest(withFit({ documents: 2, df: [0, 1] }), 'c.json')).not.toThrow();
    expect(() => validateManifest(withFit({ documents: 0, df: [0] }), 'c.json')).toThrow(/lexicalFit.documents" is 0, expected the number of items the fit counted/);
    expect(() => validateManifest(withFit({ documents: 2, df: [0, 3] }), 'c.json')).toThrow(/lexicalFit.df" has 3 at entry 1; counts are whole numbers from 0 to documents \(2\)/);
    expect(() => validateManifest(withFit({ documents: 3, df: [] }), 'c.json')).toThrow(/lexicalFit.df" must be a non-empty array/);
    expect(() => validateManifest(withFit({ documents: 3, df: [0, 4] }), 'c.json')).toThrow(/lexicalFit.df" has 4 at entry 1/);
    expect(() => validateManifest(withFit({ documents: 3, df: [0, 1.5] }), 'c.json')).toThrow(/has 1.5 at entry 1/);
  });

  it('writes bought-together from carts and purchases, and trending per window', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const day = 86_400_000;
    const log = ['userId,itemId,type,timestamp', `u1,c1,add_to_cart,${day}`, `u1,c3,purchase,${day + 1000}`, `u2,c1,purchase,${10 * day}`, `u2,c3,add_to_cart,${10 * day + 5000}`, `u2,t1,view,${10 * day + 6000}`];
    await writeFile(join(d, 'log.csv'), log.join('\n'));
    await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'site'), encoder: 'lexical', sequence: { mode: 'off' }, formatVersion: 1 });
    // Format 2 carries the same signals as binary sections (test/catalog/format-v2.test.ts checks they read back equal).
    await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'site2'), encoder: 'lexical', sequence: { mode: 'off' } });
    const v2 = JSON.parse(await readFile(join(d, 'site2/catalog.json'), 'utf8'));
    expect(v2.parts.columns.sections.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['boughtTogether.offsets', 'boughtTogether.targets', 'boughtTogether.weights', 'trendingWindows.days', 'trendingWindows.values']));
    // The part is written array by array at its offsets: its bytes are the ones encodeColumns joins in memory.
    const part = new Uint8Array(await readFile(join(d, 'site2/columns.bin')));
    const { columns, recordOffsets } = decodeColumns(part.slice().buffer, v2.parts.columns, v2.itemCount, v2.parts.records.bytes, 'columns.bin');
    const joined = encodeColumns(columns, recordOffsets);
    expect(joined.sections).toEqual(v2.parts.columns.sections);
    expect(part).toEqual(joined.bytes);
    const signals = JSON.parse(await readFile(join(d, 'site/signals.json'), 'utf8'));
    // Two visitors put c1 and c3 in a basket: 2 votes / √(c3's 2 baskets). The viewed tent is in no basket.
    expect(signals.boughtTogether.c1).toEqual([['c3', 1.4142]]);
    expect(signals.boughtTogether.t1).toBeUndefined();
    expect(Object.keys(signals.trendingWindows)).toEqual(['1', '7', '30']);
    // The last day before the latest event holds u2's three events only.
    expect(Object.keys(signals.trendingWindows['1']).sort()).toEqual(['c1', 'c3', 't1']);
    expect(Object.keys(signals.trendingWindows['30']).sort()).toEqual(['c1', 'c3', 't1']);
    expect(signals.trendingWindows['1'].c1).toBeLessThan(signals.trendingWindows['30'].c1);
  });

  it('trains the sequence model from a log with enough visitors and ships it with an item mapping', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const ids = SMALL_CATALOG.map((i) => i.id);
    // 40 visitors walking the catalogue in order: the next item always follows from the last.
    const rows = ['userId,itemId,type,timestamp'];
    for (let u = 0; u < 40; u++) for (let k = 0; k < 25; k++) rows.push(`v${u},${ids[(u + k) % ids.length]},view,${1000 * (u * 100 + k)}`);
    await writeFile(join(d, 'log.csv'), rows.join('\n'));
    const lines: string[] = [];
    const report = await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'site'), encoder: 'lexical', sequence: { mode: 'auto', epochs: 3 }, log: (l) => lines.push(l) });
    const manifest = validateManifest(JSON.parse(await readFile(join(d, 'site/catalog.json'), 'utf8')), 'catalog.json');
    // 24 training items a visitor: a window of 30 and the dense logs' dropout (chooseSequenceSettings).
    expect(manifest.sequence).toMatchObject({ url: 'sequence.onnx', items: 'sequence-items.json', dtype: 'int8', maxLen: 30, training: { sequences: 40, bestEpoch: expect.any(Number), settings: { dim: 64, blocks: 2, seed: 42, dropout: 0.2, maxLen: 30, stopVisitors: 40 } } });
    expect(lines).toContain('sequence model: softmax: 20 items ≤ 16384: full softmax');
    const model = await readFile(join(d, 'site/sequence.onnx'));
    expect(model.byteLength).toBe(manifest.sequence!.bytes);
    expect(createHash('sha256').update(model).digest('hex')).toBe(manifest.sequence!.sha256);
    expect(JSON.parse(await readFile(join(d, 'site/sequence-items.json'), 'utf8'))).toEqual(ids);
    expect(report.files['sequence.onnx']).toBe(model.byteLength);
    // The item table ships once, int8 with a scale per item, beside a graph that holds no item rows.
    const table = await readFile(join(d, 'site/sequence-table.bin'));
    expect(manifest.sequence!.table).toEqual({ url: 'sequence-table.bin', bytes: table.byteLength, sha256: createHash('sha256').update(table).digest('hex'), dim: 64 });
    expect(table.byteLength).toBe(ids.length * (4 + 64));
    expect(report.files['sequence-table.bin']).toBe(table.byteLength);
    const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(['embedded', 'mask']);
    expect(graph.output!.map((o) => o.name)).toEqual(['hidden']);
    expect(graph.initializer!.filter((t) => [ids.length, ids.length + 1].includes(Number(t.dims![0])))).toEqual([]);
    expect(lines.filter((l) => /^sequence model: epoch \d+\/3 +loss [\d.]+ +valid NDCG@10 [\d.]+ .*ETA/.test(l))).toHaveLength(3);

    await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'off'), encoder: 'lexical', sequence: { mode: 'off' } });
    expect(JSON.parse(await readFile(join(d, 'off/catalog.json'), 'utf8')).sequence).toBeUndefined();
    expect(existsSync(join(d, 'off/sequence.onnx'))).toBe(false);
  }, 120_000);

  it('fails on a bad row, naming file and line, and leaves no catalogue behind', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), ['{"id":"a","title":"A"}', '{"id":"b","title":"B","price":"cheap"}'].join('\n'));
    await expect(buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, 'site') })).rejects.toThrow(/line 2 .*price/);
    expect(existsSync(join(d, 'site'))).toBe(false);
    await writeFile(join(d, 'items.ndjson'), '{"id":"a","title":"A"}');
    await writeFile(join(d, 'log.ndjson'), ['{"userId":"u","itemId":"a","type":"view","timestamp":1}', '{"userId":"u","itemId":"a","type":"teleport","timestamp":2}'].join('\n'));
    await expect(buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.ndjson'), out: join(d, 'site') })).rejects.toThrow(/log\.ndjson:2: .*teleport/);
    expect(existsSync(join(d, 'site'))).toBe(false);
  }, 60_000);

  it('lists bad rows in file order, whether a line does not parse or its item does not validate, past a batch of rows', async () => {
    const d = await dir();
    const lines = Array.from({ length: 5000 }, (_, k) => JSON.stringify({ id: `i${k}`, title: `Item ${k}` }));
    // A validation error before a parse error in the same batch, then the same again across a batch's edge.
    lines[4] = '{"id":"i4","title":"T","price":"cheap"}';
    lines[6] = '{"id":';
    lines[2046] = '{"id":"i2046","title":"T","price":"dear"}';
    lines[2048] = 'not json';
    await writeFile(join(d, 'items.ndjson'), lines.join('\n'));
    const error = await buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, 'site'), encoder: 'lexical' }).then(
      () => null,
      (e: Error) => e,
    );
    const listed = [...String(error?.message).matchAll(/line (\d+)|ndjson:(\d+)/g)].map((m) => Number(m[1] ?? m[2]));
    expect(listed).toEqual([5, 7, 2047, 2049]);
    expect(existsSync(join(d, 'site'))).toBe(false);
  }, 60_000);

  it('reads CSV items with quoted fields and typed columns', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.csv'), ['id,title,price,tags', 'a,"Tent, 2 person",99.5,camping|outdoor', 'b,"The ""Best"" Mug",12,'].join('\n'));
    const report = await buildCatalog({ items: join(d, 'items.csv'), out: join(d, 'site'), encoder: 'lexical' });
    expect(report.itemCount).toBe(2);
    const items = parseItemsText(await readFile(join(d, 'site/items.ndjson'), 'utf8'), 'x');
    expect(items).toEqual([
      { id: 'a', title: 'Tent, 2 person', price: 99.5, tags: ['camping', 'outdoor'] },
      { id: 'b', title: 'The "Best" Mug', price: 12 },
    ]);
    expect(parseCsvLine('1,"a ""b"", c",')).toEqual(['1', 'a "b", c', '']);
  });
});
