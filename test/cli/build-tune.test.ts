import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/cli/build';
import { computeAggregates, loadItems, openEngine, listTuples, readSignalTables, recomputeNeighbors } from '../../src/cli/build/sql/duckdb-engine';
import { DEFAULT_SIGNALS_OPTIONS } from '../../src/signals';
import { validateManifest } from '../../src/catalog';
import { PocketRecError } from '../../src/errors';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

/** 40 visitors who walk one theme's items in catalogue order (so transitions carry the next event), a few strays. */
function themedLog(): string {
  const themes = [0, 5, 10, 15].map((s) => SMALL_CATALOG.slice(s, s + 5).map((i) => i.id));
  const rows = ['userId,itemId,type,timestamp'];
  let t = 1_700_000_000_000;
  for (let u = 0; u < 40; u++) {
    const theme = themes[u % 4]!;
    for (let k = 0; k < 4; k++) rows.push(`u${u},${theme[(u + k) % 5]},view,${(t += 60_000)}`);
    if (u % 7 === 0) rows.push(`u${u},${themes[(u + 1) % 4]![0]},view,${(t += 60_000)}`);
  }
  return rows.join('\n');
}

async function site() {
  const d = await mkdtemp(join(tmpdir(), 'pocketrec-tune-'));
  made.push(d);
  await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
  await writeFile(join(d, 'log.csv'), themedLog());
  return d;
}

describe('pocketrec build --tune-minutes', () => {
  it('writes the chosen settings into a valid manifest, byte for byte the same for the same seed', async () => {
    const d = await site();
    const build = (out: string, engine: 'node' | 'duckdb' = 'duckdb') =>
      buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, out), encoder: 'lexical', sequence: { mode: 'off' }, tune: { minutes: 1, seed: 5 }, engine });
    const a = await build('a');
    const b = await build('b');
    const text = await readFile(join(d, 'a', 'catalog.json'), 'utf8');
    expect(await readFile(join(d, 'b', 'catalog.json'), 'utf8')).toBe(text);
    expect(b.version).toBe(a.version);
    const manifest = validateManifest(JSON.parse(text), 'catalog.json');
    expect(manifest.formatVersion === 2 && manifest.settings).toMatchObject({ neighbors: expect.any(Number), tuned: { metric: 'NDCG@10', heldOutUsers: 40, seed: 5, stopped: 'plan' } });
    const settings = manifest.formatVersion === 2 ? manifest.settings! : null;
    expect(settings!.tuned!.trials).toBeGreaterThan(5);
    expect(Object.keys(settings!.rank!).sort()).toEqual(['diversityLambda', 'neighborWeight', 'popularityWeight', 'sessionWeight', 'transitionWeight', 'trendingWeight']);
    expect(a.settings).toEqual(settings);
    expect(a.tuneMs).toBeGreaterThan(0);
    // The Node engine reads the same log and tunes to the same settings.
    await build('node', 'node');
    expect(JSON.parse(await readFile(join(d, 'node', 'catalog.json'), 'utf8')).settings).toEqual(settings);
  }, 120_000);

  it('writes no settings with --tune-minutes 0', async () => {
    const d = await site();
    const r = await buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, 'log.csv'), out: join(d, 'off'), encoder: 'lexical', sequence: { mode: 'off' }, tune: { minutes: 0 } });
    expect(r.settings).toBeUndefined();
    expect(JSON.parse(await readFile(join(d, 'off', 'catalog.json'), 'utf8')).settings).toBeUndefined();
  }, 60_000);
});

describe('the tuned neighbour count in SQL', () => {
  it('recomputes the neighbour lists as a fresh run with that count computes them', async () => {
    const d = await site();
    const ids = SMALL_CATALOG.map((i) => i.id);
    const signals = async (maxNeighbors: number, recompute: boolean) => {
      const db = await openEngine();
      try {
        await loadItems(db.conn, ids);
        const params = { ...DEFAULT_SIGNALS_OPTIONS, now: null };
        await computeAggregates(db.conn, join(d, 'log.csv'), recompute ? params : { ...params, maxNeighbors }, () => {});
        if (recompute) await recomputeNeighbors(db.conn, { ...params, maxNeighbors });
        return await readSignalTables(db.conn, ids.length, { ...params, maxNeighbors });
      } finally {
        db.close();
      }
    };
    const fresh = await signals(2, false);
    expect(await signals(2, true)).toEqual(fresh);
    // The cut is real: the default count keeps longer lists than two.
    const long = await signals(DEFAULT_SIGNALS_OPTIONS.maxNeighbors, false);
    expect(Math.max(...[...listTuples(long.lists.neighbors)].map(([, t]) => t.length))).toBeGreaterThan(2);
    expect(Math.max(...[...listTuples(fresh.lists.neighbors)].map(([, t]) => t.length))).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe('the manifest validator on settings', () => {
  const base = { formatVersion: 1, version: 'v', items: 'i.ndjson', itemCount: 1 };
  const field = (settings: unknown) => {
    try {
      validateManifest({ ...base, settings }, 'c.json');
    } catch (e) {
      expect(e).toBeInstanceOf(PocketRecError);
      expect((e as PocketRecError).code).toBe('catalog-invalid');
      return (e as PocketRecError).details?.field;
    }
    return null;
  };
  it('accepts chosen settings and names the field of a bad one', () => {
    expect(field({ rank: { transitionWeight: 0.6, diversityLambda: 0.7 }, neighbors: 100, tuned: { metric: 'NDCG@10', heldOutUsers: 3, trials: 4 } })).toBeNull();
    expect(field({ rank: { transitionWeight: -1 } })).toBe('settings.rank.transitionWeight');
    expect(field({ rank: { transitionWieght: 0.5 } })).toBe('settings.rank.transitionWieght');
    expect(field({ rank: { diversityLambda: 1.5 } })).toBe('settings.rank.diversityLambda');
    expect(field({ rank: { neighborWeight: '0.3' } })).toBe('settings.rank.neighborWeight');
    expect(field({ neighbors: 0 })).toBe('settings.neighbors');
    expect(field({ tuned: { metric: 'NDCG@10', heldOutUsers: -1, trials: 1 } })).toBe('settings.tuned.heldOutUsers');
    expect(field({ tuned: { metric: 'NDCG@10', heldOutUsers: 3, trials: 4, log: 'ab12', keptFrom: '0ca61f99b278b9ac' } })).toBeNull();
    expect(field({ tuned: { metric: 'NDCG@10', heldOutUsers: 3, trials: 4, log: 12 } })).toBe('settings.tuned.log');
    expect(field({ tuned: { metric: 'NDCG@10', heldOutUsers: 3, trials: 4, keptFrom: null } })).toBe('settings.tuned.keptFrom');
    expect(field([])).toBe('settings');
  });
});
