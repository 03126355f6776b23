import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/catalog';
import { buildCatalog, type BuildOptions } from '../../src/cli/build';
import { scratchDirs } from '../helpers/scratch-dirs';

const dir = scratchDirs('pocketrec-aggregate-cache-');

const WORDS = ['river', 'stone', 'lamp', 'forest', 'copper', 'velvet', 'harbor', 'maple', 'signal', 'garden', 'ember', 'falcon'];
function makeItems(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, title: `${WORDS[i % 12]} ${WORDS[(i * 7 + 3) % 12]} ${i}`, category: i % 2 ? 'outdoor' : 'kitchen', price: 5 + (i % 40) }));
}

/** Visitors who view and buy runs of neighbouring items, and some events of an item no catalogue has. */
function makeLog(itemCount: number): string {
  const rows = ['userId,itemId,type,timestamp'];
  for (let u = 0; u < 80; u++) {
    for (let k = 0; k < 6; k++) rows.push(`u${u},item-${(u * 13 + k) % itemCount},${k === 5 ? 'purchase' : k === 4 ? 'add_to_cart' : 'view'},${1_000_000 + u * 1000 + k * 10}`);
    if (u % 9 === 0) rows.push(`u${u},retired-${u},view,${1_000_000 + u * 1000 + 70}`);
  }
  return rows.join('\n') + '\n';
}

/** Every file of a built catalogue, by name. */
async function files(folder: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const f of (await readdir(folder)).sort()) out[f] = await readFile(join(folder, f));
  return out;
}

