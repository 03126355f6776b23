import type { SourceRecord } from '../read-records';
import { chunksOf, openEngine } from './duckdb-engine';
import { quote } from './log-input';

/**
 * The rows of a Parquet file (or a glob of them, in name order) as plain records, streamed chunk by chunk: each
 * row goes through JSON, so numbers, lists and strings arrive as the NDJSON reader would give them; a null field
 * is an absent one. `line` is the row's number in its file, from 1. Parsed and handed over `batch` rows at a time
 * (read-records.ts says why so few).
 */
export async function* readParquetRecords(source: string, batch: number): AsyncGenerator<SourceRecord[]> {
  // One thread: the rows are parsed on the main thread, one at a time, and the build's aggregation (its own
  // engine) needs the other cores more than this scan does.
  const db = await openEngine({ threads: 1 });
  try {
    const result = await db.conn.stream(`SELECT CAST(to_json(struct_pack(*COLUMNS(* EXCLUDE (file_row_number)))) AS VARCHAR) AS record, file_row_number + 1 AS row FROM read_parquet(${quote(source)}, file_row_number = true)`);
    // The next chunk is fetched while this one is parsed: DuckDB reads and converts rows in its own thread.
    for await (const chunk of chunksOf(result)) {
      const [records, rows] = chunk.getColumns() as [string[], bigint[]];
      // rowCount is a call into the native library: once per chunk, not once per row.
      const count = chunk.rowCount;
      for (let start = 0; start < count; start += batch) {
        const end = Math.min(count, start + batch);
        const parsed: SourceRecord[] = new Array(end - start);
        for (let r = start; r < end; r++) parsed[r - start] = { value: withoutNulls(JSON.parse(records[r]!) as Record<string, unknown>), line: Number(rows[r]) };
        yield parsed;
      }
    }
  } finally {
    db.close();
  }
}

/**
 * `value` without its null fields, as a new object when it has any: deleting a property would turn it (and every
 * later access to it, the validator's and JSON.stringify's) into V8's slow dictionary mode.
 */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  let nulls = false;
  for (const key in value) if (value[key] === null) nulls = true;
  if (!nulls) return value;
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== null) out[key] = value[key];
  return out;
}
