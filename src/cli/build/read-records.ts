import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { readParquetRecords } from './sql/parquet-records';

/** A parsed input record and the line a person would look at to fix it. */
export interface SourceRecord {
  value: Record<string, unknown>;
  line: number;
}

export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/**
 * Streams the records of a JSON array, NDJSON, CSV or Parquet file (or a glob of Parquet files). NDJSON and CSV are read line by line, so their
 * size is bounded by disk, not memory; a JSON array has to be parsed whole (use NDJSON for very large inputs).
 * A line that does not parse goes to `onBadLine` and is skipped when one is given, else it ends the stream with
 * its error. A file that cannot be read at all always throws.
 */
export async function* readRecords(file: string, onBadLine?: (error: InputError) => void): AsyncGenerator<SourceRecord> {
  for await (const batch of readRecordBatches(file, onBadLine)) yield* batch;
}

/**
 * Records per batch. Small on purpose: records alive across a yield survive the young generation's collections
 * and are copied, and batches of 2048 made that most of a 10⁶-item pass's GC; 128 still makes 10⁶ rows only
 * thousands of awaits.
 */
const BATCH = 128;

/** The records of `readRecords` in batches, for readers that handle a million rows without a million awaits. */
export async function* readRecordBatches(file: string, onBadLine?: (error: InputError) => void): AsyncGenerator<SourceRecord[]> {
  const bad = (error: InputError) => {
    if (!onBadLine) throw error;
    onBadLine(error);
  };
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet') {
    yield* readParquetRecords(file, BATCH);
    return;
  }
  if (ext === '.json') {
    const text = await readFile(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new InputError(file, 1, `not valid JSON (${(cause as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new InputError(file, 1, 'expected a JSON array of records');
    // A JSON array has no lines to speak of: report the array index (+1) in the line slot, and say so.
    for (let start = 0; start < parsed.length; start += BATCH) {
      yield parsed.slice(start, start + BATCH).map((value, i) => ({ value: value as Record<string, unknown>, line: start + i + 1 }));
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let header: string[] | null = null;
  const batch: SourceRecord[] = [];
  for await (const line of lines) {
    if (batch.length === BATCH) yield batch.splice(0);
    lineNo++;
    if (line.trim() === '') continue;
    if (ext === '.csv') {
      let cells: string[];
      try {
        cells = parseCsvLine(line, file, lineNo);
      } catch (error) {
        if (!header || !(error instanceof InputError)) throw error;
        // The rows before a bad one go first, so that a reader sees its own rejections and these in file order.
        if (batch.length) yield batch.splice(0);
        bad(error);
        continue;
      }
      if (!header) {
        header = cells.map((c) => c.trim());
        continue;
      }
      if (cells.length !== header.length) {
        if (batch.length) yield batch.splice(0);
        bad(new InputError(file, lineNo, `has ${cells.length} columns, the header has ${header.length}`));
        continue;
      }
      batch.push({ value: Object.fromEntries(header.map((h, i) => [h, cells[i]])), line: lineNo });
    } else {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch (cause) {
        if (batch.length) yield batch.splice(0);
        bad(new InputError(file, lineNo, `not valid JSON (${(cause as Error).message})`));
        continue;
      }
      batch.push({ value, line: lineNo });
    }
  }
  if (batch.length) yield batch;
}

/** One RFC 4180 line: commas separate, double quotes quote, "" is a quote. Fields spanning lines are not supported. */
export function parseCsvLine(line: string, file = 'csv', lineNo = 0): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  if (quoted) throw new InputError(file, lineNo, 'has an unterminated quoted field');
  cells.push(cell);
  return cells;
}
