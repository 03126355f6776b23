import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
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
 *     (NULL: not in that catalogue);
 * and, once the build that wrote them (or the first to read them) has rounded them, `signals.bin`: the signals
 * as the catalogue writer uses them, so that a later hit reads neither the tables nor rounds them again.
 *
 * The key is sha256 of the cache format, DuckDB's version, the in-process SQL of every statement (which holds the
 * parameters: window, list length, trending windows, `now`) and each log file's path, size and content sha256.
 * A tuning build writes the entry of the neighbour count it chose, which a later build keeping its settings reads.
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

/** Each log file of `source` (a file or a glob, expanded as log-input.ts expands it) with its size and content sha256. */
export async function logFiles(conn: DuckDBConnection, source: string): Promise<LogFile[]> {
  const files = (await conn.runAndReadAll(`SELECT file FROM glob(${quote(source)}) ORDER BY file`)).getRows().map((r) => String(r[0]));
  return Promise.all(files.map(hashLogFile));
}

export interface LogFile {
  file: string;
  size: number;
  sha256: string;
}

/** One log file's size and content sha256 (streamed: a log is not read into memory). */
export async function hashLogFile(file: string): Promise<LogFile> {
  const content = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) content.update(chunk);
  return { file: resolve(file), size: (await stat(file)).size, sha256: content.digest('hex') };
}

