import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { BIGINT, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_SIGNALS_OPTIONS, type NeighborLists, type Sequence, type Signals, type SignalsOptions } from '../../../signals';
import { InputError } from '../read-records';
import { aggregateStatements, OUTPUT_TABLES, WEIGHT_UNITS, type AggregateParams } from './aggregates';
import { createEvents } from './log-input';

export interface EngineOptions {
  /** DuckDB's memory limit, e.g. `4GB`; past it DuckDB spills to `tempDir`. @defaultValue 60 % of RAM */
  memoryLimit?: string;
  /** Where DuckDB spills. @defaultValue DuckDB's own (`<database>.tmp` beside an in-memory database: `.tmp`) */
  tempDir?: string;
  log?: (line: string) => void;
}

/** The signals by catalogue position, as both engines hand them to the catalogue writer (before rounding). */
export interface RawSignals {
  popularity: Float64Array;
  trending: Float64Array;
  trendingWindows: Array<[days: number, counts: Float64Array]>;
  /** Per kind, per source (ascending): its top targets, best first, and their float32 weights. */
  lists: Record<'neighbors' | 'transitions' | 'boughtTogether', Array<[source: number, targets: Int32Array, weights: Float32Array]>>;
  summary: { events: number; unknownItemEvents: number; visitors: number; now: number };
}

/** The default memory limit: most of the machine, leaving room for the catalogue writer in the same process. */
export function defaultMemoryLimit(): string {
  return `${Math.max(256, Math.floor((totalmem() * 0.6) / 2 ** 20))}MB`;
}

