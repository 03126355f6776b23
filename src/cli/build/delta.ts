import { createHash, hash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEmbeddings, encodeDeltaPart, encodePartDelta, itemText, matchedUnits, validateManifest, type CatalogDelta, type CatalogManifestV2, type CatalogPart, type DeltaUnit, type Item } from '../../catalog';
import type { LexicalCounts } from '../../encoder';
import { dequantizeRows, projectRows, quantizeRows, type Projection } from '../../vector';
import { InputError } from './read-records';
import type { VectorsPlan } from './vectors';

/**
 * The catalogue an incremental build (`--previous`) starts from: what it carries over (vectors of unchanged texts,
 * the lexical fit, the projection) and the bytes its deltas copy from.
 */
export interface PreviousCatalog {
  folder: string;
  manifest: CatalogManifestV2;
  /** The previous row of each encoder text, by `textKey` (the first, when two items share one). */
  rowOfText: Map<string, number>;
  /** The previous position of each item id. */
  rowOfId: Map<string, number>;
  /** Byte offsets of the previous records' lines (itemCount + 1). */
  lineOffsets: Uint32Array;
  lexicalCounts: LexicalCounts | null;
  projection: (Projection & { sha256: string }) | null;
  /** The previous parts' bytes, checked against their manifest's sha256. */
  bytes: { columns: Uint8Array; records: Uint8Array; embeddings: Uint8Array };
}

/**
 * 128 bits of a text's sha256: a million previous texts are kept as short keys, not as the texts. One-shot
 * `hash`, half the cost of a hash object per text, twice per item of the catalogue.
 */
const textKey = (text: string) => hash('sha256', text, 'base64url').slice(0, 22);
const KEY_CHARS = 22;

/** The text keys of a catalogue's items, in item order (one string of `KEY_CHARS` each): what the records index keeps. */
export function textKeys(texts: readonly string[]): string[] {
  return texts.map(textKey);
}

/**
 * The records index: the ids and text keys of a catalogue's items, which a build leaves in the embedding cache's
 * folder (`records-<sha256 of items.ndjson>.index`, JSON), so that the incremental build after it finds the previous
 * rows without parsing every previous record again (most of reading the previous catalogue). Keyed by the records'
 * content, checked against the previous manifest's sha256 before it is used; best effort both ways.
 */
const recordsIndexFile = (dir: string, recordsSha256: string) => join(dir, `records-${recordsSha256.slice(0, 32)}.index`);
/** Indexes kept, the one just written included. */
const KEEP_RECORDS_INDEXES = 3;

export async function writeRecordsIndex(dir: string, recordsSha256: string, ids: readonly string[], keys: readonly string[], log: (line: string) => void): Promise<void> {
  const file = recordsIndexFile(dir, recordsSha256);
  const partial = `${file}.tmp-${process.pid}`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(partial, JSON.stringify({ ids, keys: keys.join('') }));
    await rename(partial, file);
    const indexes = await Promise.all((await readdir(dir)).filter((n) => /^records-[0-9a-f]+\.index$/.test(n)).map(async (n) => ({ path: join(dir, n), used: (await stat(join(dir, n))).mtimeMs })));
    indexes.sort((a, b) => b.used - a.used);
    for (const old of indexes.slice(KEEP_RECORDS_INDEXES)) await rm(old.path, { force: true });
  } catch (error) {
    log(`delta: the records index could not be written in ${dir} (${(error as Error).message}); an incremental build on this catalogue reads its records instead`);
    await rm(partial, { force: true }).catch(() => {});
  }
}

