import type { SourceRecord } from '../read-records';
import { openEngine } from './duckdb-engine';
import { quote } from './log-input';

/**
 * The rows of a Parquet file (or a glob of them, in name order) as plain records, streamed chunk by chunk: each
 * row goes through JSON, so numbers, lists and strings arrive as the NDJSON reader would give them; a null field
 * is an absent one. `line` is the row's number in its file, from 1. One batch per chunk (about 2048 rows): a
 * million rows are then a few hundred awaits, not a million.
 */
export async function* readParquetRecords(source: string): AsyncGenerator<SourceRecord[]> {
  // One thread: the rows are parsed on the main thread, one at a time, and the build's aggregation (its own
  // engine) needs the other cores more than this scan does.
  const db = await openEngine({ threads: 1 });
  try {
    const result = await db.conn.stream(`SELECT CAST(to_json(t) AS VARCHAR) AS record, file_row_number + 1 AS row FROM read_parquet(${quote(source)}, file_row_number = true) t`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const [records, rows] = chunk.getColumns() as [string[], bigint[]];
      // rowCount is a call into the native library: once per chunk, not once per row.
      const count = chunk.rowCount;
      const batch: SourceRecord[] = new Array(count);
      for (let r = 0; r < count; r++) {
        const value = JSON.parse(records[r]!) as Record<string, unknown>;
        for (const key of Object.keys(value)) if (value[key] === null || key === 'file_row_number') delete value[key];
        batch[r] = { value, line: Number(rows[r]) };
      }
      yield batch;
    }
  } finally {
    db.close();
  }
}
