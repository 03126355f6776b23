import { PocketRecError } from '../errors';
import { quantizeRows, type Int8Rows, type Int8RowsAllocator } from '../vector';
import type { CatalogManifest, CatalogPart, CatalogSignals, Item } from './types';

/** Names a record the way a person finds it in the file: array index or NDJSON line. */
export type RecordPlace = { kind: 'index'; index: number } | { kind: 'line'; line: number } | { kind: 'inline'; index: number };

function describe(place: RecordPlace): string {
  switch (place.kind) {
    case 'index':
      return `item at index ${place.index}`;
    case 'line':
      return `item on line ${place.line}`;
    case 'inline':
      return `inline item at index ${place.index}`;
  }
}

function invalid(place: RecordPlace, field: string, problem: string, source: string): PocketRecError {
  const where = describe(place);
  return new PocketRecError('catalog-invalid', `catalog: ${where} ${problem} (field "${field}" in ${source}). Fix that record; the previous catalogue stays in use.`, {
    details: { source, field, ...(place.kind === 'line' ? { line: place.line } : { index: place.index }) },
  });
}

const OPTIONAL_STRINGS = ['description', 'category', 'brand', 'url', 'imageUrl', 'publishedAt'] as const;

export function validateItem(raw: unknown, place: RecordPlace, source: string): Item {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(place, '(record)', 'is not a JSON object', source);
  }
  const rec = raw as Record<string, unknown>;
  if (typeof rec.id === 'number' && Number.isFinite(rec.id)) rec.id = String(rec.id);
  if (typeof rec.id !== 'string' || rec.id.trim() === '') throw invalid(place, 'id', 'has no id (a non-empty string is required)', source);
  if (typeof rec.title !== 'string' || rec.title.trim() === '') throw invalid(place, 'title', `"${rec.id}" has no title (a non-empty string is required)`, source);
  for (const field of OPTIONAL_STRINGS) {
    if (rec[field] !== undefined && typeof rec[field] !== 'string') throw invalid(place, field, `"${rec.id}" has a non-string ${field}`, source);
  }
  if (rec.tags !== undefined && !(Array.isArray(rec.tags) && rec.tags.every((t) => typeof t === 'string'))) {
    throw invalid(place, 'tags', `"${rec.id}" has tags that are not an array of strings`, source);
  }
  if (rec.price !== undefined && !(typeof rec.price === 'number' && Number.isFinite(rec.price) && rec.price >= 0)) {
    throw invalid(place, 'price', `"${rec.id}" has a price that is not a non-negative number`, source);
  }
  if (typeof rec.publishedAt === 'string' && Number.isNaN(Date.parse(rec.publishedAt))) {
    throw invalid(place, 'publishedAt', `"${rec.id}" has a publishedAt that is not a date`, source);
  }
  if (rec.repeatable !== undefined && typeof rec.repeatable !== 'boolean') throw invalid(place, 'repeatable', `"${rec.id}" has a non-boolean repeatable`, source);
  return rec as Item;
}

/**
 * A validator for one source's records, one at a time, that remembers ids to reject duplicates, naming both
 * places. Streaming callers (`pocketrec build`) hold only the ids, never all records.
 */
export function createItemValidator(source: string): (raw: unknown, place: RecordPlace) => Item {
  const seen = new Map<string, RecordPlace>();
  return (raw, place) => {
    const item = validateItem(raw, place, source);
    const first = seen.get(item.id);
    if (first !== undefined) throw invalid(place, 'id', `repeats the id "${item.id}" already used by the ${describe(first)}`, source);
    seen.set(item.id, place);
    return item;
  };
}

export function validateItems(raws: readonly unknown[], placeOf: (i: number) => RecordPlace, source: string): Item[] {
  const validate = createItemValidator(source);
  return raws.map((raw, i) => validate(raw, placeOf(i)));
}

export function parseItemsText(text: string, source: string): Item[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new PocketRecError('catalog-invalid', `catalog: ${source} is not valid JSON (${(cause as Error).message}). Check the file; the previous catalogue stays in use.`, { details: { source }, cause });
    }
    return validateItems(parsed as unknown[], (index) => ({ kind: 'index', index }), source);
  }
  const raws: unknown[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      raws.push(JSON.parse(line));
    } catch (cause) {
      throw new PocketRecError('catalog-invalid', `catalog: line ${i + 1} of ${source} is not valid JSON (${(cause as Error).message}). Fix that line; the previous catalogue stays in use.`, { details: { source, line: i + 1 }, cause });
    }
    lines.push(i + 1);
  });
  return validateItems(raws, (i) => ({ kind: 'line', line: lines[i]! }), source);
}

/** V8 cannot hold a longer string: a JSON array beyond it cannot be parsed in one piece, NDJSON can. */
export const MAX_STRING_LENGTH = 536_870_888;

/**
 * Items from the bytes of a JSON array or NDJSON file. NDJSON is decoded line by line, so no single string grows
 * with the catalogue; a JSON array too large for one string is refused with the cause named.
 */
