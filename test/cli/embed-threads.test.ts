import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemText } from '../../src/catalog';
import { buildCatalog } from '../../src/cli/build';
import { loadNodeEncoder } from '../../src/cli/model';
import { quantizeRows } from '../../src/vector';

// The built product CLI (`npm test` builds first): its embedding threads run the script beside pocketrec.js.
const CLI = 'packages/cli/dist/pocketrec.js';
const WORDS = 'trail road tent stove kettle espresso grinder novel mystery headphones wireless lamp desk chair jacket rain wool cotton steel ceramic compact classic smart organic'.split(' ');

/** `n` items of 45 words, of varied token counts, seeded. */
function items(n: number, changed: readonly number[] = []) {
  let s = 11;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 45 }, () => WORDS[Math.floor(next() * WORDS.length)]!);
    if (changed.includes(i)) words.reverse();
    return { id: `sku-${i}`, title: words.slice(0, 3).join(' '), description: words.slice(3, 36 + (i % 10)).join(' ') };
  });
}

let d: string;
beforeAll(async () => {
  d = await mkdtemp(join(tmpdir(), 'pocketrec-embed-threads-'));
});
afterAll(() => rm(d, { recursive: true, force: true }));

/** One `pocketrec build` of `list` into `out`; its report, log and the sha256 of its embeddings and manifest. */
async function build(list: object[], out: string, args: string[]) {
  const file = join(d, `${out}.ndjson`);
  await writeFile(file, list.map((i) => JSON.stringify(i)).join('\n'));
  const run = spawnSync(process.execPath, [CLI, 'build', '--items', file, '--out', join(d, out), '--model-dir', 'models/build', ...args], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const sha = async (f: string) => createHash('sha256').update(await readFile(join(d, out, f))).digest('hex');
  return { report: JSON.parse(run.stdout), log: run.stderr, embeddings: await sha('embeddings.bin'), manifest: await sha('catalog.json') };
}

describe('neural embedding in worker threads', () => {
  it('writes the same bytes in 1 and 2 threads, each row the vector of its text alone, with items/s in the progress', async () => {
    const list = items(60);
    const one = await build(list, 'one', ['--embed-threads', '1', '--no-embed-cache']);
    const two = await build(list, 'two', ['--embed-threads', '2', '--no-embed-cache']);
    expect(one.report.embedding).toEqual({ hits: 0, misses: 60, threads: 1, cache: null });
    expect(two.report.embedding).toEqual({ hits: 0, misses: 60, threads: 2, cache: null });
    expect(two.embeddings).toBe(one.embeddings);
    expect(two.manifest).toBe(one.manifest);
    expect(two.log).toMatch(/embeddings \(use-lite-int8@\w+\): 60\/60 \(100 %\), \d+ s elapsed, [\d.]+ items\/s, done/);
    expect(two.log).toMatch(/embeddings: 60 × 512 int8 \(use-lite-int8@\w+, 2 threads\)/);

    // Not the batch it happened to be in: the row of an item is what the encoder gives its text on its own.
    const bytes = await readFile(join(d, 'two/embeddings.bin'));
    const encoder = (await loadNodeEncoder('models/build'))!;
    for (const i of [0, 17, 59]) {
      const [vector] = await encoder.embed([itemText(list[i]!)]);
      const q = quantizeRows(vector!, 512);
      expect(bytes.readFloatLE(i * 4)).toBe(q.scales[0]);
      expect(new Int8Array(bytes.buffer, bytes.byteOffset + 60 * 4 + i * 512, 512)).toEqual(q.values);
    }
    await encoder.dispose();

    // From source there is no thread script: the main thread embeds, and writes the same bytes.
    const here = await buildCatalog({ items: join(d, 'two.ndjson'), out: join(d, 'here'), modelDir: 'models/build', embedCache: false });
    expect(here.embedding).toEqual({ hits: 0, misses: 60, threads: 1, cache: null });
    expect(createHash('sha256').update(await readFile(join(d, 'here/embeddings.bin'))).digest('hex')).toBe(one.embeddings);
  }, 300_000);

  it('re-embeds only changed and new items from the cache, with the bytes of an uncached build', async () => {
    const cache = join(d, 'cache');
    const before = items(60);
    const cold = await build(before, 'cold', ['--embed-threads', '2', '--embed-cache', cache]);
    expect(cold.report.embedding).toEqual({ hits: 0, misses: 60, threads: 2, cache });
    const after = [...items(60, [5, 40]), { id: 'sku-new', title: 'a new lamp', description: 'ceramic desk lamp with a wool shade' }];
    const warm = await build(after, 'warm', ['--embed-threads', '2', '--embed-cache', cache]);
    expect(warm.report.embedding).toEqual({ hits: 58, misses: 3, threads: 1, cache });
    expect(warm.log).toContain(`embeddings: 58 from the cache, 3 to embed (${cache})`);
    const uncached = await build(after, 'uncached', ['--embed-threads', '1', '--no-embed-cache']);
    expect(warm.embeddings).toBe(uncached.embeddings);
    expect(warm.manifest).toBe(uncached.manifest);
  }, 300_000);
});
