import { findNonData, findUnknownKey, isPlainObject, PocketRecError, showValue, toItemId, unknownKeyHint } from '../errors';
import { quantizeRows, type Int8Rows, type Int8RowsAllocator } from '../vector';
import type { CatalogManifest, CatalogPart, CatalogSignals, Item } from './types';
import { CATALOG_RANK_SETTINGS, DELTA_PARTS } from './types';

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

/** Deeper records are a mistake or an attack; structured cloning them overflows the stack with an uncoded RangeError. */
export const MAX_ITEM_DEPTH = 32;

const OPTIONAL_STRINGS = ['description', 'category', 'brand', 'url', 'imageUrl', 'publishedAt'] as const;

export function validateItem(raw: unknown, place: RecordPlace, source: string): Item {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(place, '(record)', 'is not a JSON object', source);
  }
  const rec = raw as Record<string, unknown>;
  // Numbers name the same item as their decimal string, here and in `track()` events alike.
  const id = toItemId(rec.id);
  if (id === undefined) throw invalid(place, 'id', `has no id (a non-empty string or a number is required, got ${showValue(rec.id)})`, source);
  // Whatever the host adds travels to the worker, IndexedDB and back: it must be data, and not absurdly deep.
  const nonData = findNonData(rec, MAX_ITEM_DEPTH);
  if (nonData) throw invalid(place, nonData.path.startsWith('(') ? '(record)' : nonData.path.split(/[.[]/)[0]!, `"${id}": ${nonData.path} ${nonData.problem}`, source);
  if (typeof rec.title !== 'string' || rec.title.trim() === '') throw invalid(place, 'title', `"${id}" has no title (a non-empty string is required)`, source);
  for (const field of OPTIONAL_STRINGS) {
    if (rec[field] !== undefined && typeof rec[field] !== 'string') throw invalid(place, field, `"${id}" has a non-string ${field}`, source);
  }
  if (rec.tags !== undefined && !(Array.isArray(rec.tags) && rec.tags.every((t) => typeof t === 'string'))) {
    throw invalid(place, 'tags', `"${id}" has tags that are not an array of strings`, source);
  }
  if (rec.price !== undefined && !(typeof rec.price === 'number' && Number.isFinite(rec.price) && rec.price >= 0)) {
    throw invalid(place, 'price', `"${id}" has a price that is not a non-negative number`, source);
  }
  if (typeof rec.publishedAt === 'string' && Number.isNaN(Date.parse(rec.publishedAt))) {
    throw invalid(place, 'publishedAt', `"${id}" has a publishedAt that is not a date`, source);
  }
  if (rec.attributes !== undefined && !isPlainObject(rec.attributes)) throw invalid(place, 'attributes', `"${id}" has attributes that are not an object`, source);
  if (rec.repeatable !== undefined && typeof rec.repeatable !== 'boolean') throw invalid(place, 'repeatable', `"${id}" has a non-boolean repeatable`, source);
  // A copy only when the id was a number: the host's own inline objects are never changed behind its back.
  return (rec.id === id ? rec : { ...rec, id }) as Item;
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
    if (!Array.isArray(parsed)) throw new PocketRecError('catalog-invalid', `catalog: ${source} is not a JSON array of items. Check the file; the previous catalogue stays in use.`, { details: { source } });
    return validateItems(parsed, (index) => ({ kind: 'index', index }), source);
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
  if (m.formatVersion !== 1 && m.formatVersion !== 2) throw bad('formatVersion', `is ${showValue(m.formatVersion)}, this version reads 1 and 2`);
  if (typeof m.version !== 'string' || m.version === '') throw bad('version', 'must be a non-empty string');
  if (typeof m.itemCount !== 'number' || !Number.isInteger(m.itemCount) || m.itemCount < 0) throw bad('itemCount', 'must be a non-negative integer');
  if (m.sequence !== undefined) validateSequenceRef(m.sequence, bad);
  if (m.settings !== undefined) validateSettings(m.settings, bad);
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
      if (e.lexicalFit !== undefined) validateLexicalFit(e.lexicalFit, bad);
    }
    if (parts.projection !== undefined) {
      validatePart(parts.projection, 'parts.projection', bad);
      const p = parts.projection as unknown as Record<string, unknown>;
      const e = parts.embeddings as { dim: number } | undefined;
      if (!e) throw bad('parts.projection', 'is there without parts.embeddings: a projection shrinks shipped vectors');
      if (p.method !== 'pca') throw bad('parts.projection.method', `is ${showValue(p.method)}; valid values: "pca"`);
      if (typeof p.sourceDim !== 'number' || !Number.isInteger(p.sourceDim) || p.sourceDim <= 0) throw bad('parts.projection.sourceDim', 'must be a positive integer');
      if (p.dim !== e.dim) throw bad('parts.projection.dim', `is ${showValue(p.dim)}, but parts.embeddings.dim is ${e.dim}: the shipped vectors must have the projection's dimension`);
      if (p.dim > p.sourceDim) throw bad('parts.projection.dim', `is ${showValue(p.dim)}, more than its sourceDim ${p.sourceDim}`);
    }
    if (m.delta !== undefined) validateDelta(m.delta, parts, bad);
    return m as unknown as CatalogManifest;
  }
  if (typeof m.items !== 'string') throw bad('items', 'must be the URL of the items file');
  if (m.embeddings !== undefined) {
    const e = m.embeddings as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) throw bad('embeddings', 'must be an object');
    if (typeof e.url !== 'string') throw bad('embeddings.url', 'must be a string');
    if (typeof e.model !== 'string') throw bad('embeddings.model', 'must be a string');
    if (typeof e.dim !== 'number' || !Number.isInteger(e.dim) || e.dim <= 0) throw bad('embeddings.dim', 'must be a positive integer');
    if (e.dtype !== 'int8' && e.dtype !== 'f32') throw bad('embeddings.dtype', `is ${showValue(e.dtype)}; valid values: "int8", "f32"`);
  }
  if (m.signals !== undefined && typeof m.signals !== 'string') throw bad('signals', 'must be the URL of the signals file');
  return m as unknown as CatalogManifest;
}

