import { spawnSync } from 'node:child_process';
import { appendFile, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/cli/build';
import { entryBytes, openEmbedCache } from '../../src/cli/build/embed-cache';
import { lexicalRows, writeEmbeddings, type RowEncoder } from '../../src/cli/build/write-embeddings';
import { countLexicalFeatures } from '../../src/encoder';
import { isPocketRecError } from '../../src/errors';
import { SMALL_CATALOG } from '../fixtures/small-catalog';
import { scratchDirs } from '../helpers/scratch-dirs';

const dir = scratchDirs('pocketrec-embed-cache-');

const WORDS = 'trail road tent stove kettle espresso grinder novel mystery headphones wireless lamp desk chair jacket rain wool cotton steel ceramic'.split(' ');
const textsOf = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, k) => WORDS[(i * 7 + k * 3 + salt * (i % 5 === 0 ? 1 : 0)) % WORDS.length]).join(' ') + ` #${i}`);

/** A lexical encoder of one fixed fit (so one fingerprint across catalogues) that records every text it embeds. */
function countingEncoder(): RowEncoder & { seen: string[] } {
  const base = textsOf(50);
  const counts = countLexicalFeatures(base);
  const rows = lexicalRows(counts);
  const seen: string[] = [];
  return { ...rows, seen, embed: (texts, onRows) => (seen.push(...texts), rows.embed(texts, onRows)) };
}

/** writeEmbeddings into a fresh file, with the cache in `cacheDir` (or none); its bytes, counts and the log. */
async function embedAll(texts: string[], cacheDir: string | null, encoder = countingEncoder()) {
  const out = join(await dir(), 'embeddings.bin');
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const cache = cacheDir === null ? null : openEmbedCache(cacheDir, encoder.fingerprint, encoder.dim, texts.length, log);
  const counts = await writeEmbeddings(out, texts, encoder, cache, log);
  return { bytes: await readFile(out), counts, seen: encoder.seen, lines };
}

const segments = async (cacheDir: string) => {
  const [folder] = await readdir(cacheDir);
  return (await readdir(join(cacheDir, folder!))).filter((f) => f.endsWith('.rows')).map((f) => join(cacheDir, folder!, f));
};

describe('the embedding cache', () => {
  it('re-embeds only new and changed texts on a rebuild, and writes the bytes an uncached run writes', async () => {
    const cacheDir = await dir();
    const texts = textsOf(300);
    const cold = await embedAll(texts, cacheDir);
    expect(cold.counts).toMatchObject({ hits: 0, misses: 300 });
    expect(cold.seen).toEqual(texts);
    expect(cold.bytes).toEqual((await embedAll(texts, null)).bytes);

    const next = [...texts];
    next[3] = 'a changed description of a kettle';
    next[250] = 'another changed one: a wool jacket';
    next.splice(100, 1);
    next.push('a new item: ceramic lamp');
    const warm = await embedAll(next, cacheDir);
    expect(warm.seen).toEqual([next[3], next[249], next[299]]);
    expect(warm.counts).toMatchObject({ hits: 297, misses: 3, threads: 1 });
    expect(warm.lines).toContain(`embeddings: 297 from the cache, 3 to embed (${cacheDir})`);
    expect(warm.bytes).toEqual((await embedAll(next, null)).bytes);
    // Nothing embedded twice: a third build reads every row.
    const again = await embedAll(next, cacheDir);
    expect(again.counts).toMatchObject({ hits: 300, misses: 0, threads: 0 });
    expect(again.seen).toEqual([]);
    expect(again.bytes).toEqual(warm.bytes);
  });

  it('keys rows by the encoder fingerprint: another fit misses everything, and old fingerprints are removed', async () => {
    const cacheDir = await dir();
    const texts = textsOf(40);
    await embedAll(texts, cacheDir);
    const counts = countLexicalFeatures(texts);
    const other = lexicalRows(counts);
    const seen: string[] = [];
    const run = await embedAll(texts, cacheDir, { ...other, seen, embed: (t, onRows) => (seen.push(...t), other.embed(t, onRows)) });
    expect(run.counts).toMatchObject({ hits: 0, misses: 40 });
    const first = (await readdir(cacheDir)).find((f) => f.includes(countingEncoder().fingerprint.slice(0, 32)));
    expect((await readdir(cacheDir)).length).toBe(2);
    // Only the last three fingerprints keep their rows: the first one's go when a fourth comes.
    for (const n of [41, 42]) {
      const c = countLexicalFeatures(textsOf(n));
      await embedAll(texts, cacheDir, { ...lexicalRows(c), seen: [] });
    }
    const left = await readdir(cacheDir);
    expect(left.length).toBe(3);
    expect(left).not.toContain(first);
  });

  it('ignores, with a warning, a torn last entry, a corrupt entry and a file that is no segment', async () => {
    const cacheDir = await dir();
    const texts = textsOf(60);
    const cold = await embedAll(texts, cacheDir);
    const [segment] = await segments(cacheDir);
    const size = entryBytes(countingEncoder().dim);
    // A build that died while writing: half an entry at the end.
    await appendFile(segment!, Buffer.alloc(size >> 1, 7));
    // A flipped byte in the values of entry 17.
    const fh = await open(segment!, 'r+');
    const at = 16 + 17 * size + 32 + 4 + 10;
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, at);
    await fh.write(Buffer.from([byte[0]! ^ 0x55]), 0, 1, at);
    await fh.close();
    await writeFile(join(segment!, '..', 'zz-not-a-segment.rows'), 'hello');

    const warm = await embedAll(texts, cacheDir);
    expect(warm.lines.some((l) => /torn entry at its end \(\d+ bytes\) ignored/.test(l))).toBe(true);
    expect(warm.lines.some((l) => /1 corrupt entry \(checksum\) ignored/.test(l))).toBe(true);
    expect(warm.lines.some((l) => /zz-not-a-segment\.rows is not a segment of \d+-dim rows \(bad header\), ignored/.test(l))).toBe(true);
    // The corrupt row is embedded again, never read; the output is the uncached one.
    expect(warm.seen).toEqual([texts[17]]);
    expect(warm.counts).toMatchObject({ hits: 59, misses: 1 });
    expect(warm.bytes).toEqual(cold.bytes);
  });

  it('rewrites itself when rows pile up: one segment of the live rows is left', async () => {
    const cacheDir = await dir();
    let texts = textsOf(50);
    for (let build = 0; build < 8; build++) {
      texts = texts.map((t, i) => (i === build ? `${t} changed in build ${build}` : t));
      await embedAll(texts, cacheDir);
    }
    expect((await segments(cacheDir)).length).toBe(8);
    texts = texts.map((t, i) => (i === 20 ? `${t} changed once more` : t));
    const compacting = await embedAll(texts, cacheDir);
    expect(compacting.counts).toMatchObject({ hits: 49, misses: 1 });
    const left = await segments(cacheDir);
    expect(left.length).toBe(1);
    expect((await stat(left[0]!)).size).toBe(16 + 50 * entryBytes(countingEncoder().dim));
    const after = await embedAll(texts, cacheDir);
    expect(after.counts).toMatchObject({ hits: 50, misses: 0 });
    expect(after.bytes).toEqual(compacting.bytes);
  });
});

