import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPartDelta, itemText, validateManifest, type CatalogManifestV2, type Item } from '../../src/catalog';
import { buildCatalog, type BuildOptions } from '../../src/cli/build';
import { openPrevious, writeCarriedEmbeddings } from '../../src/cli/build/delta';
import { createLexicalEncoder, lexicalModelFromCounts } from '../../src/encoder';
import { quantizeRows } from '../../src/vector';
import { scratchDirs } from '../helpers/scratch-dirs';

const dir = scratchDirs('pocketrec-delta-');

const WORDS = ['river', 'stone', 'lamp', 'forest', 'copper', 'velvet', 'harbor', 'maple', 'signal', 'garden', 'ember', 'falcon', 'quartz', 'meadow', 'lantern', 'canyon'];
const CATEGORIES = ['outdoor', 'kitchen', 'books', 'games', 'garden'];
function makeItems(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `item-${i}`,
    title: `${WORDS[i % 16]} ${WORDS[(i * 7 + 3) % 16]} ${i}`,
    category: CATEGORIES[i % 5]!,
    tags: [WORDS[(i * 5) % 16]!],
    price: 5 + (i % 40),
    publishedAt: new Date(Date.UTC(2026, 0, 1 + (i % 200))).toISOString(),
  }));
}

/** Visitors who view runs of neighbouring items: neighbours, transitions and trends in the columns. */
function makeLog(items: readonly Item[]): string {
  const rows = ['userId,itemId,type,timestamp'];
  for (let u = 0; u < 60; u++) for (let k = 0; k < 6; k++) rows.push(`u${u},${items[(u * 13 + k) % items.length]!.id},view,${1_000_000 + u * 1000 + k}`);
  return rows.join('\n');
}

async function build(d: string, name: string, items: readonly Item[], extra: Partial<BuildOptions> = {}) {
  await writeFile(join(d, `${name}.ndjson`), items.map((i) => JSON.stringify(i)).join('\n'));
  await writeFile(join(d, `${name}.csv`), makeLog(items));
  const report = await buildCatalog({ items: join(d, `${name}.ndjson`), interactions: join(d, `${name}.csv`), out: join(d, name), encoder: 'lexical', engine: 'node', sequence: { mode: 'off' }, tune: { minutes: 0 }, ...extra });
  const manifest = validateManifest(JSON.parse(await readFile(join(d, name, 'catalog.json'), 'utf8')), name) as CatalogManifestV2;
  return { report, manifest, folder: join(d, name) };
}

/** The part rebuilt from the previous folder's bytes and the delta, as a browser rebuilds it. */
async function applied(previousFolder: string, folder: string, manifest: CatalogManifestV2, name: 'columns' | 'records' | 'embeddings'): Promise<Buffer> {
  const delta = manifest.delta!.parts[name]!;
  const previous = await readFile(join(previousFolder, JSON.parse(await readFile(join(previousFolder, 'catalog.json'), 'utf8')).parts[name].url));
  expect(createHash('sha256').update(previous).digest('hex')).toBe(delta.base);
  const bytes = await readFile(join(folder, delta.url));
  expect(bytes.byteLength).toBe(delta.bytes);
  const out = Buffer.alloc(manifest.parts[name]!.bytes);
  await applyPartDelta(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    delta,
    name,
    delta.url,
    out.byteLength,
    previous.byteLength,
    async (from, length, at) => void previous.copy(out, at, from, from + length),
    (at, chunk) => out.set(chunk, at),
  );
  return out;
}

// v2 of `makeItems(n)`: item 5 removed, item 10's title changed, item 20's price changed (same encoder text),
// items 30 and 31 swapped, two items added at the end.
function nextItems(v1: readonly Item[]): Item[] {
  const v2 = v1.filter((i) => i.id !== 'item-5').map((i) => (i.id === 'item-10' ? { ...i, title: 'copper kettle with a whistle' } : i.id === 'item-20' ? { ...i, price: 99 } : i));
  const a = v2.findIndex((i) => i.id === 'item-30');
  [v2[a], v2[a + 1]] = [v2[a + 1]!, v2[a]!];
  return [...v2, { id: 'new-1', title: 'falcon lantern for the harbor', category: 'outdoor', price: 12 }, { id: 'new-2', title: 'quartz meadow clock', category: 'kitchen', price: 30 }];
}

