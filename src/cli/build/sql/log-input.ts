import type { DuckDBConnection } from '@duckdb/node-api';
import { EVENT_TYPES } from '../../../profile';
import { BAD_ROW_LIMIT, BadRowsError } from '../bad-rows';
import { InputError } from '../read-records';

/** The three log formats DuckDB reads; a glob reads every matching file, in name order. */
export type LogFormat = 'csv' | 'ndjson' | 'parquet';

/** The format of a file or glob, by its extension; JSON arrays are for the Node engine. */
export function logFormat(source: string): LogFormat {
  const lower = source.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.parquet')) return 'parquet';
  throw new InputError(source, 0, 'is neither .csv, .ndjson nor .parquet: the DuckDB engine reads those (a JSON array needs --engine node)');
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * Creates the `events` relation of src/cli/build/sql/aggregates.ts from the site's log files, with `file` and
 * `file_row` beside it so that a bad row can be named, then checks every row and throws BadRowsError naming file
 * and row (rows count from 1, the CSV header not included) if any is bad. Nothing of the log is held in JS.
 */
export async function createEvents(conn: DuckDBConnection, source: string): Promise<void> {
  const format = logFormat(source);
  const files = (await conn.runAndReadAll(`SELECT file FROM glob(${quote(source)}) ORDER BY file`)).getRows().map((r) => String(r[0]));
  if (files.length === 0) throw new InputError(source, 0, 'matches no file');
  const list = `[${files.map(quote).join(', ')}]`;
  let fields: Record<'user' | 'item' | 'type' | 'ts' | 'rating', string>;
  let from: string;
  if (format === 'ndjson') {
    // Objects, not an inferred schema: a field that is a number in one line and a string in the next stays itself.
    await conn.run(`CREATE TABLE raw_events AS SELECT filename AS file, json FROM read_ndjson_objects(${list}, filename = true)`);
    const id = (key: string) => `CASE WHEN json_type(json, '$.${key}') IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN NULLIF(json_extract_string(json, '$.${key}'), '') END`;
    const text = (key: string) => `NULLIF(json_extract_string(json, '$.${key}'), '')`;
    fields = { user: id('userId'), item: id('itemId'), type: text('type'), ts: `COALESCE(${text('timestamp')}, ${text('ts')})`, rating: text('rating') };
    from = 'raw_events';
  } else {
    const scan =
      format === 'csv'
        ? `read_csv(${list}, header = true, all_varchar = true, filename = true, store_rejects = true, rejects_scan = 'pocketrec_reject_scans', rejects_table = 'pocketrec_rejects')`
        : `read_parquet(${list}, filename = true, file_row_number = true)`;
    await conn.run(`CREATE TABLE raw_events AS SELECT * FROM ${scan}`);
    if (format === 'csv') await reportRejects(conn);
    const columns = new Set((await conn.runAndReadAll('SELECT column_name FROM (DESCRIBE raw_events)')).getRows().map((r) => String(r[0])));
    const text = (...names: string[]) => {
      const present = names.filter((n) => columns.has(n)).map((n) => `NULLIF(CAST(${ident(n)} AS VARCHAR), '')`);
      return present.length === 0 ? 'CAST(NULL AS VARCHAR)' : present.length === 1 ? present[0]! : `COALESCE(${present.join(', ')})`;
    };
    // Parquet timestamps may be typed: their epoch milliseconds, not their text.
    const typed = (await conn.runAndReadAll(`SELECT column_name FROM (DESCRIBE raw_events) WHERE column_type LIKE 'TIMESTAMP%' OR column_type = 'DATE'`)).getRows().map((r) => String(r[0]));
    const tsName = columns.has('timestamp') ? 'timestamp' : 'ts';
    fields = { user: text('userId'), item: text('itemId'), type: text('type'), ts: typed.includes(tsName) ? `CAST(epoch_ms(CAST(${ident(tsName)} AS TIMESTAMPTZ)) AS VARCHAR)` : text('timestamp', 'ts'), rating: text('rating') };
    from = 'raw_events';
  }
  // An ISO date without an offset is read as UTC (the session's time zone is set to UTC when the engine opens).
  const tsValue = `COALESCE(TRY_CAST(ts_text AS DOUBLE), CAST(epoch_ms(TRY_CAST(ts_text AS TIMESTAMPTZ)) AS DOUBLE))`;
  const rowOf = format === 'parquet' ? 'file_row_number + 1' : 'rowid - min(rowid) OVER (PARTITION BY file) + 1';
  // How a person finds the row: the line of a text file (the CSV header is line 1), the row of a Parquet file.
  const where = format === 'parquet' ? `': row ' || file_row || ': '` : format === 'csv' ? `':' || (file_row + 1) || ': '` : `':' || file_row || ': '`;
  const fileOf = format === 'parquet' ? 'filename' : format === 'csv' ? 'filename' : 'file';
  // The log's own order breaks ties of equal timestamps: file by file (name order), row by row.
  const ordOf = format === 'parquet' ? `list_position(${list}, filename) * CAST(1099511627776 AS BIGINT) + file_row_number` : 'rowid';
  await conn.run(`CREATE TABLE checked AS
SELECT user_id, item_id, COALESCE(type_text, 'view') AS type, ${tsValue} AS ts, TRY_CAST(rating_text AS DOUBLE) AS rating, ord, file, file_row, ts_text, type_text, rating_text FROM (
  SELECT ${fields.user} AS user_id, ${fields.item} AS item_id, ${fields.type} AS type_text, ${fields.ts} AS ts_text, ${fields.rating} AS rating_text,
    ${ordOf} AS ord, ${fileOf} AS file, ${rowOf} AS file_row
  FROM ${from}
) t`);
  await conn.run('DROP TABLE raw_events');
  await reportBadRows(conn, where);
  await conn.run('CREATE VIEW events AS SELECT user_id, item_id, type, ts, rating, ord FROM checked');
}

/** CSV rows DuckDB could not split (wrong column count, an unterminated quote), by file and line. */
async function reportRejects(conn: DuckDBConnection): Promise<void> {
  const rows = (
    await conn.runAndReadAll(`SELECT s.file_path, r.line, r.error_type, r.error_message FROM pocketrec_rejects r JOIN pocketrec_reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, r.line`)
  ).getRows();
  if (rows.length === 0) return;
  const file = String(rows[0]![0]);
  const mine = rows.filter((r) => String(r[0]) === file);
  throw new BadRowsError(file, mine.length, mine.slice(0, BAD_ROW_LIMIT).map((r) => `${file}:${String(r[1])}: ${String(r[3]).split('\n')[0]}`));
}

/** The same checks, in the same words, as the Node engine's reader (src/cli/build/build-catalog.ts). */
async function reportBadRows(conn: DuckDBConnection, where: string): Promise<void> {
  const types = EVENT_TYPES.map(quote).join(', ');
  const problem = `CASE
    WHEN user_id IS NULL THEN 'has no userId'
    WHEN item_id IS NULL THEN 'has no itemId'
    WHEN type NOT IN (${types}) THEN 'has type "' || type || '"; valid types: ${EVENT_TYPES.join(', ')}'
    WHEN ts IS NULL OR NOT isfinite(ts) THEN 'has a timestamp that is neither epoch milliseconds nor an ISO date (' || COALESCE(ts_text, 'none') || ')'
    WHEN rating_text IS NOT NULL AND (rating IS NULL OR NOT isfinite(rating)) THEN 'has a rating that is not a number (' || rating_text || ')'
  END`;
  const bad = (await conn.runAndReadAll(`WITH p AS (SELECT file, file_row, ${problem} AS problem FROM checked)
SELECT file, count(*) OVER (PARTITION BY file) AS n, file || ${where} || problem FROM p WHERE problem IS NOT NULL ORDER BY file, file_row LIMIT ${BAD_ROW_LIMIT}`)).getRows();
  if (bad.length === 0) return;
  const file = String(bad[0]![0]);
  const mine = bad.filter((r) => String(r[0]) === file);
  throw new BadRowsError(file, Number(mine[0]![1]), mine.map((r) => String(r[2])));
}