describe('the aggregate cache (pocketrec build on an unchanged log)', () => {
  async function setup() {
    const d = await dir();
    const cache = join(d, 'cache');
    const log = join(d, 'log.csv');
    await writeFile(log, makeLog(300));
    const writeItems = async (name: string, items: readonly Item[]) => {
      await writeFile(join(d, `${name}.ndjson`), items.map((i) => JSON.stringify(i)).join('\n'));
      return join(d, `${name}.ndjson`);
    };
    const build = async (name: string, items: string, extra: Partial<BuildOptions> = {}) => {
      const lines: string[] = [];
      const report = await buildCatalog({ items, interactions: log, out: join(d, name), encoder: 'lexical', sequence: { mode: 'off' }, tune: { minutes: 0 }, embedCache: false, aggregateCache: cache, log: (l) => lines.push(l), ...extra });
      return { report, lines, sql: lines.filter((l) => l.startsWith('sql: ')), files: await files(join(d, name)) };
    };
    return { d, cache, log, writeItems, build };
  }
  const hit = (sql: readonly string[]) => sql.some((l) => l.startsWith('sql: aggregates read from the cache'));
  const computed = (sql: readonly string[]) => sql.some((l) => /^sql: neighbor_rows in /.test(l));

  it('reads the aggregates back on the same log, and gives the catalogue of a build without the cache byte for byte', async () => {
    const { d, writeItems, build } = await setup();
    const v1Items = makeItems(300);
    const v1 = await build('v1', await writeItems('v1', v1Items));
    expect(hit(v1.sql)).toBe(false);
    expect(computed(v1.sql)).toBe(true);
    expect(v1.sql.some((l) => l.startsWith('sql: aggregates cached in '))).toBe(true);

    const again = await build('again', await writeItems('again', v1Items));
    expect(hit(again.sql)).toBe(true);
    expect(computed(again.sql)).toBe(false);
    expect(again.files).toEqual(v1.files);
    expect(again.report.interactions).toBe(v1.report.interactions);
    expect(again.report.skippedUnknownItems).toBe(v1.report.skippedUnknownItems);
    expect(v1.report.skippedUnknownItems).toBeGreaterThan(0);

    // An incremental build after a description changed and items the log never names were added: the log's
    // aggregates still hold, and the catalogue is the one the same build computes from the log.
    const v2Items = [...v1Items.map((i) => (i.id === 'item-7' ? { ...i, title: 'copper kettle with a whistle' } : i)), { id: 'new-1', title: 'falcon lantern', category: 'outdoor', price: 12 }];
    const v2File = await writeItems('v2', v2Items);
    const incremental = await build('incremental', v2File, { previous: join(d, 'v1') });
    expect(hit(incremental.sql)).toBe(true);
    const uncached = await build('uncached', v2File, { previous: join(d, 'v1'), aggregateCache: false });
    expect(computed(uncached.sql)).toBe(true);
    expect(incremental.files).toEqual(uncached.files);
    expect(Object.keys(incremental.files)).toContain('columns.delta.bin');
    // Only the vectors tell an incremental build from a full one (it keeps the previous lexical fit).
    const full = await build('full', v2File, { aggregateCache: false });
    expect(incremental.files['columns.bin']!.equals(full.files['columns.bin']!)).toBe(true);
    expect(incremental.files['items.ndjson']!.equals(full.files['items.ndjson']!)).toBe(true);
  });

  it('aggregates again when the log changed, even at the same size', async () => {
    const { log, writeItems, build } = await setup();
    const items = await writeItems('items', makeItems(300));
    await build('v1', items);
    const text = await readFile(log, 'utf8');
    // One visitor met another item second: the same number of bytes, other signals.
    const changed = text.replace('u1,item-14,view', 'u1,item-99,view');
    expect(changed.length).toBe(text.length);
    expect(changed).not.toBe(text);
    await writeFile(log, changed);
    const v2 = await build('v2', items);
    expect(hit(v2.sql)).toBe(false);
    expect(computed(v2.sql)).toBe(true);
    const uncached = await build('uncached', items, { aggregateCache: false });
    expect(v2.files).toEqual(uncached.files);
  });

  it('aggregates again under other settings, and when the catalogue moved an item the log names', async () => {
    const { writeItems, build } = await setup();
    const v1Items = makeItems(300);
    const items = await writeItems('items', v1Items);
    await build('v1', items);
    // Another reference time for trending is other SQL: another key.
    const later = await build('later', items, { now: 1_200_000 });
    expect(hit(later.sql)).toBe(false);
    expect(computed(later.sql)).toBe(true);
    expect(later.sql.some((l) => l.startsWith('sql: no cached aggregates of this log and these settings'))).toBe(true);

    // item-3 is gone, so every later item moves up a position: the cached rows are keyed by position.
    const moved = await build('moved', await writeItems('moved', v1Items.filter((i) => i.id !== 'item-3')));
    expect(hit(moved.sql)).toBe(false);
    expect(moved.sql.some((l) => /do not fit this catalogue \(\d+ item ids the log names moved/.test(l))).toBe(true);
    const uncached = await build('uncached', await writeItems('moved2', v1Items.filter((i) => i.id !== 'item-3')), { aggregateCache: false });
    expect(moved.files).toEqual(uncached.files);
    expect(moved.report.skippedUnknownItems).toBeGreaterThan(later.report.skippedUnknownItems);
  });

  it('reads the rounded signals back without the tables, and gives the bytes of a build that rounds them', async () => {
    const { d, cache, writeItems, build } = await setup();
    const v1Items = makeItems(300);
    const v1 = await build('v1', await writeItems('v1', v1Items));
    const [entry] = (await readdir(cache)).filter((n) => n.startsWith('aggregates-'));
    expect(await readdir(join(cache, entry!))).toContain('signals.bin');
    // The tables are not read at all once the signals are there: a hit on a damaged neighbour table still holds.
    const file = join(cache, entry!, 'neighbor_rows.parquet');
    await writeFile(file, (await readFile(file)).subarray(0, 200));
    const again = await build('again', await writeItems('again', v1Items));
    expect(again.sql.some((l) => l.startsWith('sql: aggregates read from the cache') && l.includes('rounded signals'))).toBe(true);
    expect(again.lines.some((l) => l.startsWith('phase: signals read from the aggregate cache'))).toBe(true);
    expect(again.files).toEqual(v1.files);
    // More items than the signals were rounded for (items the log never names): the same bytes as without the cache.
    const more = [...v1Items, { id: 'new-1', title: 'falcon lantern', category: 'outdoor', price: 12 }];
    const grown = await build('grown', await writeItems('grown', more), { previous: join(d, 'v1') });
    expect(grown.sql.some((l) => l.includes('rounded signals'))).toBe(true);
    const uncached = await build('uncached', await writeItems('grown2', more), { previous: join(d, 'v1'), aggregateCache: false });
    expect(grown.files).toEqual(uncached.files);
  });

  it('aggregates again, with a warning, when a cached table or the cached signals cannot be read', async () => {
    const { cache, writeItems, build } = await setup();
    const items = await writeItems('items', makeItems(300));
    const v1 = await build('v1', items);
    const [entry] = (await readdir(cache)).filter((n) => n.startsWith('aggregates-'));
    const damage = async (name: string) => {
      const file = join(cache, entry!, name);
      await writeFile(file, (await readFile(file)).subarray(0, 200));
    };
    // Without its signals the entry's tables are read: a damaged one is warned about.
    await rm(join(cache, entry!, 'signals.bin'));
    await damage('neighbor_rows.parquet');
    const damaged = await build('damaged', items);
    expect(damaged.sql.some((l) => l.startsWith('sql: the cached aggregates in ') && l.includes('cannot be read'))).toBe(true);
    expect(hit(damaged.sql)).toBe(false);
    expect(computed(damaged.sql)).toBe(true);
    expect(damaged.files).toEqual(v1.files);
    // Written again whole, then its signals are cut short.
    await damage('signals.bin');
    const truncated = await build('truncated', items);
    expect(truncated.sql.some((l) => l.startsWith('sql: the cached aggregates in ') && l.includes('signals.bin is truncated'))).toBe(true);
    expect(computed(truncated.sql)).toBe(true);
    expect(truncated.files).toEqual(v1.files);
  });

  it('is neither read nor written when the sequence model reads the log, and says so', async () => {
    const { cache, writeItems, build } = await setup();
    const items = await writeItems('items', makeItems(300));
    const withSequence = await build('sequence', items, { sequence: { mode: 'auto', epochs: 1 } });
    expect(withSequence.sql.some((l) => l.startsWith('sql: no aggregate cache: the sequence model reads the whole log'))).toBe(true);
    expect(computed(withSequence.sql)).toBe(true);
    await expect(readdir(cache)).rejects.toThrow(/ENOENT/);
  }, 120_000);

  it('keeps the tuned settings of the previous catalogue on its log, and tunes again on a changed one', async () => {
    const { d, log, writeItems, build } = await setup();
    const tune = { minutes: 0.05, seed: 3 };
    const v1Items = makeItems(300);
    const v1 = await build('v1', await writeItems('v1', v1Items), { tune });
    expect(v1.report.tuneMs).toBeGreaterThan(0);
    const settings = v1.report.settings!;
    expect(settings.tuned!.log).toMatch(/^[0-9a-f]{32}$/);
    // The entry of the neighbour count tuning chose is written for the builds that keep it.
    expect(v1.sql.some((l) => l.startsWith('sql: aggregates cached in '))).toBe(true);

    const v2Items = [...v1Items.map((i) => (i.id === 'item-7' ? { ...i, title: 'copper kettle with a whistle' } : i)), { id: 'new-1', title: 'falcon lantern', category: 'outdoor', price: 12 }];
    const v2File = await writeItems('v2', v2Items);
    const v2 = await build('v2', v2File, { tune, previous: join(d, 'v1') });
    expect(v2.lines.some((l) => l.startsWith(`tuning: the log is the one the previous catalogue ${v1.report.version} was tuned on`))).toBe(true);
    expect(v2.report.tuneMs).toBeUndefined();
    expect(hit(v2.sql)).toBe(true);
    expect(computed(v2.sql)).toBe(false);
    const manifest = JSON.parse(v2.files['catalog.json']!.toString('utf8'));
    expect(manifest.settings).toEqual({ ...settings, tuned: { ...settings.tuned, keptFrom: v1.report.version } });
    // The catalogue a build on the log with those settings makes: the kept neighbour count built the lists.
    const uncached = await build('uncached', v2File, { tune, previous: join(d, 'v1'), aggregateCache: false });
    expect(uncached.files).toEqual(v2.files);
    // Kept again by the next incremental build, still naming the build that tuned.
    const v3 = await build('v3', v2File, { tune, previous: join(d, 'v2') });
    expect(JSON.parse(v3.files['catalog.json']!.toString('utf8')).settings.tuned.keptFrom).toBe(v1.report.version);

    // Other tuning options, or another log, tune again.
    const reseeded = await build('reseeded', v2File, { tune: { ...tune, seed: 4 }, previous: join(d, 'v1') });
    expect(reseeded.report.tuneMs).toBeGreaterThan(0);
    await writeFile(log, (await readFile(log, 'utf8')).replace('u1,item-14,view', 'u1,item-99,view'));
    const changed = await build('changed', v2File, { tune, previous: join(d, 'v1') });
    expect(changed.report.tuneMs).toBeGreaterThan(0);
    expect(changed.lines.some((l) => l.startsWith('tuning: the log is the one'))).toBe(false);
    expect(changed.report.settings!.tuned!.keptFrom).toBeUndefined();
    expect(changed.report.settings!.tuned!.log).not.toBe(settings.tuned!.log);
  }, 120_000);
});