describe('pocketrec build with the embedding cache', () => {
  const build = async (d: string, items: object[], extra: Parameters<typeof buildCatalog>[0] extends infer O ? Partial<O> : never, out: string) => {
    await writeFile(join(d, 'items.ndjson'), items.map((i) => JSON.stringify(i)).join('\n'));
    return buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, out), encoder: 'lexical', sequence: { mode: 'off' }, ...extra });
  };

  it('gives the bytes of an uncached build, before and after a PCA, and reports hits and misses', async () => {
    const d = await dir();
    const cache = join(d, 'cache');
    const files = async (out: string) => Promise.all(['catalog.json', 'embeddings.bin', 'projection.bin'].map((f) => readFile(join(d, out, f))));
    const cold = await build(d, SMALL_CATALOG, { embedCache: cache, vectors: 'pca-8' }, 'a');
    expect(cold.embedding).toEqual({ hits: 0, misses: 20, threads: 1, cache });
    const warm = await build(d, SMALL_CATALOG, { embedCache: cache, vectors: 'pca-8' }, 'b');
    expect(warm.embedding).toEqual({ hits: 20, misses: 0, threads: 0, cache });
    const off = await build(d, SMALL_CATALOG, { embedCache: false, vectors: 'pca-8' }, 'c');
    expect(off.embedding).toEqual({ hits: 0, misses: 20, threads: 1, cache: null });
    const [a, b, c] = [await files('a'), await files('b'), await files('c')];
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('defaults the cache to node_modules/.cache/pocketrec of the working directory, outside --out', async () => {
    const d = await dir();
    const cwd = process.cwd();
    process.chdir(d);
    try {
      const report = await build(d, SMALL_CATALOG, {}, 'public');
      expect(report.embedding.cache).toBe('node_modules/.cache/pocketrec');
      // The rows of this encoder, and the records index an incremental build on this catalogue reads.
      const entries = (await readdir(join(d, 'node_modules/.cache/pocketrec'))).sort();
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatch(/^records-[0-9a-f]{32}\.index$/);
      expect(entries[1]).toMatch(/^rows-[0-9a-f]{32}$/);
      expect((await readdir(join(d, 'public'))).sort()).toEqual(['catalog.json', 'columns.bin', 'embeddings.bin', 'items.ndjson']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('rejects a bad embedThreads with an invalid-option error naming the flag', async () => {
    const d = await dir();
    for (const embedThreads of [0, -2, 1.5, Number.NaN]) {
      const error = await build(d, SMALL_CATALOG, { embedThreads, encoder: 'auto', modelDir: 'models/build' }, 'x').catch((e: unknown) => e);
      expect(isPocketRecError(error, 'invalid-option'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/--embed-threads \(embedThreads\) must be a whole number of threads ≥ 1, not (0|-2|1\.5|NaN)/);
    }
  });

  it('rejects bad --embed-threads and cache flags on the command line, naming them (exit 2)', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ['packages/cli/dist/pocketrec.js', 'build', '--items', 'i.ndjson', '--out', 'o', ...args], { encoding: 'utf8' });
    for (const value of ['0', 'two', '1.5']) {
      const run = cli(['--embed-threads', value]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`--embed-threads must be a positive integer, not "${value}"`);
    }
    const both = cli(['--embed-cache', 'c', '--no-embed-cache']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--embed-cache and --no-embed-cache contradict each other');
    expect(cli(['--help']).stdout).toMatch(/--embed-threads +threads running the neural encoder/);
  });
});