/** The previous rows by id and by text key from the records index of `recordsSha256`; null when there is none that fits. */
async function readRecordsIndex(dir: string, recordsSha256: string, count: number): Promise<{ rowOfText: Map<string, number>; rowOfId: Map<string, number> } | null> {
  let index: { ids: unknown; keys: unknown };
  try {
    index = JSON.parse(await readFile(recordsIndexFile(dir, recordsSha256), 'utf8'));
  } catch {
    return null;
  }
  const { ids, keys } = index;
  if (!Array.isArray(ids) || ids.length !== count || typeof keys !== 'string' || keys.length !== count * KEY_CHARS || !ids.every((id) => typeof id === 'string')) return null;
  const rowOfText = new Map<string, number>();
  const rowOfId = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const key = keys.slice(i * KEY_CHARS, (i + 1) * KEY_CHARS);
    if (!rowOfText.has(key)) rowOfText.set(key, i);
    rowOfId.set(ids[i] as string, i);
  }
  return { rowOfText, rowOfId };
}

/** Where the delta of a part goes, next to the parts. */
export const deltaFile = (part: string) => `${part}.delta.bin`;

/** A delta is shipped only below this share of its part: past it the saving is not worth a second file. */
const MAX_DELTA_SHARE = 0.5;

/**
 * Reads and checks the previous catalogue folder (its manifest and the files its parts name), with the records
 * index of `indexDir` (the embedding cache's folder) when it holds the one of these records.
 * @throws InputError naming the folder's file and what is wrong: not a format 2 catalogue, no embeddings, a file
 * missing or not matching its manifest's sha256
 */