export function parseItemsBytes(bytes: Uint8Array, source: string): Item[] {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x0a || bytes[start] === 0x0d || bytes[start] === 0x09 || bytes[start] === 0xef || bytes[start] === 0xbb || bytes[start] === 0xbf)) start++;
  const decoder = new globalThis.TextDecoder('utf-8', { fatal: true });
  const decode = (view: Uint8Array) => {
    try {
      return decoder.decode(view);
    } catch (cause) {
      throw new PocketRecError('catalog-invalid', `catalog: ${source} is not UTF-8 text. Serve the catalogue as UTF-8 JSON or NDJSON.`, { details: { source }, cause });
    }
  };
  if (bytes[start] === 0x5b) {
    if (bytes.length > MAX_STRING_LENGTH) {
      throw new PocketRecError('catalog-invalid', `catalog: ${source} is a JSON array of ${bytes.length} bytes, longer than a browser string can hold. Serve NDJSON, or build a binary catalogue with \`pocketrec build\`.`, {
        details: { source, bytes: bytes.length },
      });
    }
    return parseItemsText(decode(bytes), source);
  }
  const validate = createItemValidator(source);
  const items: Item[] = [];
  let line = 0;
  for (let from = 0; from < bytes.length; ) {
    let to = bytes.indexOf(0x0a, from);
    if (to < 0) to = bytes.length;
    line++;
    const text = decode(bytes.subarray(from, to));
    from = to + 1;
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw new PocketRecError('catalog-invalid', `catalog: line ${line} of ${source} is not valid JSON (${(cause as Error).message}). Fix that line; the previous catalogue stays in use.`, { details: { source, line }, cause });
    }
    items.push(validate(raw, { kind: 'line', line }));
  }
  return items;
}

export function isManifest(value: unknown): value is { formatVersion: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'formatVersion' in value;
}

export function validateManifest(raw: unknown, source: string): CatalogManifest {
  const bad = (field: string, problem: string) =>
    new PocketRecError('catalog-invalid', `catalog: manifest field "${field}" ${problem} (${source}). Rebuild the catalogue with \`pocketrec build\`.`, { details: { source, field } });
  if (!isManifest(raw)) throw bad('formatVersion', 'is missing');
  const m = raw as Record<string, unknown>;
  if (m.formatVersion !== 1 && m.formatVersion !== 2) throw bad('formatVersion', `is ${JSON.stringify(m.formatVersion)}, this version reads 1 and 2`);
  if (typeof m.version !== 'string' || m.version === '') throw bad('version', 'must be a non-empty string');
  if (typeof m.itemCount !== 'number' || !Number.isInteger(m.itemCount) || m.itemCount < 0) throw bad('itemCount', 'must be a non-negative integer');
  if (m.sequence !== undefined) validateSequenceRef(m.sequence, bad);
  if (m.formatVersion === 2) {
    const parts = m.parts as Record<string, unknown> | undefined;
    if (typeof parts !== 'object' || parts === null) throw bad('parts', 'must be an object');
    validatePart(parts.columns, 'parts.columns', bad);
    validatePart(parts.records, 'parts.records', bad);
    if (parts.embeddings !== undefined) {
      validatePart(parts.embeddings, 'parts.embeddings', bad);
      const e = parts.embeddings as unknown as Record<string, unknown>;
      if (typeof e.model !== 'string') throw bad('parts.embeddings.model', 'must be a string');
      if (typeof e.dim !== 'number' || !Number.isInteger(e.dim) || e.dim <= 0) throw bad('parts.embeddings.dim', 'must be a positive integer');
    }
    return m as unknown as CatalogManifest;
  }
  if (typeof m.items !== 'string') throw bad('items', 'must be the URL of the items file');
  if (m.embeddings !== undefined) {
    const e = m.embeddings as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) throw bad('embeddings', 'must be an object');
    if (typeof e.url !== 'string') throw bad('embeddings.url', 'must be a string');
    if (typeof e.model !== 'string') throw bad('embeddings.model', 'must be a string');
    if (typeof e.dim !== 'number' || !Number.isInteger(e.dim) || e.dim <= 0) throw bad('embeddings.dim', 'must be a positive integer');
    if (e.dtype !== 'int8' && e.dtype !== 'f32') throw bad('embeddings.dtype', `is ${JSON.stringify(e.dtype)}; valid values: "int8", "f32"`);
  }
  if (m.signals !== undefined && typeof m.signals !== 'string') throw bad('signals', 'must be the URL of the signals file');
  return m as unknown as CatalogManifest;
}

type Bad = (field: string, problem: string) => PocketRecError;
const HEX64 = /^[0-9a-f]{64}$/;
const DTYPES = ['u8', 'i8', 'u16', 'u32', 'f32', 'f64'];

