import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/cli/build';
import { computeAggregates, hasItems, loadItems, loadItemsFromParquet, openEngine, listTuples, readSignalTables, resetAggregates, runAggregates, signalsFromSequences, writeSignalTables } from '../../src/cli/build/sql/duckdb-engine';
import { aggregateScript, aggregateStatements } from '../../src/cli/build/sql/aggregates';
import { createEvents } from '../../src/cli/build/sql/log-input';
import { buildSignals, DEFAULT_SIGNALS_OPTIONS } from '../../src/signals';
import { SMALL_CATALOG } from '../fixtures/small-catalog';
import { scratchDirs } from '../helpers/scratch-dirs';

const dir = scratchDirs('pocketrec-duckdb-');

const params = { ...DEFAULT_SIGNALS_OPTIONS, now: null };

/** Every file of a built catalogue, by name. */
async function files(folder: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const f of (await readdir(folder)).sort()) out[f] = await readFile(join(folder, f));
  return out;
}

/** A seeded log with what makes sums and orders hard: equal timestamps, repeats, ratings, carts, unknown items. */
function randomLog(seed: number, rows: number): string[] {
  let s = seed;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const ids = [...SMALL_CATALOG.map((i) => i.id), 'gone'];
  const types = ['view', 'view', 'view', 'click', 'add_to_cart', 'purchase', 'rate', 'like', 'dismiss', 'review'];
  const out = ['userId,itemId,type,timestamp,rating'];
  for (let r = 0; r < rows; r++) {
    const type = types[Math.floor(next() * types.length)]!;
    const rated = type === 'rate' || (type === 'review' && next() < 0.5);
    out.push(`u${Math.floor(next() * 25)},${ids[Math.floor(next() * ids.length)]},${type},${1_700_000_000_000 + Math.floor(next() * 40) * 3_600_000},${rated ? (1 + Math.floor(next() * 9) / 2).toString() : ''}`);
  }
  return out;
}