export async function openPrevious(folder: string, indexDir: string | null = null, log: (line: string) => void = () => {}): Promise<PreviousCatalog> {
  const manifestFile = join(folder, 'catalog.json');
  const refuse = (file: string, problem: string) => new InputError(file, 0, `${problem}: --previous needs the folder of an earlier \`pocketrec build\` (format 2); drop --previous for a full build`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch (cause) {
    throw refuse(manifestFile, `cannot be read as a catalogue manifest (${(cause as Error).message})`);
  }
  let manifest;
  try {
    manifest = validateManifest(raw, manifestFile);
  } catch (cause) {
    throw refuse(manifestFile, (cause as Error).message);
  }
  if (manifest.formatVersion !== 2) throw refuse(manifestFile, `is format ${manifest.formatVersion}`);
  const embeddings = manifest.parts.embeddings;
  if (!embeddings) throw refuse(manifestFile, 'lists no embeddings part');
  const read = async (part: CatalogPart) => {
    const file = join(folder, part.url);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      throw refuse(file, `cannot be read (${(cause as Error).message})`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== part.sha256) throw refuse(file, `does not have the sha256 its manifest ${manifestFile} gives`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const bytes = { columns: await read(manifest.parts.columns), records: await read(manifest.parts.records), embeddings: await read(embeddings) };
  const count = manifest.itemCount;
  const rowsOf = (name: string, width: number) => embeddings.sections.find((s) => s.name === name)?.length === count * width;
  if (!rowsOf('scales', 1) || !rowsOf('values', embeddings.dim)) throw refuse(manifestFile, `has embeddings sections that are not ${count} rows of ${embeddings.dim} dims`);
  const lineOffsets = new Uint32Array(count + 1);
  const indexed = indexDir ? await readRecordsIndex(indexDir, manifest.parts.records.sha256, count) : null;
  if (indexDir) log(indexed ? `delta: the previous rows found by the records index in ${indexDir}` : `delta: no records index of the previous catalogue in ${indexDir}: its records are read`);
  const rowOfText = indexed?.rowOfText ?? new Map<string, number>();
  const rowOfId = indexed?.rowOfId ?? new Map<string, number>();
  const decoder = new TextDecoder();
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = bytes.records.indexOf(0x0a, at);
    if (end < 0) throw refuse(join(folder, manifest.parts.records.url), `has ${i} lines, the manifest says ${count} items`);
    if (!indexed) {
      const item = JSON.parse(decoder.decode(bytes.records.subarray(at, end))) as Item;
      const text = textKey(itemText(item));
      if (!rowOfText.has(text)) rowOfText.set(text, i);
      rowOfId.set(item.id, i);
    }
    at = end + 1;
    lineOffsets[i + 1] = at;
  }
  const fit = embeddings.lexicalFit;
  let projection: PreviousCatalog['projection'] = null;
  const p = manifest.parts.projection;
  if (p) {
    const b = await read(p);
    const section = (name: string) => p.sections.find((s) => s.name === name)!;
    const view = (name: string) => new Float32Array(b.buffer.slice(b.byteOffset + section(name).offset, b.byteOffset + section(name).offset + section(name).length * 4));
    projection = { sourceDim: p.sourceDim, dim: p.dim, mean: view('mean'), components: view('components'), sha256: p.sha256 };
  }
  return {
    folder,
    manifest,
    rowOfText,
    rowOfId,
    lineOffsets,
    lexicalCounts: fit ? { dim: fit.df.length, documents: fit.documents, df: fit.df } : null,
    projection,
    bytes,
  };
}

/**
 * The vectors plan of an incremental build: the previous one's (the same vector space, so unchanged items keep
 * their bytes). An explicit `--vectors` that differs, or another encoder, is refused.
 * @throws InputError naming the previous manifest and the difference
 */
export function previousPlan(previous: PreviousCatalog, encoderId: string, choice: string): VectorsPlan {
  const manifestFile = join(previous.folder, 'catalog.json');
  const e = previous.manifest.parts.embeddings!;
  if (e.model !== encoderId) throw new InputError(manifestFile, 0, `was embedded by "${e.model}", this build embeds with "${encoderId}": an incremental build keeps the encoder; drop --previous for a full build`);
  const plan: VectorsPlan = previous.projection ? { method: 'pca', dim: previous.projection.dim } : { method: 'full' };
  const shipped = plan.method === 'pca' ? `pca-${plan.dim}` : 'full';
  if (choice !== 'auto' && choice !== shipped) throw new InputError(manifestFile, 0, `ships --vectors ${shipped}, this build asks for --vectors ${choice}: an incremental build keeps the vectors; pass --vectors ${shipped} (or auto), or drop --previous`);
  return plan;
}

/**
 * Writes the int8 rows (scales, then values) of `texts`, carrying the previous row of every text the previous
 * catalogue embedded and embedding only the others with `embed` (then projecting them with the previous
 * projection). Returns each item's previous row, -1 for embedded ones.
 */
export async function writeCarriedEmbeddings(
  file: string,
  texts: readonly string[],
  previous: PreviousCatalog,
  sourceDim: number,
  embed: (file: string, texts: readonly string[]) => Promise<void>,
  keys: readonly string[] = textKeys(texts),
): Promise<{ carried: Int32Array; embedded: number }> {
  const n = texts.length;
  const e = previous.manifest.parts.embeddings!;
  const dim = e.dim;
  const carried = Int32Array.from(keys, (k) => previous.rowOfText.get(k) ?? -1);
  const fresh: number[] = [];
  carried.forEach((row, i) => row < 0 && fresh.push(i));
  let rows: { scales: Float32Array; values: Int8Array } = { scales: new Float32Array(0), values: new Int8Array(0) };
  if (fresh.length > 0) {
    const freshFile = `${file}.fresh`;
    await embed(freshFile, fresh.map((i) => texts[i]!));
    const bytes = await readFile(freshFile);
    await rm(freshFile);
    const source = decodeEmbeddings(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), fresh.length, sourceDim, 'int8', freshFile);
    rows = previous.projection ? quantizeRows(projectRows(previous.projection, dequantizeRows(source)), dim) : source;
  }
  const section = (name: string) => e.sections.find((s) => s.name === name)!;
  const prevScales = section('scales').offset;
  const prevValues = section('values').offset;
  const old = previous.bytes.embeddings;
  const out = new Uint8Array(n * 4 + n * dim);
  const scales = new DataView(out.buffer);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const row = carried[i]!;
    if (row >= 0) {
      out.set(old.subarray(prevScales + row * 4, prevScales + row * 4 + 4), i * 4);
      out.set(old.subarray(prevValues + row * dim, prevValues + (row + 1) * dim), n * 4 + i * dim);
    } else {
      scales.setFloat32(i * 4, rows.scales[k]!, true);
      out.set(new Uint8Array(rows.values.buffer, rows.values.byteOffset + k * dim, dim), n * 4 + i * dim);
      k++;
    }
  }
  await writeFile(file, out);
  return { carried, embedded: fresh.length };
}

