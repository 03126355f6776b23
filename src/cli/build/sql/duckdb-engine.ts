import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import bindings from '@duckdb/node-bindings';
import { BIGINT, DOUBLE, DuckDBDataChunk, DuckDBInstance, DuckDBTypeId, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBResult, type DuckDBVector } from '@duckdb/node-api';
import { DEFAULT_SIGNALS_OPTIONS, type NeighborLists, type Sequence, type Signals, type SignalsOptions } from '../../../signals';
import { InputError } from '../read-records';
import { Column } from '../columns';
import { aggregateStatements, inProcessSql, neighborRowsInSteps, OUTPUT_TABLES, WEIGHT_UNITS, type AggregateParams } from './aggregates';
import { createEvents, quote } from './log-input';

export interface EngineOptions {
  /** DuckDB's memory limit, e.g. `4GB`; past it DuckDB spills to `tempDir`. @defaultValue 60 % of RAM */
  memoryLimit?: string;
  /** Where DuckDB spills. @defaultValue DuckDB's own (`<database>.tmp` beside an in-memory database: `.tmp`) */
  tempDir?: string;
  /** DuckDB's threads; `setThreads` changes them while it works. @defaultValue every core */
  threads?: number;
  log?: (line: string) => void;
}

/** The signals by catalogue position, as both engines hand them to the catalogue writer (before rounding). */
export interface RawSignals {
  popularity: Float64Array;
  trending: Float64Array;
  trendingWindows: Array<[days: number, counts: Float64Array]>;
  /**
   * Per kind, per source (ascending): its top targets, best first, and their float32 weights, as flat arrays
   * (`rows`: source and length pairs): 10⁷ rows at 10⁶ items, with no object per list.
   */
  lists: Record<'neighbors' | 'transitions' | 'boughtTogether', FlatListArrays>;
  summary: { events: number; unknownItemEvents: number; visitors: number; now: number };
}

/** `FlatLists` (src/catalog) in typed arrays. */
export interface FlatListArrays {
  rows: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** The default memory limit: most of the machine, leaving room for the catalogue writer in the same process. */
export function defaultMemoryLimit(): string {
  return `${Math.max(256, Math.floor((totalmem() * 0.6) / 2 ** 20))}MB`;
}

/** One in-process DuckDB database for one build; `close()` frees it (and its spill files). */
export async function openEngine(options: EngineOptions = {}): Promise<{ conn: DuckDBConnection; setThreads(threads: number): Promise<void>; shrinkMemory(fraction: number): Promise<void>; close(): void }> {
  if (options.tempDir) await mkdir(options.tempDir, { recursive: true });
  const memoryLimit = options.memoryLimit ?? defaultMemoryLimit();
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: memoryLimit,
    ...(options.tempDir ? { temp_directory: options.tempDir } : {}),
    // Nothing is fetched at run time: Parquet, JSON and ICU are inside the package's binary.
    autoinstall_known_extensions: 'false',
    // The log's own order is the tie-break of equal timestamps, so it must survive every scan.
    preserve_insertion_order: 'true',
    ...(options.threads ? { threads: String(options.threads) } : {}),
  });
  const conn = await instance.connect();
  // A connection of its own: `conn` is busy with a statement when the thread count changes.
  let control: DuckDBConnection | null = null;
  // Timestamps without an offset are UTC, whatever the machine's zone (ICU's setting, so only once it is loaded).
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    async setThreads(threads) {
      control ??= await instance.connect();
      await control.run(`SET threads = ${Math.max(1, Math.floor(threads))}`);
    },
    // What it holds past the new limit spills to `tempDir`.
    async shrinkMemory(fraction) {
      await conn.run(`SET memory_limit = '${Math.max(64, Math.floor((bytesOf(memoryLimit) * fraction) / 1e6))}MB'`);
    },
    close() {
      control?.closeSync();
      conn.closeSync();
      instance.closeSync();
    },
  };
}

const UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** The bytes of a `--memory-limit` as DuckDB reads it (`4GB`, `512MiB`, `1.5 GB`); null for any other form. */
export function memoryBytes(size: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b)$/i.exec(size.trim());
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : null;
}