describe('the DuckDB engine', () => {
  it('computes popularity, trend, neighbours, transitions and bought-together as counted by hand', async () => {
    const d = await dir();
    const log = ['userId,itemId,type,timestamp,rating', 'u1,a,view,1,', 'u1,b,view,2,', 'u1,c,purchase,3,', 'u2,b,add_to_cart,1,', 'u2,c,purchase,2,', 'u2,a,view,3,', 'u3,x,view,1,', 'u3,a,rate,5,5'];
    await writeFile(join(d, 'log.csv'), log.join('\n'));
    const db = await openEngine();
    try {
      await loadItems(db.conn, ['a', 'b', 'c', 'd']);
      await computeAggregates(db.conn, join(d, 'log.csv'), params, () => {});
      const rows = async (sql: string) => (await db.conn.runAndReadAll(sql)).getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
      // u3's rating of 5 weighs 3 · (5 − 2.5) / 2.5 = 3; the purchase 5; the unknown item x is counted, not used.
      expect(await rows('SELECT events, unknown_item_events, visitors, now_ms FROM summary')).toEqual([[7, 1, 3, 5]]);
      expect(await rows('SELECT item_id, popularity, trending FROM item_counts ORDER BY item_id')).toEqual([
        ['a', 5, 5],
        ['b', 4, 4],
        ['c', 10, 10],
      ]);
      const kind = (k: string) => rows(`SELECT source_id, target_id, score FROM neighbors WHERE kind = '${k}' ORDER BY source_id, target_id`);
      // Unordered pair sums: {a,b} 1 + ½ = 1.5, {a,c} ½ + 1 = 1.5, {b,c} 1 + 1 = 2; each divided by √popularity(target).
      expect(await kind('neighbors')).toEqual([
        ['a', 'b', 1.5 / 2],
        ['a', 'c', 1.5 / Math.sqrt(10)],
        ['b', 'a', 1.5 / Math.sqrt(5)],
        ['b', 'c', 2 / Math.sqrt(10)],
        ['c', 'a', 1.5 / Math.sqrt(5)],
        ['c', 'b', 2 / 2],
      ]);
      expect(await kind('transitions')).toEqual([
        ['a', 'b', 1],
        ['b', 'c', 2],
        ['c', 'a', 1],
      ]);
      // Only u2 had two items in a basket; c went into two baskets, b into one.
      expect(await kind('boughtTogether')).toEqual([
        ['b', 'c', 1 / Math.sqrt(2)],
        ['c', 'b', 1],
      ]);
      expect(await rows('SELECT days, item_id, weight FROM trend_windows WHERE days = 1 ORDER BY item_id')).toEqual([
        [1, 'a', 5],
        [1, 'b', 4],
        [1, 'c', 10],
      ]);
    } finally {
      db.close();
    }
  }, 60_000);

  it('gives the Node engine’s catalogue byte for byte, from CSV, Parquet and its own tables read back', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.csv'), randomLog(7, 3000).join('\n'));
    // Tuning off: `--signals-from` cannot tune (it has no log), and the report's tuning time differs run to run;
    // test/cli/build-tune.test.ts shows that both engines tune to the same settings. The embedding cache is off:
    // it would make the report of the second build differ (its rows come from the cache).
    const common = { items: join(d, 'items.ndjson'), encoder: 'lexical' as const, sequence: { mode: 'off' as const }, tune: { minutes: 0 }, embedCache: false as const };
    const node = await buildCatalog({ ...common, interactions: join(d, 'log.csv'), out: join(d, 'node'), engine: 'node' });
    const duck = await buildCatalog({ ...common, interactions: join(d, 'log.csv'), out: join(d, 'duck'), engine: 'duckdb', signalsOut: join(d, 'tables') });
    expect(duck).toEqual(node);
    expect(node.interactions).toBeGreaterThan(2000);
    expect(await files(join(d, 'duck'))).toEqual(await files(join(d, 'node')));
    expect((await readdir(join(d, 'tables'))).sort()).toEqual(['item_counts.parquet', 'neighbors.parquet', 'summary.parquet', 'trend_windows.parquet']);

    const from = await buildCatalog({ ...common, out: join(d, 'from'), signalsFrom: join(d, 'tables') });
    expect(from.version).toBe(node.version);
    expect(await files(join(d, 'from'))).toEqual(await files(join(d, 'node')));

    const db = await openEngine();
    try {
      await db.conn.run(`COPY (SELECT * FROM read_csv('${join(d, 'log.csv')}', all_varchar = true)) TO '${join(d, 'log.parquet')}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    await buildCatalog({ ...common, interactions: join(d, 'log.parquet'), out: join(d, 'parquet') });
    expect(await files(join(d, 'parquet'))).toEqual(await files(join(d, 'node')));
  }, 120_000);

  it('aggregates from the start on the items a Parquet file names, with the signals of the catalogue read first', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.csv'), randomLog(5, 3000).join('\n'));
    const db = await openEngine();
    try {
      await db.conn.run(`COPY (FROM read_ndjson('${join(d, 'items.ndjson')}')) TO '${join(d, 'items.parquet')}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    const common = { interactions: join(d, 'log.csv'), encoder: 'lexical' as const, sequence: { mode: 'off' as const }, tune: { minutes: 0 }, embedCache: false as const, aggregateCache: false as const };
    const lines: string[] = [];
    await buildCatalog({ ...common, items: join(d, 'items.parquet'), out: join(d, 'parquet'), log: (line) => void lines.push(line) });
    await buildCatalog({ ...common, items: join(d, 'items.ndjson'), out: join(d, 'ndjson') });
    expect(lines).toContain(`sql: items read by DuckDB from ${join(d, 'items.parquet')} (${SMALL_CATALOG.length}), beside the catalogue's own pass`);
    // The records' text is the Parquet schema's (key order, absent fields); the signals and columns are the same.
    expect((await files(join(d, 'parquet')))['columns.bin']).toEqual((await files(join(d, 'ndjson')))['columns.bin']);
  }, 120_000);

  it('stops the aggregation it started when the items have a bad row, and reports that row', async () => {
    const d = await dir();
    await writeFile(join(d, 'log.csv'), randomLog(3, 2000).join('\n'));
    await writeFile(join(d, 'items.ndjson'), ['{"id":"a","title":"A"}', '{"id":"b","title":"B","price":"cheap"}'].join('\n'));
    const common = { interactions: join(d, 'log.csv'), encoder: 'lexical' as const, sequence: { mode: 'off' as const }, tune: { minutes: 0 }, embedCache: false as const, aggregateCache: false as const };
    // The aggregation waits for these ids, which never come: the build must still end, with the items' error.
    await expect(buildCatalog({ ...common, items: join(d, 'items.ndjson'), out: join(d, 'site') })).rejects.toThrow(/line 2 .*price/);
    const db = await openEngine();
    try {
      await db.conn.run(`COPY (SELECT * FROM (VALUES ('a', 'A'), ('a', 'again')) t(id, title)) TO '${join(d, 'items.parquet')}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    // Here DuckDB has the ids at once and aggregates while the catalogue's pass finds the repeated id.
    await expect(buildCatalog({ ...common, items: join(d, 'items.parquet'), out: join(d, 'site') })).rejects.toThrow(/repeats the id "a"/);
  }, 120_000);

  it('computes the aggregates again when the catalogue is not the items DuckDB read', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify({ id: i.id, title: i.title })).join('\n'));
    await writeFile(join(d, 'log.csv'), randomLog(7, 2000).join('\n'));
    const reversed = SMALL_CATALOG.map((i) => i.id).reverse();
    const signals = async (prepare: (conn: Awaited<ReturnType<typeof openEngine>>['conn']) => Promise<void>) => {
      const db = await openEngine();
      try {
        await prepare(db.conn);
        return await readSignalTables(db.conn, reversed.length, params);
      } finally {
        db.close();
      }
    };
    const want = await signals(async (conn) => {
      await loadItems(conn, reversed);
      await computeAggregates(conn, join(d, 'log.csv'), params, () => {});
    });
    const got = await signals(async (conn) => {
      await conn.run(`COPY (FROM read_ndjson('${join(d, 'items.ndjson')}')) TO '${join(d, 'items.parquet')}' (FORMAT parquet)`);
      expect(await loadItemsFromParquet(conn, join(d, 'items.parquet'))).toBe(true);
      await computeAggregates(conn, join(d, 'log.csv'), params, () => {});
      expect(await hasItems(conn, SMALL_CATALOG.map((i) => i.id))).toBe(true);
      expect(await hasItems(conn, reversed)).toBe(false);
      expect(await hasItems(conn, SMALL_CATALOG.slice(1).map((i) => i.id))).toBe(false);
      await resetAggregates(conn);
      await loadItems(conn, reversed);
      await runAggregates(conn, params, () => {});
    });
    expect([...listTuples(got.lists.neighbors)].length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  }, 120_000);

  it('knows the items DuckDB holds from the catalogue’s by their digest, whatever bytes the ids have', async () => {
    const db = await openEngine();
    try {
      const ids = ['é', '1:2', '', 'tab\there', '日本'];
      await loadItems(db.conn, ids);
      expect(await hasItems(db.conn, ids)).toBe(true);
      // The same characters split another way, the same ids in another order, one id fewer.
      expect(await hasItems(db.conn, ['é1', ':2', '', 'tab\there', '日本'])).toBe(false);
      expect(await hasItems(db.conn, [...ids].reverse())).toBe(false);
      expect(await hasItems(db.conn, ids.slice(1))).toBe(false);
    } finally {
      db.close();
    }
  }, 60_000);

  it('ranks the neighbour lists in steps as in one statement, whenever the cores come free', async () => {
    const d = await dir();
    await writeFile(join(d, 'log.csv'), randomLog(5, 3000).join('\n'));
    // Short lists, so that every share has sources whose list is cut.
    const short = { ...params, maxNeighbors: 3 };
    const ranked = async (sharing?: () => boolean) => {
      const db = await openEngine();
      const lines: string[] = [];
      try {
        await loadItems(db.conn, SMALL_CATALOG.map((i) => i.id));
        await createEvents(db.conn, join(d, 'log.csv'));
        await runAggregates(db.conn, short, (line) => lines.push(line), sharing ? { sharing } : {});
        const rows = (await db.conn.runAndReadAll('SELECT kind, source, target, score, r FROM neighbor_rows ORDER BY kind, source, r')).getRows();
        return { rows, lines, signals: await readSignalTables(db.conn, SMALL_CATALOG.length, short) };
      } finally {
        db.close();
      }
    };
    const whole = await ranked();
    expect(whole.rows.filter((r) => r[0] === 0 && r[4] === 3).length).toBeGreaterThan(4);
    expect(whole.lines.some((l) => l.includes('share'))).toBe(false);
    // Freed after the first share, or never: the rest ranked at once, or one share at a time.
    let checks = 0;
    const freedLater = await ranked(() => checks++ < 2);
    expect(freedLater.lines.filter((l) => l.includes('share'))).toEqual([expect.stringContaining('share 1 of 4'), expect.stringContaining('shares 2 to 4')]);
    const never = await ranked(() => true);
    expect(never.lines.filter((l) => l.includes('share')).length).toBe(4);
    for (const stepped of [freedLater, never]) {
      expect(stepped.rows).toEqual(whole.rows);
      expect(stepped.signals).toEqual(whole.signals);
    }
  }, 120_000);

  it('gives the same catalogue from the printed SQL, run as a warehouse would, through --signals-from', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.csv'), randomLog(11, 3000).join('\n'));
    const common = { items: join(d, 'items.ndjson'), encoder: 'lexical' as const, sequence: { mode: 'off' as const }, tune: { minutes: 0 }, embedCache: false as const };
    const here = await buildCatalog({ ...common, interactions: join(d, 'log.csv'), out: join(d, 'here') });
    // The printed statements as they are (ranked rows with ties kept, every table stored), not DuckDB's own forms.
    const db = await openEngine();
    try {
      await loadItems(db.conn, SMALL_CATALOG.map((i) => i.id));
      await createEvents(db.conn, join(d, 'log.csv'));
      const statements = aggregateStatements(params);
      expect(statements.some((s) => s.duckdb && s.duckdb !== s.sql)).toBe(true);
      for (const statement of statements) await db.conn.run(statement.sql);
      await writeSignalTables(db.conn, join(d, 'printed'));
    } finally {
      db.close();
    }
    const from = await buildCatalog({ ...common, out: join(d, 'from'), signalsFrom: join(d, 'printed') });
    expect(from.version).toBe(here.version);
    expect(await files(join(d, 'from'))).toEqual(await files(join(d, 'here')));
  }, 120_000);

  it('reports bad CSV and Parquet rows with file and row, and writes nothing', async () => {
    const d = await dir();
    await writeFile(join(d, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    await writeFile(join(d, 'log.csv'), ['userId,itemId,type,timestamp', 'u1,c1,view,1', ',c1,view,2', 'u1,c2,teleport,3', 'u1,c3,view,yesterday'].join('\n'));
    const build = (log: string) => buildCatalog({ items: join(d, 'items.ndjson'), interactions: join(d, log), out: join(d, 'site'), encoder: 'lexical', sequence: { mode: 'off' } });
    const csv = await build('log.csv').catch((e: Error) => e);
    expect(String(csv)).toContain('3 bad rows');
    expect(String(csv)).toContain(`${join(d, 'log.csv')}:3: has no userId`);
    expect(String(csv)).toContain(`${join(d, 'log.csv')}:4: has type "teleport"`);
    expect(String(csv)).toContain(`${join(d, 'log.csv')}:5: has a timestamp that is neither epoch milliseconds nor an ISO date (yesterday)`);
    const db = await openEngine();
    try {
      await db.conn.run(`COPY (SELECT * FROM (VALUES ('u1', 'c1', 'view', 1), ('u1', 'c2', 'teleport', 2)) t(userId, itemId, type, timestamp)) TO '${join(d, 'log.parquet')}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    await expect(build('log.parquet')).rejects.toThrow(`${join(d, 'log.parquet')}: row 2: has type "teleport"`);
    await expect(readdir(join(d, 'site'))).rejects.toThrow();
  }, 60_000);

  it('gives the evaluation the very signals of src/signals (same bits), for other windows and list lengths too', async () => {
    let seed = 3;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    // Skewed items, so that popular ones repeat within a visitor and tie with each other.
    const sequences = Array.from({ length: 120 }, () => ({ items: Int32Array.from({ length: 2 + Math.floor(next() * 30) }, () => Math.floor(next() ** 2 * 60)) }));
    for (const options of [{ window: 5, maxNeighbors: 50 }, { window: 3, maxNeighbors: 4 }]) {
      const o = { ...options, trendingDays: 7, now: 0 };
      const sql = await signalsFromSequences(64, sequences, o);
      const node = buildSignals(64, sequences, o);
      expect(sql.popularity).toEqual(node.popularity);
      for (const kind of ['neighbors', 'transitions'] as const) {
        expect(sql[kind].targets).toEqual(node[kind].targets);
        expect(sql[kind].weights).toEqual(node[kind].weights);
      }
      expect(node.neighbors.targets.filter((t) => t.length > 0).length).toBeGreaterThan(50);
    }
  }, 60_000);

  it('prints its SQL with the input and output contract', () => {
    const sql = aggregateScript(params);
    for (const table of ['log', 'summary', 'item_counts', 'trend_windows', 'co_occurrence', 'transitions', 'bought_together', 'neighbors']) expect(sql).toContain(`CREATE TABLE ${table} AS`);
    expect(sql).toContain('events(user_id VARCHAR, item_id VARCHAR, type VARCHAR, ts DOUBLE epoch ms');
  });
});