function validatePart(raw: unknown, field: string, bad: Bad): asserts raw is CatalogPart {
  if (typeof raw !== 'object' || raw === null) throw bad(field, 'must be an object');
  const p = raw as Record<string, unknown>;
  if (typeof p.url !== 'string' || p.url === '') throw bad(`${field}.url`, 'must be a URL');
  if (typeof p.bytes !== 'number' || !Number.isInteger(p.bytes) || p.bytes < 0) throw bad(`${field}.bytes`, 'must be a non-negative integer');
  if (typeof p.sha256 !== 'string' || !HEX64.test(p.sha256)) throw bad(`${field}.sha256`, 'must be 64 hex digits');
  if (typeof p.chunkBytes !== 'number' || !Number.isInteger(p.chunkBytes) || p.chunkBytes <= 0) throw bad(`${field}.chunkBytes`, 'must be a positive integer');
  const chunks = Math.ceil(p.bytes / p.chunkBytes);
  if (!Array.isArray(p.chunkSha256) || p.chunkSha256.length !== chunks || !p.chunkSha256.every((h) => typeof h === 'string' && HEX64.test(h))) {
    throw bad(`${field}.chunkSha256`, `must list ${chunks} sha256 digests, one per ${p.chunkBytes}-byte chunk`);
  }
  if (!Array.isArray(p.sections)) throw bad(`${field}.sections`, 'must be an array');
  p.sections.forEach((s: unknown, k) => {
    const x = s as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || typeof x.name !== 'string' || !DTYPES.includes(x.dtype as string) || typeof x.offset !== 'number' || typeof x.length !== 'number') {
      throw bad(`${field}.sections[${k}]`, `must be { name, dtype (one of ${DTYPES.join(', ')}), offset, length }`);
    }
  });
}

function validateSequenceRef(raw: unknown, bad: Bad): void {
  {
    const q = raw as Record<string, unknown>;
    if (typeof q !== 'object' || q === null) throw bad('sequence', 'must be an object');
    if (typeof q.url !== 'string') throw bad('sequence.url', 'must be the URL of the ONNX model');
    if (typeof q.items !== 'string') throw bad('sequence.items', 'must be the URL of the item id list');
    if (typeof q.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(q.sha256)) throw bad('sequence.sha256', 'must be 64 hex digits');
    if (typeof q.bytes !== 'number' || !Number.isInteger(q.bytes) || q.bytes <= 0) throw bad('sequence.bytes', 'must be a positive integer');
    if (q.dtype !== 'float32' && q.dtype !== 'int8') throw bad('sequence.dtype', `is ${JSON.stringify(q.dtype)}; valid values: "float32", "int8"`);
    if (typeof q.maxLen !== 'number' || !Number.isInteger(q.maxLen) || q.maxLen <= 0) throw bad('sequence.maxLen', 'must be a positive integer');
    // Builds before the kernel-scored output shipped the item table inside a graph that returns scores.
    if (q.table === undefined) throw bad('sequence.table', 'is missing: this sequence model was built by an older pocketrec, whose graph scores the items itself');
    const t = q.table as Record<string, unknown>;
    if (typeof t !== 'object' || t === null) throw bad('sequence.table', 'must be an object { url, bytes, sha256, dim }');
    if (typeof t.url !== 'string') throw bad('sequence.table.url', 'must be the URL of the item table');
    if (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256)) throw bad('sequence.table.sha256', 'must be 64 hex digits');
    if (typeof t.bytes !== 'number' || !Number.isInteger(t.bytes) || t.bytes <= 0) throw bad('sequence.table.bytes', 'must be a positive integer');
    if (typeof t.dim !== 'number' || !Number.isInteger(t.dim) || t.dim <= 0) throw bad('sequence.table.dim', 'must be a positive integer');
  }
}

/**
 * The embeddings file as int8 rows, its size checked against the manifest first. int8 files are viewed in place
 * (or copied once into `allocate`'s memory); an f32 file is quantised once, so no f32 matrix outlives the load.
 */
export function decodeEmbeddings(bytes: ArrayBuffer, itemCount: number, dim: number, dtype: 'int8' | 'f32', source: string, allocate?: Int8RowsAllocator): Int8Rows {
  const expected = dtype === 'f32' ? itemCount * dim * 4 : itemCount * 4 + itemCount * dim;
  if (bytes.byteLength !== expected) {
    throw new PocketRecError('catalog-invalid', `catalog: embeddings file ${source} has ${bytes.byteLength} bytes, expected ${expected} for ${itemCount} items × ${dim} dims (${dtype}). Rebuild the embeddings for this catalogue.`, {
      details: { source, bytes: bytes.byteLength, expected },
    });
  }
  const rows: Int8Rows = dtype === 'f32' ? quantizeRows(new Float32Array(bytes), dim) : { dim, scales: new Float32Array(bytes, 0, itemCount), values: new Int8Array(bytes, itemCount * 4) };
  return allocate ? copyInto(rows, allocate(itemCount, dim)) : rows;
}

export function copyInto(rows: Int8Rows, into: Int8Rows): Int8Rows {
  into.scales.set(rows.scales);
  into.values.set(rows.values);
  return into;
}

export function validateSignals(raw: unknown, source: string): CatalogSignals {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PocketRecError('catalog-invalid', `catalog: signals file ${source} is not a JSON object. Rebuild it with \`pocketrec build\`.`, { details: { source } });
  }
  return raw as CatalogSignals;
}
