import { afterAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createRecommender, type Recommender } from '../../src';
import { encodeColumns, encodeRecords, encodeSections, columnsFromItems, itemText, type CatalogManifestV2, type CatalogPart, type Item } from '../../src/catalog';
import { createLexicalEncoder, fitLexicalModel } from '../../src/encoder';
import { fitPca, projectRows, quantizeRows, type PcaFit } from '../../src/vector';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The real worker module, served by vite, loading a catalogue over HTTP from the test server, as a site serves it.
const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
// Written through vitest's file commands (paths from the project root) into the git-ignored generated fixtures.
const folder = `test/fixtures/generated/projection`;
const stamp = Date.now();
const live: Recommender[] = [];
const written: string[] = [];
afterAll(async () => {
  await Promise.all(live.splice(0).map((r) => r.dispose()));
  await Promise.all(written.map((f) => commands.removeFile(f).catch(() => {})));
});

const hex = async (bytes: Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)), (b) => b.toString(16).padStart(2, '0')).join('');
async function part(url: string, bytes: Uint8Array, sections: CatalogPart['sections']): Promise<CatalogPart> {
  const sha = await hex(bytes);
  return { url, bytes: bytes.byteLength, sha256: sha, chunkBytes: Math.max(1, bytes.byteLength), chunkSha256: bytes.byteLength ? [sha] : [], sections };
}
const base64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
async function write(name: string, bytes: Uint8Array): Promise<void> {
  const path = `${folder}/${name}`;
  written.push(path);
  await commands.writeFile(path, base64(bytes), { encoding: 'base64' });
}

/**
 * What `pocketrec build --encoder lexical --vectors pca-8` writes (the CLI test checks the CLI writes it so): the
 * lexical vectors of the items, a PCA to 8 dims, the rows projected, and the projection as its own part.
 */
async function writeCatalogue(kind: string, items: Item[], shrink: boolean): Promise<{ url: string; fit: PcaFit | null; encoder: ReturnType<typeof createLexicalEncoder> }> {
  const name = `${kind}-${stamp}`;
  const encoder = createLexicalEncoder(fitLexicalModel(items.map(itemText)));
  const flat = new Float32Array(items.length * encoder.dim);
  (await encoder.embed(items.map(itemText))).forEach((v, i) => flat.set(v, i * encoder.dim));
  const fit = shrink ? fitPca(flat, encoder.dim, 8, { center: false }) : null;
  const dim = fit ? 8 : encoder.dim;
  const rows = quantizeRows(fit ? projectRows(fit, flat) : flat, dim);
  const emb = new Uint8Array(items.length * 4 + rows.values.length);
  new Float32Array(emb.buffer, 0, items.length).set(rows.scales);
  new Int8Array(emb.buffer, items.length * 4).set(rows.values);
  const records = encodeRecords(items);
  const columns = encodeColumns(columnsFromItems(items), records.offsets);
  const manifest: CatalogManifestV2 = {
    formatVersion: 2,
    version: name,
    itemCount: items.length,
    parts: {
      columns: await part(`${name}-columns.bin`, columns.bytes, columns.sections),
      records: await part(`${name}-items.ndjson`, records.bytes, []),
      embeddings: {
        ...(await part(`${name}-embeddings.bin`, emb, [
          { name: 'scales', dtype: 'f32', offset: 0, length: items.length },
          { name: 'values', dtype: 'i8', offset: items.length * 4, length: rows.values.length },
        ])),
        model: encoder.id,
        dim,
      },
    },
  };
  await write(`${name}-columns.bin`, columns.bytes);
  await write(`${name}-items.ndjson`, records.bytes);
  await write(`${name}-embeddings.bin`, emb);
  if (fit) {
    const projection = encodeSections([
      ['mean', fit.mean],
      ['components', fit.components],
    ]);
    manifest.parts.projection = { ...(await part(`${name}-projection.bin`, projection.bytes, projection.sections)), method: 'pca', sourceDim: encoder.dim, dim: 8 };
    await write(`${name}-projection.bin`, projection.bytes);
  }
  await write(`${name}.json`, new TextEncoder().encode(JSON.stringify(manifest)));
  return { url: new URL(`/${folder}/${name}.json`, location.origin).href, fit, encoder };
}

const start = async (catalog: string, dbName = `projection-${Date.now()}-${live.length}`) => {
  const rec = await createRecommender({ catalog, workerUrl, dbName, encoder: 'lexical', defaultK: 5 });
  live.push(rec);
  return rec;
};

describe('a catalogue with projected vectors, through the real worker', () => {
  it('projects every query into the items\' space and says so in status()', async () => {
    const { url, fit, encoder } = await writeCatalogue('pca', SMALL_CATALOG, true);
    const rec = await start(url);
    const status = await rec.status();
    expect(status.vectors).toEqual({ method: 'pca', dim: 8, sourceDim: 512 });
    expect(status.encoder).toMatchObject({ id: encoder.id, dim: 8 });

    // The worker's embed() is the path queries and reviews take: 8 dims, exactly the build's projection.
    const query = 'waterproof hiking jacket';
    const [vector] = await rec.embed([query]);
    expect(vector).toHaveLength(8);
    const expected = projectRows(fit!, (await encoder.embed([query]))[0]!);
    for (let k = 0; k < 8; k++) expect(vector![k]!).toBeCloseTo(expected[k]!, 5);

    // Searching for an item's own text finds it: query and rows share one space.
    const target = SMALL_CATALOG[7]!;
    const found = await rec.search(itemText(target), 3);
    expect(found[0]!.id).toBe(target.id);
  });

  it('keeps the projection in the IndexedDB cache: a warm start projects the same way', async () => {
    const { url } = await writeCatalogue('cached', SMALL_CATALOG, true);
    const dbName = `projection-warm-${Date.now()}`;
    const cold = await start(url, dbName);
    const [coldVector] = await cold.embed(['espresso grinder']);
    await cold.dispose();
    const warm = await start(url, dbName);
    const status = await warm.status();
    expect(status.catalog.fromCache).toBe(true);
    expect(status.vectors).toEqual({ method: 'pca', dim: 8, sourceDim: 512 });
    expect(Array.from((await warm.embed(['espresso grinder']))[0]!)).toEqual(Array.from(coldVector!));
  });

  it('a format 2 catalogue without a projection runs on the full vectors', async () => {
    const { url } = await writeCatalogue('full', SMALL_CATALOG, false);
    const rec = await start(url);
    expect((await rec.status()).vectors).toEqual({ method: 'full', dim: 512, sourceDim: 512 });
    expect((await rec.embed(['tent']))[0]).toHaveLength(512);
  });
});
