import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/cli/build';
import { SMALL_CATALOG } from '../fixtures/small-catalog';
import { scratchDirs } from '../helpers/scratch-dirs';

// The built product CLI, as a user runs it (`npm test` builds before it tests).
const CLI = 'packages/cli/dist/pocketrec.js';
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const dir = scratchDirs('pocketrec-cli-');

describe('pocketrec command line', () => {
  it('answers --version with the CLI package version and --help / -h for itself and every command', async () => {
    const { version } = JSON.parse(await readFile('packages/cli/package.json', 'utf8')) as { version: string };
    expect(cli(['--version']).stdout.trim()).toBe(version);
    for (const flag of ['--help', '-h']) {
      const top = cli([flag]);
      expect(top.status).toBe(0);
      expect(top.stdout).toMatch(/commands:\n +build +.*\n +embed /);
    }
    for (const command of ['build', 'embed']) {
      for (const flag of ['--help', '-h']) {
        const help = cli([command, flag]);
        expect(help.status, help.stderr).toBe(0);
        expect(help.stdout).toContain(`usage: pocketrec ${command} `);
        expect(help.stdout).toContain('--model-dir');
      }
    }
    expect(cli(['build', '--help']).stdout).toMatch(/--items +the catalogue/);
  });

  it('exits 2 with the usage for no command, an unknown command or option, and never lists research tools', () => {
    for (const args of [[], ['frobnicate'], ['build', '--itemz', 'x'], ['eval']]) {
      const run = cli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('usage: pocketrec');
    }
    expect(cli(['--help']).stdout).not.toMatch(/eval|build-model/);
    const vectors = cli(['build', '--items', 'x', '--out', 'y', '--vectors', 'half']);
    expect(vectors.status).toBe(2);
    expect(vectors.stderr).toMatch(/--vectors must be "auto", "full" or "pca-<d>" \(e\.g\. pca-128\), not "half"/);
    expect(cli(['build', '--help']).stdout).toMatch(/--vectors +"auto" \(by size: full below 100k items, pca-256 to 500k, pca-128 above/);
  });

  it('prints the aggregate SQL without building, and checks the engine options', async () => {
    const sql = cli(['build', '--print-sql', '--now', '1700000000000']);
    expect(sql.status, sql.stderr).toBe(0);
    expect(sql.stdout).toMatch(/^-- PocketRec build aggregates/);
    expect(sql.stdout).toContain('CREATE TABLE neighbors AS');
    expect(sql.stdout).toContain('CAST(1700000000000 AS DOUBLE) AS now_ms');
    for (const args of [['--engine', 'spark'], ['--memory-limit', 'lots'], ['--engine', 'node', '--signals-out', 'x'], ['--signals-from', 'x', '--interactions', 'y']]) {
      const run = cli(['build', '--items', 'i.ndjson', '--out', 'o', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
    }
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.ndjson'), ['{"userId":"u1","itemId":"c1","timestamp":1}', '{"userId":"u1","itemId":"c2","timestamp":2}'].join('\n'));
    const built = cli(['build', '--items', join(d, 'items.ndjson'), '--interactions', join(d, 'log.ndjson'), '--out', join(d, 'site'), '--encoder', 'lexical', '--memory-limit', '512MB', '--temp-dir', join(d, 'spill'), '--signals-out', join(d, 'tables')]);
    expect(built.status, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ interactions: 2, users: 1 });
    expect((await readdir(join(d, 'tables'))).sort()).toEqual(['item_counts.parquet', 'neighbors.parquet', 'summary.parquet', 'trend_windows.parquet']);
  }, 60_000);

  it('reads the aggregate cache it names on the same log, writes the same --signals-out tables from it, and checks its flags', async () => {
    for (const args of [['--no-aggregate-cache', 'x'], ['--aggregate-cache', 'x', '--no-aggregate-cache']]) expect(cli(['build', '--items', 'i.ndjson', '--out', 'o', ...args]).status, args.join(' ')).toBe(2);
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.csv'), ['userId,itemId,timestamp', 'u1,c1,1', 'u1,c2,2', 'u2,c2,3', 'u2,c1,4', 'u2,c3,5'].join('\n'));
    const build = (name: string) => cli(['build', '--items', join(d, 'items.ndjson'), '--interactions', join(d, 'log.csv'), '--out', join(d, name), '--encoder', 'lexical', '--tune-minutes', '0', '--sequence', 'off', '--no-embed-cache', '--aggregate-cache', join(d, 'cache'), '--signals-out', join(d, `${name}-tables`)]);
    const first = build('first');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('build: sql: aggregates cached in');
    const second = build('second');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('build: sql: aggregates read from the cache');
    expect(second.stdout).toBe(first.stdout.replaceAll(join(d, 'first'), join(d, 'second')));
    for (const table of ['item_counts', 'neighbors', 'summary', 'trend_windows']) {
      expect((await readFile(join(d, 'second-tables', `${table}.parquet`))).equals(await readFile(join(d, 'first-tables', `${table}.parquet`))), table).toBe(true);
    }
  }, 60_000);

  it('builds with the bundled neural encoder from any working directory and shows progress with items/s and an ETA', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const run = spawnSync(process.execPath, [join(process.cwd(), CLI), 'build', '--items', 'items.ndjson', '--out', 'site'], { cwd: d, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(d, 'site/catalog.json'), 'utf8'));
    const bundled = JSON.parse(await readFile('packages/cli/model/manifest.json', 'utf8'));
    expect(manifest.parts.embeddings).toMatchObject({ model: bundled.model, dim: 512 });
    expect(run.stderr).toMatch(/embeddings \(use-lite-int8@\w+\): 20\/20 \(100 %\), .* elapsed, [\d.]+ items\/s, done/);
  }, 120_000);
});

describe('pocketrec build on existing folders and bad input', () => {
  it("replaces only its own files in --out and leaves the site's other files alone", async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const out = join(d, 'public');
    await buildCatalog({ items: join(d, 'items.ndjson'), out, encoder: 'lexical' });
    await writeFile(join(out, 'index.html'), '<h1>shop</h1>');
    await writeFile(join(out, 'catalog.json'), 'stale');
    await buildCatalog({ items: join(d, 'items.ndjson'), out, encoder: 'lexical' });
    expect(await readFile(join(out, 'index.html'), 'utf8')).toBe('<h1>shop</h1>');
    expect(JSON.parse(await readFile(join(out, 'catalog.json'), 'utf8')).itemCount).toBe(20);
    expect((await readdir(out)).sort()).toEqual(['catalog.json', 'columns.bin', 'embeddings.bin', 'index.html', 'items.ndjson']);
    expect((await readdir(d)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reports every bad row of a file up to the limit, with the count, and writes nothing', async () => {
    const d = await dir();
    const rows = [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', price: 'cheap' }, 'not json', { title: 'no id' }, { id: 'a', title: 'again' }];
    for (let i = 0; i < 30; i++) rows.push({ id: `p${i}`, title: 'P', price: 'free' });
    await writeFile(join(d, 'items.ndjson'), rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
    const error = (await buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, 'site'), encoder: 'lexical' }).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/items\.ndjson: 34 bad rows \(the first 20 listed\)/);
    const listed = error.message.split('\n').filter((l) => l.startsWith('  '));
    expect(listed).toHaveLength(20);
    expect(listed[0]).toMatch(/line 2 .*price/);
    expect(listed[1]).toMatch(/items\.ndjson:3: not valid JSON/);
    expect(listed[2]).toMatch(/line 4 .*id/);
    expect(listed[3]).toMatch(/line 5 .*repeats the id "a"/);
    expect(existsSync(join(d, 'site'))).toBe(false);

    await writeFile(join(d, 'items.ndjson'), '{"id":"a","title":"A"}');
    const log = ['userId,itemId,type,timestamp', 'u,a,view,1', 'u,a,teleport,2', ',a,view,3', 'u,a,view,yesterday', 'u,a,view'];
    await writeFile(join(d, 'log.csv'), log.join('\n'));
    const logError = (await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'site'), encoder: 'lexical' }).catch((e: Error) => e)) as Error;
    expect(logError.message).toMatch(/log\.csv: 4 bad rows:\n  .*log\.csv:3: .*teleport.*\n  .*log\.csv:4: has no userId\n  .*log\.csv:5: .*timestamp.*\n  .*log\.csv:6: has 3 columns/);
    expect(existsSync(join(d, 'site'))).toBe(false);
  });

  it('refuses to fall back to lexical vectors when the neural model is missing', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), '{"id":"a","title":"A"}');
    await expect(buildCatalog({ items: join(d, 'items.ndjson'), out: join(d, 'site'), modelDir: join(d, 'nowhere') })).rejects.toThrow(/nowhere\/manifest\.json.*is missing.*--encoder lexical/);
    expect(existsSync(join(d, 'site'))).toBe(false);
  });
});