describe('pocketrec build --previous (incremental catalogues)', () => {
  it('writes deltas that rebuild the new parts byte for byte from the previous ones, and embeds only new and changed items', async () => {
    const d = await dir();
    const v1Items = makeItems(2000);
    const v1 = await build(d, 'v1', v1Items);
    const v2Items = nextItems(v1Items);
    const v2 = await build(d, 'v2', v2Items, { previous: v1.folder });

    // The changed title and the two new items are embedded; every other text keeps its vector.
    expect(v2.report.incremental).toEqual({ from: v1.manifest.version, embedded: 3, carried: v2Items.length - 3 });
    expect(v2.manifest.parts.embeddings!.lexicalFit).toEqual(v1.manifest.parts.embeddings!.lexicalFit);
    expect(v2.manifest.parts.embeddings!.model).toBe(v1.manifest.parts.embeddings!.model);
    expect(v2.manifest.delta!.from).toBe(v1.manifest.version);
    expect(Object.keys(v2.manifest.delta!.parts).sort()).toEqual(['columns', 'embeddings', 'records']);
    for (const name of ['columns', 'records', 'embeddings'] as const) {
      const rebuilt = await applied(v1.folder, v2.folder, v2.manifest, name);
      expect(rebuilt.equals(await readFile(join(v2.folder, v2.manifest.parts[name]!.url))), name).toBe(true);
      expect(createHash('sha256').update(rebuilt).digest('hex')).toBe(v2.manifest.parts[name]!.sha256);
      // A delta is worth shipping: far smaller than the part it rebuilds.
      expect(v2.manifest.delta!.parts[name]!.bytes, name).toBeLessThan(v2.manifest.parts[name]!.bytes / 2);
    }
    expect(v2.manifest.delta!.parts.embeddings!.bytes).toBeLessThan(v2.manifest.parts.embeddings!.bytes / 50);
    expect(v2.report.files['embeddings.delta.bin']).toBe(v2.manifest.delta!.parts.embeddings!.bytes);

    // A new item's vector is what the kept encoder makes of its text.
    const counts = v1.manifest.parts.embeddings!.lexicalFit!;
    const encoder = createLexicalEncoder(lexicalModelFromCounts({ dim: counts.df.length, documents: counts.documents, df: counts.df }));
    const rows = await readFile(join(v2.folder, 'embeddings.bin'));
    const n = v2Items.length;
    const dim = v2.manifest.parts.embeddings!.dim;
    const last = n - 1;
    const expected = quantizeRows((await encoder.embed([itemText(v2Items[last]!)]))[0]!, dim);
    expect(rows.readFloatLE(last * 4)).toBe(expected.scales[0]);
    expect(Array.from(new Int8Array(rows.buffer, rows.byteOffset + n * 4 + last * dim, dim))).toEqual(Array.from(expected.values));
    await encoder.dispose();

    // A build that is not incremental again leaves no stale delta behind in the folder.
    await build(d, 'v2', v2Items);
    expect(existsSync(join(v2.folder, 'embeddings.delta.bin'))).toBe(false);
  });

  it('finds the previous rows by the records index a build leaves in its cache, with the bytes of reading the records', async () => {
    const d = await dir();
    const cache = join(d, 'cache');
    const lines: string[] = [];
    const v1Items = makeItems(500);
    const v1 = await build(d, 'v1', v1Items, { embedCache: cache });
    const [index] = (await readdir(cache)).filter((n) => n.endsWith('.index'));
    expect(index).toBe(`records-${v1.manifest.parts.records.sha256.slice(0, 32)}.index`);
    const indexed = await build(d, 'indexed', nextItems(v1Items), { previous: v1.folder, embedCache: cache, log: (l) => lines.push(l) });
    expect(lines).toContain(`delta: the previous rows found by the records index in ${cache}`);
    const read = await build(d, 'read', nextItems(v1Items), { previous: v1.folder, embedCache: false });
    expect(indexed.report.incremental).toEqual(read.report.incremental);
    for (const f of ['catalog.json', 'columns.bin', 'items.ndjson', 'embeddings.bin', 'columns.delta.bin', 'records.delta.bin', 'embeddings.delta.bin']) expect((await readFile(join(indexed.folder, f))).equals(await readFile(join(read.folder, f))), f).toBe(true);
    // An index that does not fit (cut short here) is not used: the records are read.
    await writeFile(join(cache, index!), (await readFile(join(cache, index!), 'utf8')).slice(0, 100));
    lines.length = 0;
    const fallback = await build(d, 'fallback', nextItems(v1Items), { previous: v1.folder, embedCache: cache, log: (l) => lines.push(l) });
    expect(lines).toContain(`delta: no records index of the previous catalogue in ${cache}: its records are read`);
    expect((await readFile(join(fallback.folder, 'catalog.json'))).equals(await readFile(join(read.folder, 'catalog.json')))).toBe(true);
  });

  it('builds on the folder it replaces (--previous equal to --out)', async () => {
    const d = await dir();
    const v1Items = makeItems(300);
    const v1 = await build(d, 'site', v1Items);
    const kept = join(d, 'v1-copy');
    await build(d, 'v1-copy', v1Items);
    // The same inputs built elsewhere: the bytes the site's folder held before the incremental build replaced them.
    expect(await readFile(join(kept, 'catalog.json'), 'utf8')).toBe(await readFile(join(v1.folder, 'catalog.json'), 'utf8'));
    const v2 = await build(d, 'site', nextItems(v1Items), { previous: v1.folder });
    expect(v2.manifest.delta!.from).toBe(v1.manifest.version);
    const rebuilt = await applied(kept, v2.folder, v2.manifest, 'records');
    expect(rebuilt.equals(await readFile(join(v2.folder, 'items.ndjson')))).toBe(true);
  });

  it('keeps the previous projection, so unchanged items keep their projected rows', async () => {
    const d = await dir();
    const v1Items = makeItems(600);
    const v1 = await build(d, 'v1', v1Items, { vectors: 'pca-16' });
    const v2 = await build(d, 'v2', nextItems(v1Items), { previous: v1.folder });
    expect(v2.manifest.parts.projection!.sha256).toBe(v1.manifest.parts.projection!.sha256);
    expect(v2.report.vectors).toEqual({ method: 'pca', dim: 16, sourceDim: v1.report.vectors.sourceDim });
    expect(v2.report.incremental!.embedded).toBe(3);
    // The projection did not change, so it needs no delta; the rows rebuild exactly.
    expect(v2.manifest.delta!.parts.projection).toBeUndefined();
    const rebuilt = await applied(v1.folder, v2.folder, v2.manifest, 'embeddings');
    expect(rebuilt.equals(await readFile(join(v2.folder, 'embeddings.bin')))).toBe(true);
    // Another projection than the one kept would give other bytes for the same inputs: another version.
    expect(v2.manifest.version).not.toBe((await build(d, 'full', nextItems(v1Items), { vectors: 'pca-16' })).manifest.version);
  });

  it('hands only the texts the previous catalogue lacks to the encoder', async () => {
    const d = await dir();
    const v1Items = makeItems(50);
    const v1 = await build(d, 'v1', v1Items);
    const previous = await openPrevious(v1.folder);
    const v2Items = nextItems(v1Items);
    const texts = v2Items.map(itemText);
    const seen: string[] = [];
    const counts = v1.manifest.parts.embeddings!.lexicalFit!;
    const encoder = createLexicalEncoder(lexicalModelFromCounts({ dim: counts.df.length, documents: counts.documents, df: counts.df }));
    const { carried, embedded } = await writeCarriedEmbeddings(join(d, 'rows.bin'), texts, previous, encoder.dim, async (file, batch) => {
      seen.push(...batch);
      const rows = quantizeRows(Float32Array.from((await encoder.embed([...batch])).flatMap((v) => Array.from(v))), encoder.dim);
      const out = Buffer.alloc(batch.length * 4 + rows.values.length);
      rows.scales.forEach((s, i) => out.writeFloatLE(s, i * 4));
      out.set(new Uint8Array(rows.values.buffer), batch.length * 4);
      await writeFile(file, out);
    });
    expect(seen).toEqual(['item-10', 'new-1', 'new-2'].map((id) => itemText(v2Items.find((i) => i.id === id)!)));
    expect(seen[0]).toMatch(/^copper kettle with a whistle\./);
    expect(embedded).toBe(3);
    // item-20 (only its price changed) keeps its row; the swapped pair keeps theirs, in their new places.
    expect(carried[texts.indexOf(itemText(v1Items[20]!))]).toBe(20);
    expect(carried[texts.indexOf(itemText(v1Items[31]!))]).toBe(31);
    expect(carried.filter((r) => r < 0)).toHaveLength(3);
    await encoder.dispose();
  });

  it('refuses a --previous that is no format 2 catalogue, is damaged, or was built with other vectors, naming the file', async () => {
    const d = await dir();
    const items = makeItems(40);
    const missing = join(d, 'nothing-here');
    await expect(build(d, 'a', items, { previous: missing })).rejects.toThrow(new RegExp(`${join(missing, 'catalog.json').replace(/[/\\]/g, '.')}:0: cannot be read as a catalogue manifest .*--previous needs the folder of an earlier`));
    const v1 = await build(d, 'format1', items, { formatVersion: 1 });
    await expect(build(d, 'b', items, { previous: v1.folder })).rejects.toThrow(/format1.catalog\.json:0: is format 1: --previous needs/);
    const v2 = await build(d, 'v2', items);
    await expect(build(d, 'c', items, { previous: v2.folder, vectors: 'pca-8' })).rejects.toThrow(/v2.catalog\.json:0: ships --vectors full, this build asks for --vectors pca-8/);
    const records = join(v2.folder, 'items.ndjson');
    await writeFile(records, (await readFile(records, 'utf8')).replace('river', 'rover'));
    await expect(build(d, 'd', items, { previous: v2.folder })).rejects.toThrow(/v2.items\.ndjson:0: does not have the sha256 its manifest .* gives/);
    // Nothing was written for a refused build.
    expect(existsSync(join(d, 'd', 'catalog.json'))).toBe(false);
  });
});