type Bad = (field: string, problem: string) => PocketRecError;

/** The build's tuned settings: known rank weights only (a typo must not pass silently), each a usable number. */
function validateSettings(raw: unknown, bad: Bad): void {
  if (!isPlainObject(raw)) throw bad('settings', 'must be an object');
  if (raw.rank !== undefined) {
    if (!isPlainObject(raw.rank)) throw bad('settings.rank', 'must be an object');
    for (const [key, value] of Object.entries(raw.rank)) {
      if (!(CATALOG_RANK_SETTINGS as readonly string[]).includes(key)) throw bad(`settings.rank.${key}`, `is not a setting a build may choose; valid names: ${CATALOG_RANK_SETTINGS.join(', ')}`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(`settings.rank.${key}`, `is ${showValue(value)}, must be a finite number ≥ 0`);
      if (key === 'diversityLambda' && value > 1) throw bad('settings.rank.diversityLambda', `is ${showValue(value)}, must be from 0 to 1`);
    }
  }
  if (raw.neighbors !== undefined && (typeof raw.neighbors !== 'number' || !Number.isInteger(raw.neighbors) || raw.neighbors <= 0)) throw bad('settings.neighbors', `is ${showValue(raw.neighbors)}, must be a positive integer`);
  if (raw.tuned !== undefined) {
    const t = raw.tuned;
    if (!isPlainObject(t)) throw bad('settings.tuned', 'must be an object');
    if (typeof t.metric !== 'string') throw bad('settings.tuned.metric', 'must be a string');
    for (const key of ['heldOutUsers', 'trials'] as const) if (typeof t[key] !== 'number' || !Number.isInteger(t[key]) || (t[key] as number) < 0) throw bad(`settings.tuned.${key}`, `is ${showValue(t[key])}, must be a non-negative integer`);
    for (const key of ['log', 'keptFrom'] as const) if (t[key] !== undefined && typeof t[key] !== 'string') throw bad(`settings.tuned.${key}`, `is ${showValue(t[key])}, must be a string`);
  }
}

/** The shipped lexical counts: one count per dimension, each a whole number of the counted items at most. */
function validateLexicalFit(raw: unknown, bad: Bad): void {
  const field = 'parts.embeddings.lexicalFit';
  if (typeof raw !== 'object' || raw === null) throw bad(field, 'must be an object');
  const f = raw as Record<string, unknown>;
  // An incremental build (`--previous`) keeps the previous catalogue's fit, counted on its items.
  if (typeof f.documents !== 'number' || !Number.isInteger(f.documents) || f.documents <= 0) throw bad(`${field}.documents`, `is ${showValue(f.documents)}, expected the number of items the fit counted (a positive integer)`);
  // Its length is the lexical encoder's dimension, which a projected catalogue's vectors need not share.
  if (!Array.isArray(f.df) || f.df.length === 0) throw bad(`${field}.df`, 'must be a non-empty array of counts (one per hash bucket)');
  const documents = f.documents;
  const wrong = f.df.findIndex((c) => !Number.isInteger(c) || c < 0 || c > documents);
  if (wrong >= 0) throw bad(`${field}.df`, `has ${showValue(f.df[wrong])} at entry ${wrong}; counts are whole numbers from 0 to documents (${documents})`);
}

function validateDelta(raw: unknown, parts: Record<string, unknown>, bad: Bad): void {
  if (typeof raw !== 'object' || raw === null) throw bad('delta', 'must be an object');
  const d = raw as Record<string, unknown>;
  if (typeof d.from !== 'string' || d.from === '') throw bad('delta.from', 'must be the previous version (a non-empty string)');
  if (typeof d.parts !== 'object' || d.parts === null) throw bad('delta.parts', 'must be an object');
  for (const [name, part] of Object.entries(d.parts)) {
    const field = `delta.parts.${name}`;
    if (!(DELTA_PARTS as readonly string[]).includes(name)) throw bad(field, `names no part a delta rebuilds; valid names: ${DELTA_PARTS.join(', ')}`);
    if (parts[name] === undefined) throw bad(field, `is there without parts.${name}: a delta rebuilds a listed part`);
    validatePart(part, field, bad);
    const base: unknown = (part as CatalogPart & { base?: unknown }).base;
    if (typeof base !== 'string' || !HEX64.test(base)) throw bad(`${field}.base`, "must be the previous part's sha256 (64 hex digits)");
  }
}

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
    if (q.itemsBytes !== undefined && (typeof q.itemsBytes !== 'number' || !Number.isInteger(q.itemsBytes) || q.itemsBytes <= 0)) throw bad('sequence.itemsBytes', 'must be a positive integer when given');
    if (typeof q.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(q.sha256)) throw bad('sequence.sha256', 'must be 64 hex digits');
    if (typeof q.bytes !== 'number' || !Number.isInteger(q.bytes) || q.bytes <= 0) throw bad('sequence.bytes', 'must be a positive integer');
    if (q.dtype !== 'float32' && q.dtype !== 'int8') throw bad('sequence.dtype', `is ${showValue(q.dtype)}; valid values: "float32", "int8"`);
    if (typeof q.maxLen !== 'number' || !Number.isInteger(q.maxLen) || q.maxLen <= 0) throw bad('sequence.maxLen', 'must be a positive integer');
    if (q.training !== undefined) validateTraining(q.training, bad);
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

/** The sequence model's training record reaches `status()` as it is: it must be numbers where numbers are promised. */
function validateTraining(raw: unknown, bad: (field: string, problem: string) => PocketRecError): void {
  if (!isPlainObject(raw)) throw bad('sequence.training', 'must be an object');
  const count = (field: 'sequences' | 'bestEpoch') => {
    const v = raw[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`sequence.training.${field}`, `must be a non-negative integer, got ${showValue(v)}`);
  };
  count('sequences');
  count('bestEpoch');
  const ndcg = raw.validNdcg10;
  if (typeof ndcg !== 'number' || !(ndcg >= 0 && ndcg <= 1)) throw bad('sequence.training.validNdcg10', `must be a number from 0 to 1, got ${showValue(ndcg)}`);
  if (raw.settings !== undefined) {
    if (!isPlainObject(raw.settings)) throw bad('sequence.training.settings', 'must be an object of numbers');
    for (const [key, v] of Object.entries(raw.settings)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`sequence.training.settings.${key}`, `must be a finite number, got ${showValue(v)}`);
    }
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
  // A NaN or infinite value would make every score it touches NaN, silently reordering all results.
  const notFinite = (row: number) =>
    new PocketRecError('catalog-invalid', `catalog: embeddings file ${source} has a value that is not a finite number in row ${row} (${dtype}). Rebuild the embeddings for this catalogue.`, {
      details: { source, row },
    });
  if (dtype === 'f32') {
    const floats = new Float32Array(bytes);
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw notFinite(Math.floor(bad / dim));
  }
  const rows: Int8Rows = dtype === 'f32' ? quantizeRows(new Float32Array(bytes), dim) : { dim, scales: new Float32Array(bytes, 0, itemCount), values: new Int8Array(bytes, itemCount * 4) };
  const badScale = rows.scales.findIndex((v) => !Number.isFinite(v));
  if (badScale >= 0) throw notFinite(badScale);
  return allocate ? copyInto(rows, allocate(itemCount, dim)) : rows;
}

export function copyInto(rows: Int8Rows, into: Int8Rows): Int8Rows {
  into.scales.set(rows.scales);
  into.values.set(rows.values);
  return into;
}

const SIGNAL_COUNTS = ['popularity', 'trending'] as const;
const SIGNAL_LISTS = ['neighbors', 'transitions', 'boughtTogether'] as const;
const SIGNAL_FIELDS = [...SIGNAL_COUNTS, ...SIGNAL_LISTS, 'trendingWindows'];

/**
 * Checks every value of a signals file before it is cached: a malformed list would otherwise be cached as valid
 * and fail on every start with an uncoded TypeError, and the good catalogue it replaced would be gone.
 * Ids of items outside the catalogue are allowed (a log may name since-removed items); ranking skips them.
 */
export function validateSignals(raw: unknown, source: string): CatalogSignals {
  const bad = (field: string, problem: string) =>
    new PocketRecError('catalog-invalid', `catalog: signals file ${source}: ${field} ${problem}. Rebuild it with \`pocketrec build\`; the previous catalogue stays in use.`, { details: { source, field } });
  if (!isPlainObject(raw)) throw bad('(file)', `is ${showValue(raw)}, not a JSON object`);
  const unknown = findUnknownKey(raw, SIGNAL_FIELDS);
  if (unknown) throw bad(unknown.key, `is not a signal; ${unknownKeyHint(unknown.suggestion, SIGNAL_FIELDS)}`);
  const checkCounts = (name: string, counts: unknown) => {
    if (!isPlainObject(counts)) throw bad(name, 'must be an object of item id → count');
    for (const [id, c] of Object.entries(counts)) {
      if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) throw bad(`${name}["${id}"]`, `is ${showValue(c)}, not a non-negative number`);
    }
  };
  for (const name of SIGNAL_COUNTS) if (raw[name] !== undefined) checkCounts(name, raw[name]);
  const windows = raw.trendingWindows;
  if (windows !== undefined) {
    if (!isPlainObject(windows)) throw bad('trendingWindows', 'must be an object of days → (item id → count)');
    for (const [days, counts] of Object.entries(windows)) {
      // Keys are window lengths: a positive whole number of days, written without a sign or leading zeros.
      if (!/^[1-9]\d{0,5}$/.test(days)) throw bad(`trendingWindows["${days}"]`, 'is not a window length in whole days');
      checkCounts(`trendingWindows["${days}"]`, counts);
    }
  }
  for (const name of SIGNAL_LISTS) {
    const lists = raw[name];
    if (lists === undefined) continue;
    if (!isPlainObject(lists)) throw bad(name, 'must be an object of item id → [[item id, weight], …]');
    for (const [id, list] of Object.entries(lists)) {
      if (!Array.isArray(list)) throw bad(`${name}["${id}"]`, `is ${showValue(list)}, not an array of [item id, weight] pairs`);
      list.forEach((pair: unknown, i) => {
        const ok = Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'number' && Number.isFinite(pair[1]) && pair[1] >= 0;
        if (!ok) throw bad(`${name}["${id}"][${i}]`, `is ${showValue(pair)}, not an [item id, non-negative weight] pair`);
      });
    }
  }
  return raw as CatalogSignals;
}

/**
 * An empty catalogue (an empty file, whitespace, `[]`, itemCount 0) is almost always a broken deploy: it would start
 * a recommender that silently returns nothing. Only a host that says so gets one.
 * @throws `catalog-empty` unless `allowEmpty`
 */
export function checkNotEmpty(count: number, source: string, allowEmpty: boolean): void {
  if (count > 0 || allowEmpty) return;
  throw new PocketRecError('catalog-empty', `catalog: ${source} has no items. Check the deploy, or pass allowEmptyCatalog: true to start with an empty catalogue on purpose.`, { details: { source } });
}
