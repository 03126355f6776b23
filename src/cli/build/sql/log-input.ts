import type { DuckDBConnection } from '@duckdb/node-api';
import { EVENT_TYPES } from '../../../profile';
import { BAD_ROW_LIMIT, BadRowsError } from '../bad-rows';
import { InputError, parseCsvLine } from '../read-records';

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

/** A string literal of DuckDB's SQL (paths and globs in statements). */
export const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
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
  let columns = new Set<string>();
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
    // CSV rows are numbered by their place in a table (rowid keeps the file's order); Parquet numbers its own.
    await conn.run(`CREATE ${format === 'csv' ? 'TABLE' : 'VIEW'} raw_events AS SELECT * FROM ${scan}`);
    columns = new Set((await conn.runAndReadAll('SELECT column_name FROM (DESCRIBE raw_events)')).getRows().map((r) => String(r[0])));
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
  const rowOf = format === 'parquet' ? 'file_row_number + 1' : 'CAST(NULL AS BIGINT)';
  const fileOf = format === 'parquet' ? 'filename' : format === 'csv' ? 'filename' : 'file';
  // The log's own order breaks ties of equal timestamps: file by file (name order), row by row.
  const ordOf = format === 'parquet' ? `list_position(${list}, filename) * CAST(1099511627776 AS BIGINT) + file_row_number` : 'rowid';
  await conn.run(`CREATE VIEW checked AS
SELECT user_id, item_id, COALESCE(type_text, 'view') AS type, ${tsValue} AS ts, TRY_CAST(rating_text AS DOUBLE) AS rating, ord, file, file_row, ts_text, type_text, rating_text FROM (
  SELECT ${fields.user} AS user_id, ${fields.item} AS item_id, ${fields.type} AS type_text, ${fields.ts} AS ts_text, ${fields.rating} AS rating_text,
    ${ordOf} AS ord, ${fileOf} AS file, ${rowOf} AS file_row
  FROM ${from}
) t`);
  await reportBadRows(conn, format, columns);
  await conn.run('CREATE VIEW events AS SELECT user_id, item_id, type, ts, rating, ord FROM checked');
}

interface BadRow {
  file: string;
  line: number;
  message: string;
}

/** CSV rows DuckDB could not split (wrong column count, an unterminated quote), in the Node reader's words. */
async function readRejects(conn: DuckDBConnection, header: number): Promise<BadRow[]> {
  const rows = (await conn.runAndReadAll(`SELECT s.file_path, r.line, r.csv_line, r.error_message FROM pocketrec_rejects r JOIN pocketrec_reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, r.line`)).getRows();
  return rows.map(([file, line, text, error]) => {
    let problem: string;
    try {
      const cells = parseCsvLine(String(text ?? ''), String(file), Number(line));
      problem = cells.length !== header ? `has ${cells.length} columns, the header has ${header}` : String(error).split('\n')[0]!;
    } catch (e) {
      problem = e instanceof InputError ? e.message.slice(e.message.indexOf(': ', String(file).length) + 2) : String(error).split('\n')[0]!;
    }
    return { file: String(file), line: Number(line), message: `${String(file)}:${Number(line)}: ${problem}` };
  });
}

/**
 * Every check of the Node engine's reader (src/cli/build/build-catalog.ts), in the same words, with the rows CSV
 * could not split; throws BadRowsError for the first file (in name order) that has any. Row numbers are computed
 * for bad rows only: the good ones cost nothing.
 */
async function reportBadRows(conn: DuckDBConnection, format: LogFormat, columns: Set<string>): Promise<void> {
  const types = EVENT_TYPES.map(quote).join(', ');
  const problem = `CASE
    WHEN user_id IS NULL THEN 'has no userId'
    WHEN item_id IS NULL THEN 'has no itemId'
    WHEN type NOT IN (${types}) THEN 'has type "' || type || '"; valid types: ${EVENT_TYPES.join(', ')}'
    WHEN ts IS NULL OR NOT isfinite(ts) THEN 'has a timestamp that is neither epoch milliseconds nor an ISO date (' || COALESCE(ts_text, 'none') || ')'
    WHEN rating_text IS NOT NULL AND (rating IS NULL OR NOT isfinite(rating)) THEN 'has a rating that is not a number (' || rating_text || ')'
  END`;
  await conn.run(`CREATE TEMP TABLE bad_rows AS SELECT file, ord, file_row, ${problem} AS problem FROM checked WHERE (${problem}) IS NOT NULL`);
  const counts = new Map((await conn.runAndReadAll('SELECT file, count(*) FROM bad_rows GROUP BY file')).getRows().map(([f, n]) => [String(f), Number(n)]));
  const header = [...columns].filter((c) => c !== 'filename').length;
  const rejects = format === 'csv' ? await readRejects(conn, header) : [];
  for (const r of rejects) counts.set(r.file, (counts.get(r.file) ?? 0) + 1);
  const file = [...counts.keys()].sort()[0];
  if (file === undefined) return;
  const first = (
    await conn.runAndReadAll(
      `SELECT COALESCE(file_row, ord - (SELECT min(ord) FROM checked c WHERE c.file = b.file) + 1), problem FROM bad_rows b WHERE file = ${quote(file)} ORDER BY ord LIMIT ${BAD_ROW_LIMIT}`,
    )
  ).getRows();
  const rejected = rejects.filter((r) => r.file === file).map((r) => r.line);
  const rows: BadRow[] = first.map(([row, text]) => {
    if (format === 'parquet') return { file, line: Number(row), message: `${file}: row ${Number(row)}: ${String(text)}` };
    // A text file's line: the header (CSV), then the rows DuckDB kept, with the lines it rejected in between.
    let line = Number(row) + (format === 'csv' ? 1 : 0);
    for (const r of rejected) if (r <= line) line++;
    return { file, line, message: `${file}:${line}: ${String(text)}` };
  });
  const all = [...rows, ...rejects.filter((r) => r.file === file)].sort((a, b) => a.line - b.line);
  throw new BadRowsError(file, counts.get(file)!, all.slice(0, BAD_ROW_LIMIT).map((r) => r.message));
}
