import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemText, loadCatalog, type CatalogManifestV2 } from '../../src/catalog';
import { AUTO_VECTORS, buildCatalog, chooseVectors, parseVectorsChoice, type BuildReport } from '../../src/cli/build';
import { createLexicalEncoder, createProjectedEncoder, fitLexicalModel } from '../../src/encoder';
import { readInt8Row } from '../../src/vector';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const base = 'https://shop.test/';
let dir = '';
let report: BuildReport;

/** Serves a build folder over a fake origin; `overrides` replace files, as a broken deploy would. */
function site(folder: string) {
  const overrides = new Map<string, Uint8Array>();
  const fetchFn = (async (input: RequestInfo | URL) => {
    const name = String(input).slice(base.length);
    const body = overrides.get(name) ?? (await readFile(join(folder, name)).catch(() => undefined));
    return body ? new Response(new Uint8Array(body) as BodyInit) : new Response('missing', { status: 404 });
  }) as typeof fetch;
  return { overrides, fetch: fetchFn };
}

const manifestOf = async (folder: string) => JSON.parse(await readFile(join(dir, folder, 'catalog.json'), 'utf8')) as CatalogManifestV2;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pocketrec-projection-'));
  await writeFile(join(dir, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
  report = await buildCatalog({ items: join(dir, 'items.ndjson'), out: join(dir, 'pca'), encoder: 'lexical', vectors: 'pca-8' });
  await buildCatalog({ items: join(dir, 'items.ndjson'), out: join(dir, 'full'), encoder: 'lexical' });
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('pocketrec build --vectors', () => {
  it('parses and chooses by catalogue size, full below 100 k, pca-256 to 500 k, pca-128 above', () => {
    expect(['auto', 'full', 'pca-64'].map(parseVectorsChoice)).toEqual(['auto', 'full', 'pca-64']);
    expect(['pca-0', 'pca-', 'pca-1.5', 'half', 128].map(parseVectorsChoice)).toEqual([null, null, null, null, null]);
    expect(chooseVectors('auto', 99_999, 512)).toEqual({ method: 'full' });
    expect(chooseVectors('auto', 100_000, 512)).toEqual({ method: 'pca', dim: 256 });
    expect(chooseVectors('auto', 499_999, 512)).toEqual({ method: 'pca', dim: 256 });
    expect(chooseVectors('auto', 1_000_000, 512)).toEqual({ method: 'pca', dim: 128 });
    // An encoder already this small has nothing to shrink.
    expect(chooseVectors('auto', 1_000_000, 128)).toEqual({ method: 'full' });
    expect(chooseVectors('full', 1_000_000, 512)).toEqual({ method: 'full' });
    expect(() => chooseVectors('pca-512', 1000, 512)).toThrow(/pca-512 keeps 512 dims, but the encoder has 512/);
    expect(() => chooseVectors('pca-64', 20, 512)).toThrow(/catalogue has 20 items/);
    expect(AUTO_VECTORS.map((a) => a.below)).toEqual([100_000, 500_000, Infinity]);
  });

  it('ships the projection as a checked part and the rows at its dimension', async () => {
    const manifest = await manifestOf('pca');
    const projection = manifest.parts.projection!;
    expect(projection).toMatchObject({ url: 'projection.bin', method: 'pca', sourceDim: 512, dim: 8 });
    expect(manifest.parts.embeddings!.dim).toBe(8);
    const bytes = await readFile(join(dir, 'pca/projection.bin'));
    expect(projection.bytes).toBe(bytes.byteLength);
    expect(projection.sha256).toBe(sha(bytes));
    expect(projection.sections.map((s) => [s.name, s.dtype, s.length])).toEqual([
      ['mean', 'f32', 512],
      ['components', 'f32', 8 * 512],
    ]);
    expect((await readFile(join(dir, 'pca/embeddings.bin'))).byteLength).toBe(20 * (4 + 8));
    expect(report.vectors).toMatchObject({ method: 'pca', dim: 8, sourceDim: 512 });
    expect(report.vectors.explained).toBeGreaterThan(0);
    expect(report.files['projection.bin']).toBe(bytes.byteLength);
    // Another vector space is another catalogue version.
    expect(manifest.version).not.toBe((await manifestOf('full')).version);
  });

  it('is deterministic: the same items give the same projection bytes', async () => {
    await buildCatalog({ items: join(dir, 'items.ndjson'), out: join(dir, 'pca-again'), encoder: 'lexical', vectors: 'pca-8' });
    expect(sha(await readFile(join(dir, 'pca-again/projection.bin')))).toBe(sha(await readFile(join(dir, 'pca/projection.bin'))));
    expect(sha(await readFile(join(dir, 'pca-again/embeddings.bin')))).toBe(sha(await readFile(join(dir, 'pca/embeddings.bin'))));
  });

  it('refuses a projection in format 1 and a PCA that keeps every dimension', async () => {
    await expect(buildCatalog({ items: join(dir, 'items.ndjson'), out: join(dir, 'v1'), encoder: 'lexical', vectors: 'pca-8', formatVersion: 1 })).rejects.toThrow(/needs format 2/);
    await expect(buildCatalog({ items: join(dir, 'items.ndjson'), out: join(dir, 'wide'), encoder: 'lexical', vectors: 'pca-512' })).rejects.toThrow(/the encoder has 512/);
  });
});

describe('a catalogue with a projection', () => {
  it('loads it, and the projected encoder maps a text onto its item row', async () => {
    const { catalog } = await loadCatalog('catalog.json', { baseUrl: base, fetch: site(join(dir, 'pca')).fetch });
    const projection = catalog.projection!;
    expect(projection).toMatchObject({ method: 'pca', sourceDim: 512, dim: 8 });
    const texts = SMALL_CATALOG.map(itemText);
    const encoder = createProjectedEncoder(createLexicalEncoder(fitLexicalModel(texts)), projection);
    expect(encoder.id).toBe(catalog.embeddings!.model);
    expect(encoder.dim).toBe(8);
    const vectors = await encoder.embed(texts);
    for (let i = 0; i < 20; i++) {
      const row = readInt8Row(catalog.embeddings!.rows, i);
      const cos = row.reduce((s, x, k) => s + x * vectors[i]![k]!, 0);
      // The item's own text lands on its own row (int8 rounding aside).
      expect(cos).toBeGreaterThan(0.99);
    }
  });

  it('a catalogue without one still loads, full size', async () => {
    const { catalog } = await loadCatalog('catalog.json', { baseUrl: base, fetch: site(join(dir, 'full')).fetch });
    expect(catalog.projection).toBeUndefined();
    expect(catalog.embeddings!.rows.dim).toBe(512);
    expect((await manifestOf('full')).parts.projection).toBeUndefined();
  });

  it('rejects a changed projection byte, naming the part', async () => {
    const s = site(join(dir, 'pca'));
    const bytes = new Uint8Array(await readFile(join(dir, 'pca/projection.bin')));
    bytes[100]! ^= 1;
    s.overrides.set('projection.bin', bytes);
    const error = await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'catalog-invalid', details: { part: 'projection', field: 'sha256' } });
    expect((error as Error).message).toMatch(/part "projection" .* sha256/);
  });

  it.each([
    ['a dim that is not the embeddings\'', (m: CatalogManifestV2) => (m.parts.projection!.dim = 7), { field: 'parts.projection.dim' }],
    ['an unknown method', (m: CatalogManifestV2) => ((m.parts.projection as { method: string }).method = 'svd'), { field: 'parts.projection.method' }],
    ['a sourceDim the sections do not have', (m: CatalogManifestV2) => (m.parts.projection!.sourceDim = 256), { part: 'projection', field: 'mean' }],
  ])('rejects %s with catalog-invalid', async (_, edit, details) => {
    const s = site(join(dir, 'pca'));
    const manifest = await manifestOf('pca');
    edit(manifest);
    s.overrides.set('catalog.json', new TextEncoder().encode(JSON.stringify(manifest)));
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details });
  });

  it('rejects components that are not unit rows, naming the section, even with a matching sha256', async () => {
    const s = site(join(dir, 'pca'));
    const manifest = await manifestOf('pca');
    const bytes = new Uint8Array(await readFile(join(dir, 'pca/projection.bin')));
    const components = manifest.parts.projection!.sections.find((x) => x.name === 'components')!;
    new Float32Array(bytes.buffer, bytes.byteOffset + components.offset, components.length)[3 * 512 + 5]! += 0.5;
    manifest.parts.projection!.sha256 = sha(bytes);
    manifest.parts.projection!.chunkSha256 = [sha(bytes)];
    s.overrides.set('projection.bin', bytes);
    s.overrides.set('catalog.json', new TextEncoder().encode(JSON.stringify(manifest)));
    const error = await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'catalog-invalid', details: { part: 'projection', field: 'components' } });
    expect((error as Error).message).toMatch(/row 3 of squared length/);
  });
});
