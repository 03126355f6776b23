import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { aggregateStatements, inProcessSql, type AggregateParams } from './sql/aggregates';
import { quote } from './sql/log-input';

/**
 * The aggregate cache: the tables an in-process aggregation of the log leaves for the catalogue writer, kept as
 * Parquet beside the embedding cache, so that a build on an unchanged log (an incremental build after the items
 * changed, a rebuild with another encoder) reads them back instead of aggregating the log again.
 *
 * On disk: one folder per key, `<dir>/aggregates-<key>/`, written under another name and renamed when complete,
 * holding one Parquet file per table:
 *   summary(events, unknown_item_events, visitors, now_ms), item_windows(item, popularity, trending, last_<days>…),
 *   neighbor_rows(kind, source, target, score, r): the in-process forms of src/cli/build/sql/aggregates.ts, on
 *     catalogue positions (the `--signals-from` tables are these with item ids joined on);
 *   log_items(item_id VARCHAR, item INTEGER NULL): every item id the log names, with the catalogue position it had
 *     (NULL: not in that catalogue).
 *
 * The key is sha256 of the cache format, DuckDB's version, the in-process SQL of every statement (which holds the
 * parameters: window, list length, trending windows, `now`) and each log file's path, size and content sha256.
 * The tables also depend on the catalogue, which the SQL joins the log with: events of unknown items are left out
 * and items are keyed by position. So a cached entry is used only when every id of `log_items` has the same
 * position in this catalogue (or is still absent from it); items the log never names may come, go or change.
 */
const FORMAT = 'pocketrec-aggregates-1';
/** The tables the catalogue writer reads (duckdb-engine.ts, `readSignalTables`), as the cache keeps them. */
const TABLES = ['summary', 'item_windows', 'neighbor_rows', 'log_items'] as const;
/** Entries kept, the one in use included: a few logs' worth, not one per build. */
const KEEP_ENTRIES = 3;
/** The id-keyed output tables (`--signals-out`), views over the cached ones as the aggregation makes them. */
const VIEWS_OVER_CACHED = ['item_counts', 'trend_windows', 'neighbors'];

/** The key of the aggregates of `source` (a file or a glob, expanded as log-input.ts expands it) under `params`. */
export async function aggregateKey(conn: DuckDBConnection, source: string, params: AggregateParams): Promise<string> {
  const hash = createHash('sha256').update(FORMAT);
  const [version] = (await conn.runAndReadAll('SELECT library_version FROM pragma_version()')).getRows();
  hash.update(`\0duckdb ${String(version?.[0])}`);
  for (const statement of aggregateStatements(params)) hash.update(`\0${inProcessSql(statement)}`);
  const files = (await conn.runAndReadAll(`SELECT file FROM glob(${quote(source)}) ORDER BY file`)).getRows().map((r) => String(r[0]));
  for (const file of files) {
    const content = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) content.update(chunk);
    hash.update(`\0${resolve(file)}\0${(await stat(file)).size}\0${content.digest('hex')}`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Creates the cached tables of `key` in `conn` (where `items` holds this build's catalogue) and the views over
 * them; false, with nothing created, when there is no complete entry, the catalogue moved an item the log names,
 * or the entry cannot be read (warned about: a damaged cache costs an aggregation, never the build).
 */
export async function readCachedAggregates(conn: DuckDBConnection, dir: string, key: string, params: AggregateParams, log: (line: string) => void): Promise<boolean> {
  const folder = join(dir, `aggregates-${key}`);
  if (!TABLES.every((t) => existsSync(join(folder, `${t}.parquet`)))) {
    log(`sql: no cached aggregates of this log and these settings in ${dir}, aggregating it`);
    return false;
  }
  const parquet = (table: string) => `read_parquet(${quote(join(folder, `${table}.parquet`))})`;
  const created: string[] = [];
  try {
    // The catalogue check first: a miss reads one small file, not the neighbour rows.
    const [moved] = (await conn.runAndReadAll(`SELECT count(*) FROM ${parquet('log_items')} c LEFT JOIN items i USING (item_id) WHERE c.item IS DISTINCT FROM i.item`)).getRows();
    if (Number(moved?.[0] ?? 0) > 0) {
      log(`sql: the cached aggregates of this log do not fit this catalogue (${Number(moved![0])} item ids the log names moved, came or went), aggregating it`);
      return false;
    }
    for (const table of TABLES) if (table !== 'log_items') await conn.run(`CREATE TABLE ${table} AS SELECT * FROM ${parquet(table)}`), created.push(table);
  } catch (error) {
    for (const table of created) await conn.run(`DROP TABLE ${table}`);
    log(`sql: the cached aggregates in ${folder} cannot be read (${(error as Error).message.split('\n')[0]}), aggregating the log`);
    return false;
  }
  for (const statement of aggregateStatements(params)) if (VIEWS_OVER_CACHED.includes(statement.table)) await conn.run(inProcessSql(statement));
  const now = new Date();
  await utimes(folder, now, now);
  log(`sql: aggregates read from the cache (${folder}): the log and the settings are those of an earlier build`);
  return true;
}

/**
 * Writes the tables of a finished aggregation in `conn` as the entry of `key`, and removes all but the few
 * entries used last. Best effort: a cache that cannot be written is warned about, never a failed build.
 */
export async function writeCachedAggregates(conn: DuckDBConnection, dir: string, key: string, log: (line: string) => void): Promise<void> {
  const folder = join(dir, `aggregates-${key}`);
  const partial = `${folder}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(partial, { recursive: true });
    const started = performance.now();
    // Every id the log names, the unknown ones too: one that joins the catalogue later changes the log's rows.
    await conn.run('CREATE TEMP TABLE log_items AS SELECT e.item_id, any_value(i.item) AS item FROM events e LEFT JOIN items i USING (item_id) GROUP BY e.item_id');
    for (const table of TABLES) await conn.run(`COPY ${table} TO ${quote(join(partial, `${table}.parquet`))} (FORMAT parquet)`);
    await conn.run('DROP TABLE log_items');
    await rm(folder, { recursive: true, force: true });
    await rename(partial, folder);
    log(`sql: aggregates cached in ${folder} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    await prune(dir);
  } catch (error) {
    log(`sql: the aggregates could not be cached in ${dir} (${(error as Error).message}); the next build aggregates the log again`);
    await rm(partial, { recursive: true, force: true }).catch(() => {});
  }
}

async function prune(dir: string): Promise<void> {
  const entries = await Promise.all(
    (await readdir(dir))
      .filter((n) => n.startsWith('aggregates-') && !n.includes('.tmp-'))
      .map(async (n) => ({ path: join(dir, n), used: (await stat(join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  entries.sort((a, b) => b.used - a.used);
  for (const e of entries.slice(KEEP_ENTRIES)) await rm(e.path, { recursive: true, force: true });
}