/** What the new catalogue's parts are made of, for matching them against the previous one's. */
export interface NewParts {
  dir: string;
  manifest: CatalogManifestV2;
  ids: readonly string[];
  /** Byte offsets of the new records' lines. */
  lineOffsets: readonly number[];
  /** Each item's previous row when its vector was carried, else -1. */
  carried: Int32Array;
}

/**
 * Writes `<part>.delta.bin` for each changed part whose delta is below `MAX_DELTA_SHARE` of it, and returns the
 * manifest's `delta` (undefined when no part got one). Units follow each part's structure: a row of the
 * embeddings, a line of the records; the columns, whose sections shift with every item, are matched by blocks.
 */
export async function writeDeltas(
  parts: NewParts,
  previous: PreviousCatalog,
  describe: (name: string, sections: CatalogPart['sections']) => Promise<CatalogPart>,
  log: (line: string) => void,
): Promise<CatalogDelta | undefined> {
  const { dir, manifest } = parts;
  const prev = previous.manifest;
  const next = {
    columns: await readPart(dir, manifest.parts.columns),
    records: await readPart(dir, manifest.parts.records),
    embeddings: await readPart(dir, manifest.parts.embeddings!),
  };
  const planned: Array<['columns' | 'records' | 'embeddings', () => Iterable<DeltaUnit>]> = [
    ['columns', () => sectionUnits(previous.bytes.columns, prev.parts.columns.sections, next.columns, manifest.parts.columns.sections)],
    ['records', () => recordUnits(parts, previous)],
    ['embeddings', () => rowUnits(parts, previous)],
  ];
  const out: CatalogDelta['parts'] = {};
  for (const [name, units] of planned) {
    const part = manifest.parts[name]!;
    const base = prev.parts[name]!;
    if (part.sha256 === base.sha256) continue;
    const started = performance.now();
    const encoded = encodeDeltaPart(encodePartDelta(previous.bytes[name], next[name], units()));
    if (encoded.bytes.byteLength >= part.bytes * MAX_DELTA_SHARE) {
      log(`delta: ${name} not shipped (${encoded.bytes.byteLength} bytes, ${part.bytes} for the whole part)`);
      continue;
    }
    const file = deltaFile(name);
    await writeFile(join(dir, file), encoded.bytes);
    out[name] = { ...(await describe(file, encoded.sections)), base: base.sha256 };
    log(`delta: ${name} ${encoded.bytes.byteLength} bytes instead of ${part.bytes} (${((encoded.bytes.byteLength / part.bytes) * 100).toFixed(1)} %, ${((performance.now() - started) / 1000).toFixed(2)} s)`);
  }
  return Object.keys(out).length > 0 ? { from: prev.version, parts: out } : undefined;
}