/** One in-process DuckDB database for one build; `close()` frees it (and its spill files). */
export async function openEngine(options: EngineOptions = {}): Promise<{ conn: DuckDBConnection; close(): void }> {
  if (options.tempDir) await mkdir(options.tempDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? defaultMemoryLimit(),
    ...(options.tempDir ? { temp_directory: options.tempDir } : {}),
    // Nothing is fetched at run time: Parquet, JSON and ICU are inside the package's binary.
    autoinstall_known_extensions: 'false',
    // The log's own order is the tie-break of equal timestamps, so it must survive every scan.
    preserve_insertion_order: 'true',
  });
  const conn = await instance.connect();
  // Timestamps without an offset are UTC, whatever the machine's zone (ICU's setting, so only once it is loaded).
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** The catalogue as the `items` relation: id and position. */
export async function loadItems(conn: DuckDBConnection, ids: readonly string[]): Promise<void> {
  await conn.run('CREATE TABLE items (item_id VARCHAR, item INTEGER)');
  const appender = await conn.createAppender('items');
  const CHUNK = 2048;
  for (let start = 0; start < ids.length; start += CHUNK) {
    const end = Math.min(ids.length, start + CHUNK);
    const chunk = DuckDBDataChunk.create([VARCHAR, INTEGER], end - start);
    chunk.setColumns([ids.slice(start, end) as string[], Array.from({ length: end - start }, (_, k) => start + k)]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

/** Reads the log into `events` (checking every row) and runs the aggregates of sql/aggregates.ts over it. */
export async function computeAggregates(conn: DuckDBConnection, logSource: string, params: AggregateParams, log: (line: string) => void): Promise<void> {
  let started = performance.now();
  await createEvents(conn, logSource);
  log(`sql: log read and checked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const statement of aggregateStatements(params)) {
    started = performance.now();
    await conn.run(statement.sql);
    log(`sql: ${statement.table} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/**
 * The neighbour lists again with another `maxNeighbors` (the tuned count): only the last statement depends on it,
 * so the log and the co-occurrence tables stay as computed.
 */
export async function recomputeNeighbors(conn: DuckDBConnection, params: AggregateParams): Promise<void> {
  const statement = aggregateStatements(params).find((s) => s.table === 'neighbors')!;
  await conn.run('DROP TABLE neighbors');
  await conn.run(statement.sql);
}

/** `--signals-out`: the output tables as one Parquet file each. */
export async function writeSignalTables(conn: DuckDBConnection, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const table of OUTPUT_TABLES) await conn.run(`COPY ${table} TO '${join(dir, `${table}.parquet`).replaceAll("'", "''")}' (FORMAT parquet)`);
}

/** `--signals-from`: the output tables of a warehouse run, one Parquet file each, as views of the same names. */
export async function attachSignalTables(conn: DuckDBConnection, dir: string): Promise<void> {
  for (const table of OUTPUT_TABLES) {
    const file = join(dir, `${table}.parquet`);
    if (!existsSync(file)) throw new InputError(file, 0, `is missing: --signals-from needs ${OUTPUT_TABLES.map((t) => `${t}.parquet`).join(', ')} (see README, "Aggregates on a warehouse")`);
    await conn.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
  }
}

const KINDS = ['neighbors', 'transitions', 'boughtTogether'] as const;

/**
 * The output tables by catalogue position. Rows of ids not in the catalogue are left out; ties are broken by
 * catalogue position, as the Node engine breaks them, before each list is cut to `maxNeighbors`.
 */
export async function readSignalTables(conn: DuckDBConnection, itemCount: number, params: Pick<AggregateParams, 'maxNeighbors' | 'trendingWindows'>): Promise<RawSignals> {
  const [s] = (await conn.runAndReadAll('SELECT CAST(events AS DOUBLE), CAST(unknown_item_events AS DOUBLE), CAST(visitors AS DOUBLE), CAST(now_ms AS DOUBLE) FROM summary')).getRows();
  if (!s) throw new InputError('summary', 0, 'has no row');
  const summary = { events: Number(s[0]), unknownItemEvents: Number(s[1]), visitors: Number(s[2]), now: Number(s[3]) };
  const popularity = new Float64Array(itemCount);
  const trending = new Float64Array(itemCount);
  await forEachRow(conn, 'SELECT i.item, c.popularity, c.trending FROM item_counts c JOIN items i USING (item_id)', (row) => {
    popularity[row[0] as number] = row[1] as number;
    trending[row[0] as number] = row[2] as number;
  });
  const windows = [...new Set(params.trendingWindows)];
  const trendingWindows = windows.map((days) => [days, new Float64Array(itemCount)] as [number, Float64Array]);
  await forEachRow(conn, 'SELECT w.days, i.item, w.weight FROM trend_windows w JOIN items i USING (item_id)', (row) => {
    const at = windows.indexOf(row[0] as number);
    if (at >= 0) trendingWindows[at]![1][row[1] as number] = row[2] as number;
  });
  const lists: RawSignals['lists'] = { neighbors: [], transitions: [], boughtTogether: [] };
  let current: { kind: number; source: number; targets: number[]; weights: number[] } | null = null;
  const flush = () => {
    if (current) lists[KINDS[current.kind]!].push([current.source, Int32Array.from(current.targets), Float32Array.from(current.weights)]);
  };
  await forEachRow(
    conn,
    `SELECT CASE n.kind WHEN 'neighbors' THEN 0 WHEN 'transitions' THEN 1 WHEN 'boughtTogether' THEN 2 END AS k, s.item AS source, t.item AS target, n.score
FROM neighbors n JOIN items s ON s.item_id = n.source_id JOIN items t ON t.item_id = n.target_id
WHERE n.kind IN ('neighbors', 'transitions', 'boughtTogether')
ORDER BY k, source, n.score DESC, target`,
    (row) => {
      const [kind, source] = [row[0] as number, row[1] as number];
      if (!current || current.kind !== kind || current.source !== source) (flush(), (current = { kind, source, targets: [], weights: [] }));
      if (current.targets.length < params.maxNeighbors) (current.targets.push(row[2] as number), current.weights.push(row[3] as number));
    },
  );
  flush();
  return { popularity, trending, trendingWindows, lists, summary };
}

/**
 * Each visitor's events in time order, as the Node engine's reader builds them: only for the sequence model,
 * which learns from whole sequences. Visitors come in order of their first logged event.
 */
export async function readSequences(conn: DuckDBConnection): Promise<Sequence[]> {
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  const weights: number[] = [];
  const baskets: number[] = [];
  await forEachRow(
    conn,
    `SELECT v.visitor, l.item, l.ts, CAST(l.weight_units AS DOUBLE) / ${WEIGHT_UNITS}, CASE WHEN l.basket THEN 1 ELSE 0 END
FROM log l JOIN (SELECT user_id, row_number() OVER (ORDER BY min(ord)) AS visitor FROM log GROUP BY user_id) v USING (user_id)
ORDER BY v.visitor, l.step`,
    (row) => {
      users.push(Number(row[0]));
      items.push(row[1] as number);
      times.push(row[2] as number);
      weights.push(row[3] as number);
      baskets.push(row[4] as number);
    },
  );
  const all = { items: Int32Array.from(items), times: Float64Array.from(times), weights: Float32Array.from(weights), basket: Uint8Array.from(baskets) };
  const out: Sequence[] = [];
  for (let start = 0; start < users.length; ) {
    let end = start;
    while (end < users.length && users[end] === users[start]) end++;
    out.push({ items: all.items.subarray(start, end), times: all.times.subarray(start, end), weights: all.weights.subarray(start, end), basket: all.basket.subarray(start, end) });
    start = end;
  }
  return out;
}

/** Streams a query's rows chunk by chunk, so a large table never sits in memory as JS objects at once. */
async function forEachRow(conn: DuckDBConnection, sql: string, visit: (row: unknown[]) => void): Promise<void> {
  const result = await conn.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const columns = chunk.getColumns();
    const row = new Array<unknown>(columns.length);
    // rowCount is a call into the native library: once per chunk, not once per row.
    const count = chunk.rowCount;
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < columns.length; c++) row[c] = columns[c]![r];
      visit(row);
    }
  }
}

/**
 * The signals of `buildSignals` (src/signals) computed by the SQL of aggregates.ts instead: what `npm run eval`
 * uses, so that the evaluation measures the build's own engine. Each sequence is a visitor whose events are views
 * (in order, at their times or one step apart); sequences with weights or baskets are for the build's log reader.
 */
export async function signalsFromSequences(itemCount: number, sequences: readonly Sequence[], options: SignalsOptions): Promise<Signals> {
  if (sequences.some((s) => s.weights || s.basket)) throw new Error('signalsFromSequences: sequences with weights or baskets need the build (pocketrec build reads them from the log)');
  const db = await openEngine();
  try {
    await loadItems(db.conn, Array.from({ length: itemCount }, (_, i) => String(i)));
    await db.conn.run('CREATE TABLE events (user_id VARCHAR, item_id VARCHAR, type VARCHAR, ts DOUBLE, rating DOUBLE, ord BIGINT)');
    const appender = await db.conn.createAppender('events');
    let ord = 0;
    const writer = { users: [] as string[], items: [] as string[], ts: [] as number[], ords: [] as bigint[] };
    const flush = () => {
      if (writer.users.length === 0) return;
      const n = writer.users.length;
      const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR, VARCHAR, DOUBLE, DOUBLE, BIGINT], n);
      chunk.setColumns([writer.users, writer.items, new Array<string>(n).fill('view'), writer.ts, new Array<null>(n).fill(null), writer.ords]);
      appender.appendDataChunk(chunk);
      (writer.users = []), (writer.items = []), (writer.ts = []), (writer.ords = []);
    };
    sequences.forEach((s, u) => {
      for (let i = 0; i < s.items.length; i++) {
        writer.users.push(`u${u}`);
        writer.items.push(String(s.items[i]));
        writer.ts.push(s.times?.[i] ?? i);
        writer.ords.push(BigInt(ord++));
        if (writer.users.length === 2048) flush();
      }
    });
    flush();
    appender.closeSync();
    const params = { window: options.window, maxNeighbors: options.maxNeighbors, trendingDays: options.trendingDays, trendingWindows: options.trendingWindows ?? DEFAULT_SIGNALS_OPTIONS.trendingWindows, basketHours: options.basketHours ?? DEFAULT_SIGNALS_OPTIONS.basketHours, now: options.now };
    for (const statement of aggregateStatements(params)) await db.conn.run(statement.sql);
    const raw = await readSignalTables(db.conn, itemCount, params);
    const lists = (rows: RawSignals['lists']['neighbors']): NeighborLists => {
      const out: NeighborLists = { targets: Array.from({ length: itemCount }, () => new Int32Array(0)), weights: Array.from({ length: itemCount }, () => new Float32Array(0)) };
      for (const [source, targets, weights] of rows) (out.targets[source] = targets), (out.weights[source] = weights);
      return out;
    };
    return { popularity: raw.popularity, trending: raw.trending, neighbors: lists(raw.lists.neighbors), transitions: lists(raw.lists.transitions), boughtTogether: lists(raw.lists.boughtTogether), trendingWindows: new Map(raw.trendingWindows) };
  } finally {
    db.close();
  }
}