function bytesOf(size: string): number {
  const bytes = memoryBytes(size);
  if (bytes === null) throw new RangeError(`build: ${JSON.stringify(size)} is not a size such as 4GB or 512MB`);
  return bytes;
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

/**
 * The `items` relation read by DuckDB itself from a Parquet items file (or glob), id and position in file order,
 * so that the aggregation need not wait for the catalogue's own pass over the items. Only text ids qualify (a
 * number's decimal form is the catalogue's business); returns false, having created nothing, for any other. The
 * catalogue's ids are compared with these before any result is used (`hasItems`).
 */
export async function loadItemsFromParquet(conn: DuckDBConnection, source: string): Promise<boolean> {
  const scan = `read_parquet(${quote(source)}, filename = true, file_row_number = true)`;
  const types = (await conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${scan})`)).getRows();
  if (!types.some(([name, type]) => name === 'id' && type === 'VARCHAR')) return false;
  await conn.run(`CREATE TABLE items AS SELECT id AS item_id, CAST(row_number() OVER (ORDER BY filename, file_row_number) - 1 AS INTEGER) AS item FROM ${scan}`);
  return true;
}

/** The rows of a table or view. */
export async function countRows(conn: DuckDBConnection, table: string): Promise<number> {
  return Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0]![0]);
}

/**
 * Whether the `items` relation holds exactly `ids`, in order: what the aggregates were computed on. Compared by
 * a digest of the length-prefixed ids (UTF-8 bytes, so no id can run into the next) that each side computes
 * itself: 10⁶ ids read into JS one `getItem` at a time were a second on the build's critical path.
 */
export async function hasItems(conn: DuckDBConnection, ids: readonly string[]): Promise<boolean> {
  const [row] = (await conn.runAndReadAll("SELECT count(*), sha256(COALESCE(string_agg(CAST(strlen(item_id) AS VARCHAR) || ':' || item_id, '' ORDER BY item), '')) FROM items")).getRows();
  if (Number(row![0]) !== ids.length) return false;
  const digest = createHash('sha256');
  for (let start = 0; start < ids.length; start += 65_536) digest.update(ids.slice(start, start + 65_536).map((id) => `${Buffer.byteLength(id)}:${id}`).join(''));
  return digest.digest('hex') === row![1];
}

/** Drops the aggregates and the `items` relation, keeping `events`: to compute them again on other items. */
export async function resetAggregates(conn: DuckDBConnection): Promise<void> {
  for (const name of ['neighbors', 'item_counts', 'trend_windows']) await conn.run(`DROP VIEW IF EXISTS ${name}`);
  await dropIntermediates(conn);
  for (const name of ['neighbor_rows', 'item_windows', 'summary', 'items']) await conn.run(`DROP TABLE IF EXISTS ${name}`);
}

/** Reads the log into `events`, checking every row (throws BadRowsError naming file and row), and times it. */
export async function readLog(conn: DuckDBConnection, logSource: string, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  await createEvents(conn, logSource);
  log(`sql: log read and checked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Reads the log into `events` (checking every row) and runs the aggregates of sql/aggregates.ts over it. */
export async function computeAggregates(conn: DuckDBConnection, logSource: string, params: AggregateParams, log: (line: string) => void): Promise<void> {
  await readLog(conn, logSource, log);
  await runAggregates(conn, params, log);
}

/** Shares of the sources the co-occurrence ranking is split into while DuckDB has fewer cores than the machine. */
const RANKING_SHARES = 4;

/**
 * The aggregate statements over the `events` and `items` relations already in `conn`, each timed in the log.
 * `sharing` says whether DuckDB is on fewer cores than it will be given (the catalogue's pass holds one): then
 * the neighbour lists are ranked in steps that each take the threads DuckDB has when they begin.
 */
export async function runAggregates(conn: DuckDBConnection, params: AggregateParams, log: (line: string) => void, o: { signal?: AbortSignal; sharing?: () => boolean } = {}): Promise<void> {
  // The log's order is kept in its `ord` column from here on (log-input.ts): no later scan needs to keep it,
  // and parallel operators that may reorder are faster and spill less.
  await conn.run('SET preserve_insertion_order = false');
  const run = async (what: string, sql: string) => {
    o.signal?.throwIfAborted();
    const started = performance.now();
    await conn.run(sql);
    log(`sql: ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  for (const statement of aggregateStatements(params)) {
    if (statement.table === 'neighbor_rows' && o.sharing?.()) await rankInSteps(params, run, o.sharing);
    else await run(statement.table, inProcessSql(statement));
  }
}

async function rankInSteps(params: AggregateParams, run: (what: string, sql: string) => Promise<void>, sharing: () => boolean): Promise<void> {
  const steps = neighborRowsInSteps(params, RANKING_SHARES);
  for (const [about, sql] of steps.first) await run(`neighbor_rows (${about})`, sql);
  let k = 0;
  while (k < RANKING_SHARES && sharing()) await run(`neighbor_rows (share ${k + 1} of ${RANKING_SHARES}, on fewer cores)`, steps.share(k++));
  if (k < RANKING_SHARES) await run(`neighbor_rows (shares ${k + 1} to ${RANKING_SHARES})`, steps.rest(k));
  for (const [about, sql] of steps.last) await run(`neighbor_rows (${about})`, sql);
}

/**
 * The neighbour lists again with another `maxNeighbors` (the tuned count): only `neighbor_rows` depends on it, so
 * the log, `ahead` and the stored pair tables stay as computed (co-occurrence, a view, is summed again; the
 * `neighbors` view reads the new rows).
 */
export async function recomputeNeighbors(conn: DuckDBConnection, params: AggregateParams): Promise<void> {
  const statement = aggregateStatements(params).find((s) => s.table === 'neighbor_rows')!;
  await conn.run(inProcessSql(statement, { replace: true }));
}

/**
 * Frees what only led to the output tables (the log and the pair tables, views first), so that their memory is
 * DuckDB's no more while the lists cross into JS. A no-op for tables that came from `--signals-from`.
 */
export async function dropIntermediates(conn: DuckDBConnection): Promise<void> {
  // Dependants first: the views over the log go before it (inProcessSql makes co_occurrence and ahead views).
  for (const [kind, name] of [['VIEW', 'co_occurrence'], ['VIEW', 'ahead'], ['TABLE', 'transitions'], ['TABLE', 'bought_together'], ['TABLE', 'log']]) await conn.run(`DROP ${kind} IF EXISTS ${name}`);
}

/** `--signals-out`: the output tables as one Parquet file each. */
export async function writeSignalTables(conn: DuckDBConnection, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const table of OUTPUT_TABLES) await conn.run(`COPY ${table} TO ${quote(join(dir, `${table}.parquet`))} (FORMAT parquet)`);
}

/** `--signals-from`: the output tables of a warehouse run, one Parquet file each, as views of the same names. */
export async function attachSignalTables(conn: DuckDBConnection, dir: string): Promise<void> {
  for (const table of OUTPUT_TABLES) {
    const file = join(dir, `${table}.parquet`);
    if (!existsSync(file)) throw new InputError(file, 0, `is missing: --signals-from needs ${OUTPUT_TABLES.map((t) => `${t}.parquet`).join(', ')} (see README, "Aggregates on a warehouse")`);
    await conn.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet(${quote(file)})`);
  }
}

const KINDS = ['neighbors', 'transitions', 'boughtTogether'] as const;

/** Whether the aggregates ran here (their integer tables exist) rather than coming from `--signals-from`. */
async function ranHere(conn: DuckDBConnection): Promise<boolean> {
  const rows = (await conn.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'neighbor_rows'")).getRows();
  return Number(rows[0]?.[0] ?? 0) > 0;
}

/**
 * The output tables by catalogue position. Rows of ids not in the catalogue are left out; ties are broken by
 * catalogue position, as the Node engine breaks them, before each list is cut to `maxNeighbors`. When the
 * aggregates ran in this database their integer tables are read instead of the id-keyed views, so no id string
 * is joined or crosses into JS.
 */
export async function readSignalTables(conn: DuckDBConnection, itemCount: number, params: Pick<AggregateParams, 'maxNeighbors' | 'trendingWindows'>): Promise<RawSignals> {
  const [s] = (await conn.runAndReadAll('SELECT CAST(events AS DOUBLE), CAST(unknown_item_events AS DOUBLE), CAST(visitors AS DOUBLE), CAST(now_ms AS DOUBLE) FROM summary')).getRows();
  if (!s) throw new InputError('summary', 0, 'has no row');
  const summary = { events: Number(s[0]), unknownItemEvents: Number(s[1]), visitors: Number(s[2]), now: Number(s[3]) };
  const here = await ranHere(conn);
  const popularity = new Float64Array(itemCount);
  const trending = new Float64Array(itemCount);
  // A warehouse's table may hold nulls (no signal); the build's own never does, and is read as typed arrays.
  if (here) {
    await forEachNumberChunk(conn, 'SELECT item, popularity, trending FROM item_windows', ([item, pop, trend], count) => {
      for (let r = 0; r < count; r++) (popularity[item![r]!] = pop![r]!), (trending[item![r]!] = trend![r]!);
    });
  } else {
    await forEachChunk(conn, 'SELECT i.item, c.popularity, c.trending FROM item_counts c JOIN items i USING (item_id)', ([item, pop, trend], count) => {
      for (let r = 0; r < count; r++) {
        const i = item!.getItem(r) as number;
        popularity[i] = pop!.getItem(r) as number;
        trending[i] = trend!.getItem(r) as number;
      }
    });
  }
  const windows = [...new Set(params.trendingWindows)];
  const trendingWindows = windows.map((days) => [days, new Float64Array(itemCount)] as [number, Float64Array]);
  if (here && windows.length > 0) {
    // item_windows has one column per window (aggregates.ts): zero where the id-keyed table has no row.
    await forEachNumberChunk(conn, `SELECT item, ${windows.map((days) => `last_${days}`).join(', ')} FROM item_windows`, ([item, ...weights], count) => {
      for (let w = 0; w < weights.length; w++) {
        const out = trendingWindows[w]![1];
        const column = weights[w]!;
        for (let r = 0; r < count; r++) out[item![r]!] = column[r]!;
      }
    });
  } else if (!here) {
    await forEachChunk(conn, 'SELECT w.days, i.item, w.weight FROM trend_windows w JOIN items i USING (item_id)', ([days, item, weight], count) => {
      for (let r = 0; r < count; r++) {
        const at = windows.indexOf(Number(days!.getItem(r)));
        if (at >= 0) trendingWindows[at]![1][item!.getItem(r) as number] = weight!.getItem(r) as number;
      }
    });
  }
  const lists = here
    ? await readListTable(conn, itemCount)
    : await readLists(
        conn,
        `SELECT CASE n.kind WHEN 'neighbors' THEN 0 WHEN 'transitions' THEN 1 WHEN 'boughtTogether' THEN 2 END AS k, s.item AS source, t.item AS target, n.score
FROM neighbors n JOIN items s ON s.item_id = n.source_id JOIN items t ON t.item_id = n.target_id
WHERE n.kind IN ('neighbors', 'transitions', 'boughtTogether')
ORDER BY k, source, n.score DESC, target`,
        params.maxNeighbors,
      );
  return { popularity, trending, trendingWindows, lists, summary };
}

/**
 * The in-process `neighbor_rows` (each list already cut, every row with its place `r` in it) as one flat pair of
 * typed arrays per kind, in source order, each list a view into them. The lists' lengths come first (one row per
 * source), so the arrays are allocated once at their size and each row is written where it belongs as it streams
 * in: DuckDB never sorts the rows, and nothing per row is allocated in JS.
 */
async function readListTable(conn: DuckDBConnection, itemCount: number): Promise<RawSignals['lists']> {
  const lengths = KINDS.map(() => new Int32Array(itemCount));
  await forEachNumberChunk(conn, 'SELECT kind, source, CAST(count(*) AS INTEGER) FROM neighbor_rows GROUP BY kind, source', ([kinds, sources, counts], count) => {
    for (let r = 0; r < count; r++) lengths[kinds![r]!]![sources![r]!] = counts![r]!;
  });
  const flat = lengths.map((length) => {
    const starts = new Float64Array(itemCount + 1);
    for (let i = 0; i < itemCount; i++) starts[i + 1] = starts[i]! + length[i]!;
    return { starts, targets: new Int32Array(starts[itemCount]!), weights: new Float32Array(starts[itemCount]!) };
  });
  await forEachNumberChunk(conn, 'SELECT kind, source, target, score, r FROM neighbor_rows', ([kinds, sources, targets, scores, places], count) => {
    for (let r = 0; r < count; r++) {
      const f = flat[kinds![r]!]!;
      const at = f.starts[sources![r]!]! + places![r]! - 1;
      f.targets[at] = targets![r]!;
      f.weights[at] = scores![r]!;
    }
  });
  const out = {} as RawSignals['lists'];
  KINDS.forEach((name, k) => {
    const { targets, weights } = flat[k]!;
    const length = lengths[k]!;
    let sources = 0;
    for (let i = 0; i < itemCount; i++) if (length[i]! > 0) sources++;
    const rows = new Int32Array(sources * 2);
    for (let i = 0, r = 0; i < itemCount; i++) if (length[i]! > 0) (rows[r++] = i), (rows[r++] = length[i]!);
    out[name] = { rows, targets, weights };
  });
  return out;
}

/**
 * Rows (kind 0–2, source, target, score) ordered by kind, source, score descending and target, as one flat pair
 * of typed arrays per kind, cut to `maxNeighbors` per source; each list is a view into them, not an array of its own.
 */
async function readLists(conn: DuckDBConnection, sql: string, maxNeighbors: number): Promise<RawSignals['lists']> {
  const flat = KINDS.map(() => ({ targets: new Column((n) => new Int32Array(n)), weights: new Column((n) => new Float32Array(n)), rows: [] as number[] }));
  let kind = -1;
  let source = -1;
  let kept = 0;
  await forEachChunk(conn, sql, ([kinds, sources, targets, scores], count) => {
    for (let r = 0; r < count; r++) {
      const k = kinds!.getItem(r) as number;
      const s = sources!.getItem(r) as number;
      if (k !== kind || s !== source) {
        (kind = k), (source = s), (kept = 0);
        flat[k]!.rows.push(s, flat[k]!.targets.length);
      }
      if (kept++ >= maxNeighbors) continue;
      flat[k]!.targets.push(targets!.getItem(r) as number);
      flat[k]!.weights.push(scores!.getItem(r) as number);
    }
  });
  const out = {} as RawSignals['lists'];
  KINDS.forEach((name, k) => {
    const { rows: starts } = flat[k]!;
    const targets = flat[k]!.targets.view();
    // (source, start) pairs become (source, length) ones.
    const rows = Int32Array.from(starts, (v, r) => (r % 2 === 0 ? v : (r + 2 < starts.length ? starts[r + 2]! : targets.length) - v));
    out[name] = { rows, targets, weights: flat[k]!.weights.view() };
  });
  return out;
}

/**
 * Each visitor's events in time order, as the Node engine's reader builds them: only for the sequence model,
 * which learns from whole sequences. Visitors come in order of their first logged event.
 */
export async function readSequences(conn: DuckDBConnection): Promise<Sequence[]> {
  const users = new Column((n) => new Int32Array(n));
  const items = new Column((n) => new Int32Array(n));
  const times = new Column((n) => new Float64Array(n));
  const weights = new Column((n) => new Float32Array(n));
  const baskets = new Column((n) => new Uint8Array(n));
  await forEachChunk(
    conn,
    `SELECT CAST(v.visitor AS INTEGER), l.item, l.ts, CAST(l.weight_units AS DOUBLE) / ${WEIGHT_UNITS}, CAST(CASE WHEN l.basket THEN 1 ELSE 0 END AS INTEGER)
FROM log l JOIN (SELECT user_id, row_number() OVER (ORDER BY min(ord)) AS visitor FROM log GROUP BY user_id) v USING (user_id)
ORDER BY v.visitor, l.step`,
    ([user, item, ts, weight, basket], count) => {
      for (let r = 0; r < count; r++) {
        users.push(user!.getItem(r) as number);
        items.push(item!.getItem(r) as number);
        times.push(ts!.getItem(r) as number);
        weights.push(weight!.getItem(r) as number);
        baskets.push(basket!.getItem(r) as number);
      }
    },
  );
  const u = users.view();
  const all = { items: items.view(), times: times.view(), weights: weights.view(), basket: baskets.view() };
  const out: Sequence[] = [];
  for (let start = 0; start < u.length; ) {
    let end = start;
    while (end < u.length && u[end] === u[start]) end++;
    out.push({ items: all.items.subarray(start, end), times: all.times.subarray(start, end), weights: all.weights.subarray(start, end), basket: all.basket.subarray(start, end) });
    start = end;
  }
  return out;
}

const NUMBER_COLUMNS = new Map<DuckDBTypeId, Int32ArrayConstructor | Float64ArrayConstructor>([
  [DuckDBTypeId.INTEGER, Int32Array],
  [DuckDBTypeId.DOUBLE, Float64Array],
]);

/**
 * `forEachChunk` for a query of INTEGER and DOUBLE columns without nulls: each column is handed over as a typed
 * array over DuckDB's own memory (valid while `visit` runs), not a vector read one `getItem` call at a time,
 * which was most of reading 10⁷ neighbour rows. A null anywhere is an error, never a silent zero.
 */
async function forEachNumberChunk(conn: DuckDBConnection, sql: string, visit: (columns: Array<Int32Array | Float64Array>, count: number) => void): Promise<void> {
  const result = await conn.stream(sql);
  const arrays = result.columnTypes().map((type, c) => {
    const array = NUMBER_COLUMNS.get(type.typeId);
    if (!array) throw new Error(`build: column ${result.columnName(c)} of "${sql}" is ${type.toString()}, not INTEGER or DOUBLE`);
    return array;
  });
  for await (const chunk of chunksOf(result)) {
    const count = chunk.rowCount;
    visit(
      arrays.map((View, c) => {
        const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
        if (bindings.vector_get_validity(vector, Math.ceil(count / 64) * 8)) {
          // A mask is there: it may still say every row is valid.
          const v = chunk.getColumnVector(c);
          for (let r = 0; r < count; r++) if (v.getItem(r) === null) throw new Error(`build: column ${result.columnName(c)} of "${sql}" has a null`);
        }
        const bytes = bindings.vector_get_data(vector, count * View.BYTES_PER_ELEMENT);
        return new View(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
      }),
      count,
    );
  }
}

/**
 * Streams a query's result chunk by chunk and hands over each chunk's column vectors, read in place: no JS array
 * per row or per column is made, so a table of 10⁷ rows costs only what the caller keeps of it.
 */
async function forEachChunk(conn: DuckDBConnection, sql: string, visit: (columns: DuckDBVector[], count: number) => void): Promise<void> {
  const result = await conn.stream(sql);
  for await (const chunk of chunksOf(result)) {
    // rowCount and columnCount are calls into the native library: once per chunk, not once per row.
    visit(Array.from({ length: chunk.columnCount }, (_, c) => chunk.getColumnVector(c)), chunk.rowCount);
  }
}

/**
 * A streamed result's chunks, each asked for before the one before it is read: DuckDB makes the next while JS
 * reads this one. One chunk at a time, the reader of 10⁷ neighbour rows waited on DuckDB about half its time, as
 * each fetch is a trip to a pool thread and back. Every chunk is its own (kept valid until it is collected).
 */
export async function* chunksOf(result: DuckDBResult): AsyncGenerator<DuckDBDataChunk> {
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) return;
      next = result.fetchChunk();
      yield chunk;
    }
  } finally {
    // A reader that stopped early (a null it refused, a bad row): the fetch under way ends, failed or not,
    // before the reader goes on to close the database.
    await next.catch(() => {});
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
    await runAggregates(db.conn, params, () => {});
    const raw = await readSignalTables(db.conn, itemCount, params);
    const lists = (rows: RawSignals['lists']['neighbors']): NeighborLists => {
      const out: NeighborLists = { targets: Array.from({ length: itemCount }, () => new Int32Array(0)), weights: Array.from({ length: itemCount }, () => new Float32Array(0)) };
      for (const [source, targets, weights] of listTuples(rows)) (out.targets[source] = targets), (out.weights[source] = weights);
      return out;
    };
    return { popularity: raw.popularity, trending: raw.trending, neighbors: lists(raw.lists.neighbors), transitions: lists(raw.lists.transitions), boughtTogether: lists(raw.lists.boughtTogether), trendingWindows: new Map(raw.trendingWindows) };
  } finally {
    db.close();
  }
}

/** Each list of `lists` as (source, targets, weights), views into the flat arrays. */
export function* listTuples(lists: FlatListArrays): Generator<[source: number, targets: Int32Array, weights: Float32Array]> {
  const { rows, targets, weights } = lists;
  for (let k = 0, at = 0; k < rows.length; k += 2) {
    const to = at + rows[k + 1]!;
    yield [rows[k]!, targets.subarray(at, to), weights.subarray(at, to)];
    at = to;
  }
}