/** The key of the aggregates of `files` under `params`. */
export async function aggregateKey(conn: DuckDBConnection, files: readonly LogFile[], params: AggregateParams): Promise<string> {
  const hash = createHash('sha256').update(FORMAT);
  const [version] = (await conn.runAndReadAll('SELECT library_version FROM pragma_version()')).getRows();
  hash.update(`\0duckdb ${String(version?.[0])}`);
  for (const statement of aggregateStatements(params)) hash.update(`\0${inProcessSql(statement)}`);
  for (const f of files) hash.update(`\0${f.file}\0${f.size}\0${f.sha256}`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * Checks the entry of `key` against the catalogue in `conn`'s `items`: null, with nothing created, when there is no
 * complete entry, the catalogue moved an item the log names, or the entry cannot be read (warned about: a damaged
 * cache costs an aggregation, never the build). Else the entry's folder and its rounded signals (`signals.bin`,
 * once a build wrote them), with the cached tables and the views over them created only when there are no
 * signals or `tables` asks for them (`--signals-out`): reading the tables back and rounding them again was most of
 * a cache hit's time.
 */
export async function readCachedAggregates(conn: DuckDBConnection, dir: string, key: string, params: AggregateParams, log: (line: string) => void, tables = false): Promise<{ folder: string; signals: CachedSignals | null } | null> {
  const folder = join(dir, `aggregates-${key}`);
  if (!TABLES.every((t) => existsSync(join(folder, `${t}.parquet`)))) {
    log(`sql: no cached aggregates of this log and these settings in ${dir}, aggregating it`);
    return null;
  }
  const parquet = (table: string) => `read_parquet(${quote(join(folder, `${table}.parquet`))})`;
  const created: string[] = [];
  let signals: CachedSignals | null = null;
  try {
    // The catalogue check first: a miss reads one small file, not the neighbour rows.
    const [moved] = (await conn.runAndReadAll(`SELECT count(*) FROM ${parquet('log_items')} c LEFT JOIN items i USING (item_id) WHERE c.item IS DISTINCT FROM i.item`)).getRows();
    if (Number(moved?.[0] ?? 0) > 0) {
      log(`sql: the cached aggregates of this log do not fit this catalogue (${Number(moved![0])} item ids the log names moved, came or went), aggregating it`);
      return null;
    }
    signals = await readCachedSignals(folder);
    if (!signals || tables) for (const table of TABLES) if (table !== 'log_items') await conn.run(`CREATE TABLE ${table} AS SELECT * FROM ${parquet(table)}`), created.push(table);
  } catch (error) {
    for (const table of created) await conn.run(`DROP TABLE ${table}`);
    log(`sql: the cached aggregates in ${folder} cannot be read (${(error as Error).message.split('\n')[0]}), aggregating the log`);
    return null;
  }
  if (created.length > 0) for (const statement of aggregateStatements(params)) if (VIEWS_OVER_CACHED.includes(statement.table)) await conn.run(inProcessSql(statement));
  const now = new Date();
  await utimes(folder, now, now);
  log(`sql: aggregates read from the cache (${folder}${signals ? ', rounded signals' : ''}): the log and the settings are those of an earlier build`);
  return { folder, signals };
}

/** The kinds of neighbour lists, in the order the catalogue writer hashes them. */
export const LIST_KINDS = ['neighbors', 'transitions', 'boughtTogether'] as const;

/**
 * The signals by catalogue position as the catalogue writer rounds them (build-catalog.ts): each kind's lists
 * flat, `rows` holding (source, length) pairs in source order and the lists' targets and weights one after another.
 */
export interface RoundedSignals {
  popularity: Float64Array;
  trending: Float64Array;
  trendingWindows: Array<[days: number, values: Float64Array]>;
  lists: Record<(typeof LIST_KINDS)[number], { rows: Int32Array; targets: Int32Array; weights: Float64Array }>;
}

export interface CachedSignals {
  signals: RoundedSignals;
  summary: { events: number; unknownItemEvents: number; visitors: number; now: number };
}

const SIGNALS_FILE = 'signals.bin';
const SIGNALS_FORMAT = 'pocketrec-rounded-signals-1';
const ALIGN = 8;
const aligned = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** The arrays of `signals.bin` in their order, with the typed array each is read into. */
function signalArrays(s: RoundedSignals): Array<[string, Float64Array | Int32Array]> {
  return [
    ['popularity', s.popularity],
    ['trending', s.trending],
    ...s.trendingWindows.map(([days, values]) => [`last_${days}`, values] as [string, Float64Array]),
    ...LIST_KINDS.flatMap((kind) => [[`${kind}.rows`, s.lists[kind].rows], [`${kind}.targets`, s.lists[kind].targets], [`${kind}.weights`, s.lists[kind].weights]] as Array<[string, Float64Array | Int32Array]>),
  ];
}

/**
 * Writes the rounded signals of an entry's tables into it (`signals.bin`: a little-endian u32 header length, a
 * JSON header, then each array 8-byte aligned), so the next hit skips reading the tables and rounding them.
 * Best effort, as the tables are: a failure is warned about and costs the next build that work.
 */
export async function writeCachedSignals(folder: string, cached: CachedSignals, log: (line: string) => void): Promise<void> {
  const arrays = signalArrays(cached.signals);
  const header = new TextEncoder().encode(JSON.stringify({ format: SIGNALS_FORMAT, summary: cached.summary, windows: cached.signals.trendingWindows.map(([days]) => days), lengths: arrays.map(([, a]) => a.length) }));
  const chunks: Uint8Array[] = [new Uint8Array(new Uint32Array([header.byteLength]).buffer), header, new Uint8Array(aligned(4 + header.byteLength) - 4 - header.byteLength)];
  for (const [, a] of arrays) chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(aligned(a.byteLength) - a.byteLength));
  const partial = join(folder, `${SIGNALS_FILE}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(partial, chunks);
    await rename(partial, join(folder, SIGNALS_FILE));
  } catch (error) {
    log(`sql: the rounded signals could not be cached in ${folder} (${(error as Error).message}); the next build reads the tables again`);
    await rm(partial, { force: true }).catch(() => {});
  }
}

/** The entry's rounded signals; null when no build wrote them yet. @throws Error when the file is damaged */
async function readCachedSignals(folder: string): Promise<CachedSignals | null> {
  const file = join(folder, SIGNALS_FILE);
  if (!existsSync(file)) return null;
  const bytes = await readFile(file);
  // readFile of a large file gives a buffer of its own (offset 0); a pooled one is copied to align the views.
  const buffer = bytes.byteOffset % ALIGN === 0 ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const base = bytes.byteOffset % ALIGN === 0 ? bytes.byteOffset : 0;
  const damaged = (why: string) => new Error(`${file} ${why}`);
  if (bytes.byteLength < 4) throw damaged('is truncated');
  const headerLength = bytes.readUInt32LE(0);
  if (4 + headerLength > bytes.byteLength) throw damaged('is truncated');
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as { format: string; summary: CachedSignals['summary']; windows: number[]; lengths: number[] };
  if (header.format !== SIGNALS_FORMAT) throw damaged(`is ${String(header.format)}, not ${SIGNALS_FORMAT}`);
  let at = aligned(4 + headerLength);
  let k = 0;
  const take = <T extends Float64Array | Int32Array>(make: new (b: ArrayBufferLike, offset: number, length: number) => T): T => {
    const length = header.lengths[k++];
    const width = make === (Float64Array as unknown) ? 8 : 4;
    if (length === undefined || at + length * width > bytes.byteLength) throw damaged('is truncated');
    const view = new make(buffer, base + at, length);
    at += aligned(length * width);
    return view;
  };
  const popularity = take(Float64Array);
  const trending = take(Float64Array);
  const trendingWindows = header.windows.map((days) => [days, take(Float64Array)] as [number, Float64Array]);
  const lists = {} as RoundedSignals['lists'];
  for (const kind of LIST_KINDS) lists[kind] = { rows: take(Int32Array), targets: take(Int32Array), weights: take(Float64Array) };
  if (k !== header.lengths.length || at !== bytes.byteLength) throw damaged('does not hold the arrays its header lists');
  return { signals: { popularity, trending, trendingWindows, lists }, summary: header.summary };
}

/**
 * Writes the tables of a finished aggregation in `conn` as the entry of `key`, and removes all but the few
 * entries used last; returns the entry's folder (null when not written). Best effort: a cache that cannot be
 * written is warned about, never a failed build. DuckDB starts on it before this returns its promise, in one
 * script, so that the build's own thread can go on meanwhile (its work does not give the event loop a turn).
 */
export async function writeCachedAggregates(conn: DuckDBConnection, dir: string, key: string, log: (line: string) => void): Promise<string | null> {
  const folder = join(dir, `aggregates-${key}`);
  const partial = `${folder}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(partial, { recursive: true });
    const started = performance.now();
    await conn.run(
      [
        // Every id the log names, the unknown ones too: one that joins the catalogue later changes the log's rows.
        'CREATE TEMP TABLE log_items AS SELECT e.item_id, any_value(i.item) AS item FROM events e LEFT JOIN items i USING (item_id) GROUP BY e.item_id',
        ...TABLES.map((table) => `COPY ${table} TO ${quote(join(partial, `${table}.parquet`))} (FORMAT parquet)`),
        'DROP TABLE log_items',
      ].join(';\n'),
    );
    await rm(folder, { recursive: true, force: true });
    await rename(partial, folder);
    log(`sql: aggregates cached in ${folder} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    await prune(dir);
    return folder;
  } catch (error) {
    log(`sql: the aggregates could not be cached in ${dir} (${(error as Error).message}); the next build aggregates the log again`);
    await rm(partial, { recursive: true, force: true }).catch(() => {});
    return null;
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