async function readPart(dir: string, part: CatalogPart): Promise<Uint8Array> {
  const bytes = await readFile(join(dir, part.url));
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const DTYPE_BYTES: Record<CatalogPart['sections'][number]['dtype'], number> = { u8: 1, i8: 1, u16: 2, u32: 4, f32: 4, f64: 8 };
const sectionEnd = (s: CatalogPart['sections'][number]) => s.offset + s.length * DTYPE_BYTES[s.dtype];
const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
/** Compared natively this many bytes at a time: most of a part agrees with its previous version. */
const COMPARE_BYTES = 1 << 16;

/** How many bytes agree from `a[aAt]` and `b[bAt]` forwards (`step` 1) or backwards from before them (`step` -1). */
function agreeing(a: Buffer, aAt: number, b: Buffer, bAt: number, max: number, step: 1 | -1): number {
  let n = 0;
  const slice = (x: Buffer, at: number, k: number, len: number) => (step === 1 ? x.subarray(at + k, at + k + len) : x.subarray(at - k - len, at - k));
  while (n + COMPARE_BYTES <= max && slice(a, aAt, n, COMPARE_BYTES).equals(slice(b, bAt, n, COMPARE_BYTES))) n += COMPARE_BYTES;
  while (n < max && (step === 1 ? a[aAt + n] === b[bAt + n] : a[aAt - n - 1] === b[bAt - n - 1])) n++;
  return n;
}

/**
 * The columns' units, section by section: the agreeing head and tail of each section and its namesake in the
 * previous part are copied whole, and only the middle between them is matched by blocks (`matchedUnits`). Most
 * sections of an update are a previous one with rows appended or none changed (ids, prices, the signals): indexing
 * every block of the previous part for them was most of the delta's time.
 */
function* sectionUnits(previous: Uint8Array, previousSections: CatalogPart['sections'], next: Uint8Array, sections: CatalogPart['sections']): Iterable<DeltaUnit> {
  const prev = asBuffer(previous);
  const nextBytes = asBuffer(next);
  const byName = new Map(previousSections.map((p) => [p.name, p]));
  let at = 0;
  for (const section of [...sections].sort((a, b) => a.offset - b.offset)) {
    const begin = section.offset;
    const end = sectionEnd(section);
    // Alignment padding between sections.
    if (begin > at) yield { begin: at, end: begin };
    const p = byName.get(section.name);
    if (!p) {
      if (end > begin) yield { begin, end };
    } else {
      const pBegin = p.offset;
      const pEnd = Math.min(sectionEnd(p), previous.length);
      const head = agreeing(prev, pBegin, nextBytes, begin, Math.min(pEnd - pBegin, end - begin), 1);
      const tail = agreeing(prev, pEnd, nextBytes, end, Math.min(pEnd - pBegin, end - begin) - head, -1);
      if (head > 0) yield { begin, end: begin + head, from: pBegin };
      const from = pBegin + head;
      const middle = begin + head;
      for (const u of matchedUnits(previous.subarray(from, pEnd - tail), next.subarray(middle, end - tail))) yield { begin: middle + u.begin, end: middle + u.end, ...(u.from !== undefined ? { from: from + u.from } : {}) };
      if (tail > 0) yield { begin: end - tail, end, from: pEnd - tail };
    }
    at = Math.max(at, end);
  }
  if (next.length > at) yield { begin: at, end: next.length };
}

/** Every row of both embeddings sections: a carried row copies its previous bytes. */
function* rowUnits(parts: NewParts, previous: PreviousCatalog): Iterable<DeltaUnit> {
  const e = parts.manifest.parts.embeddings!;
  const p = previous.manifest.parts.embeddings!;
  const widths = { scales: 4, values: e.dim } as const;
  let at = 0;
  for (const s of [...e.sections].sort((a, b) => a.offset - b.offset)) {
    const width = widths[s.name as keyof typeof widths];
    const old = p.sections.find((x) => x.name === s.name);
    if (s.offset > at) yield { begin: at, end: s.offset };
    for (let i = 0; i < parts.carried.length; i++) {
      const row = parts.carried[i]!;
      yield { begin: s.offset + i * width, end: s.offset + (i + 1) * width, ...(row >= 0 && old ? { from: old.offset + row * width } : {}) };
    }
    at = s.offset + parts.carried.length * width;
  }
  if (e.bytes > at) yield { begin: at, end: e.bytes };
}

/** Every record line: the same item's previous line, where it has not changed, is copied. */
function* recordUnits(parts: NewParts, previous: PreviousCatalog): Iterable<DeltaUnit> {
  for (let i = 0; i < parts.ids.length; i++) {
    const row = previous.rowOfId.get(parts.ids[i]!);
    yield { begin: parts.lineOffsets[i]!, end: parts.lineOffsets[i + 1]!, ...(row !== undefined ? { from: previous.lineOffsets[row]! } : {}) };
  }
}
