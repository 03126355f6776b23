import { PocketRecError } from '../errors';
import { averageLength } from '../rank/lexical-index';
import type { CatalogColumns, CatalogPart, CsrRows, DictionaryColumn, LexicalIndex, PartSection, SectionDtype } from './types';

type Typed = Uint8Array | Int8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

const CONSTRUCTORS = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

function dtypeOf(array: Typed): SectionDtype {
  if (array instanceof Uint8Array) return 'u8';
  if (array instanceof Int8Array) return 'i8';
  if (array instanceof Uint16Array) return 'u16';
  if (array instanceof Uint32Array) return 'u32';
  if (array instanceof Float32Array) return 'f32';
  return 'f64';
}

// Typed arrays use the platform's byte order; every browser and Node target is little-endian, the format's order.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Lays typed arrays end to end, each 8-byte aligned so the reader can view them in place without copying. */
export function encodeSections(named: ReadonlyArray<readonly [string, Typed]>): { bytes: Uint8Array; sections: PartSection[] } {
  const { sections, size } = layoutSections(named);
  const bytes = new Uint8Array(size);
  named.forEach(([, array], k) => bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), sections[k]!.offset));
  return { bytes, sections };
}

/**
 * Where each array of a part goes: in order, each 8-byte aligned, the gaps zeros. The build writes a large part
 * array by array at these offsets instead of joining it in memory first (the columns of 10⁶ items are 0.5 GB).
 */
export function layoutSections(named: ReadonlyArray<readonly [string, Typed]>): { sections: PartSection[]; size: number } {
  if (!LITTLE_ENDIAN) throw new Error('catalog: writing binary parts needs a little-endian platform');
  const sections: PartSection[] = [];
  let size = 0;
  for (const [name, array] of named) {
    size = Math.ceil(size / 8) * 8;
    sections.push({ name, dtype: dtypeOf(array), offset: size, length: array.length });
    size += array.byteLength;
  }
  return { sections, size };
}

const utf8 = new globalThis.TextEncoder();

/** Strings as one UTF-8 blob plus byte offsets (n + 1): a million ids are two typed arrays, not a JSON array. */
export function encodeStrings(strings: readonly string[]): { bytes: Uint8Array; offsets: Uint32Array } {
  const parts = strings.map((s) => utf8.encode(s));
  const offsets = new Uint32Array(strings.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.byteLength));
  const bytes = new Uint8Array(offsets[strings.length]!);
  parts.forEach((p, i) => bytes.set(p, offsets[i]!));
  return { bytes, offsets };
}

/** The columns (and the records' line offsets) as the sections of the `columns` part. */
export function encodeColumns(columns: CatalogColumns, recordOffsets: Uint32Array): { bytes: Uint8Array; sections: PartSection[] } {
  return encodeSections(columnSections(columns, recordOffsets));
}

/** The arrays of the `columns` part, named, in their order (`encodeColumns` joins them). */
export function columnSections(columns: CatalogColumns, recordOffsets: Uint32Array): Array<readonly [string, Typed]> {
  const strings = (name: string, list: readonly string[]) => {
    const { bytes, offsets } = encodeStrings(list);
    return [
      [`${name}.bytes`, bytes],
      [`${name}.offsets`, offsets],
    ] as const;
  };
  const csr = (name: string, rows: CsrRows | null) =>
    rows
      ? ([
          [`${name}.offsets`, rows.offsets],
          [`${name}.targets`, rows.targets],
          [`${name}.weights`, rows.weights],
        ] as const)
      : [];
  const { lexical } = columns;
  const windows = [...columns.trendingWindows.keys()];
  const windowValues = new Float32Array(windows.length * columns.count);
  windows.forEach((days, w) => windowValues.set(columns.trendingWindows.get(days)!, w * columns.count));
  return [
    ...strings('ids', columns.ids),
    ['recordOffsets', recordOffsets],
    ['prices', columns.prices],
    ['publishedMs', columns.publishedMs],
    ['repeatable', columns.repeatable],
    ['popularity', columns.popularity],
    ['trending', columns.trending],
    ['categories.codes', columns.categories.codes],
    ...strings('categories.names', columns.categories.names),
    ['brands.codes', columns.brands.codes],
    ...strings('brands.names', columns.brands.names),
    ['tags.offsets', columns.tags.offsets],
    ['tags.codes', columns.tags.codes],
    ...strings('tags.names', columns.tagNames),
    ...csr('neighbors', columns.neighbors),
    ...csr('transitions', columns.transitions),
    ...csr('boughtTogether', columns.boughtTogether),
    // One window after another, each a column of `count` values; `days` names them in that order.
    ...(windows.length > 0
      ? ([
          ['trendingWindows.days', Uint32Array.from(windows)],
          ['trendingWindows.values', windowValues],
        ] as const)
      : []),
    ...strings('lexical.terms', lexical.terms),
    ['lexical.offsets', lexical.offsets],
    ['lexical.items', lexical.items],
    ['lexical.tf', lexical.tf],
    ['lexical.lengths', lexical.lengths],
  ];
}

/** Reads the sections of one part, each checked against the part's bytes, its dtype and its alignment. */
export function createSectionReader(buffer: ArrayBuffer, part: Pick<CatalogPart, 'sections'>, partName: string, source: string) {
  const invalid = (field: string, problem: string) =>
    new PocketRecError('catalog-invalid', `catalog: part "${partName}" ${problem} (section "${field}" of ${source}). Rebuild the catalogue with \`pocketrec build\`; the previous catalogue stays in use.`, {
      details: { source, part: partName, field },
    });
  const byName = new Map(part.sections.map((s) => [s.name, s]));
  const view = <D extends SectionDtype>(name: string, dtype: D, length?: number): InstanceType<(typeof CONSTRUCTORS)[D]> => {
    const s = byName.get(name);
    if (!s) throw invalid(name, 'lacks a section');
    if (s.dtype !== dtype) throw invalid(name, `has dtype ${JSON.stringify(s.dtype)}, expected "${dtype}"`);
    const Ctor = CONSTRUCTORS[dtype];
    if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset % Ctor.BYTES_PER_ELEMENT !== 0) throw invalid(name, `has a misaligned offset ${s.offset}`);
    if (!Number.isInteger(s.length) || s.length < 0 || s.offset + s.length * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) {
      throw invalid(name, `runs past the end of the part (${s.offset} + ${s.length} × ${Ctor.BYTES_PER_ELEMENT} bytes > ${buffer.byteLength})`);
    }
    if (length !== undefined && s.length !== length) throw invalid(name, `has ${s.length} entries, expected ${length}`);
    return new Ctor(buffer, s.offset, s.length) as InstanceType<(typeof CONSTRUCTORS)[D]>;
  };
  return { view, has: (name: string) => byName.has(name), invalid };
}

type SectionReader = ReturnType<typeof createSectionReader>;

/** Checks CSR offsets: start at 0, never decrease, end at the length of what they index. */
function checkOffsets(offsets: Uint32Array, size: number, name: string, r: SectionReader): void {
  if (offsets[0] !== 0) throw r.invalid(name, 'does not start at 0');
  for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) throw r.invalid(name, `decreases at entry ${i}`);
  if (offsets[offsets.length - 1] !== size) throw r.invalid(name, `ends at ${offsets[offsets.length - 1]}, expected ${size}`);
}

function checkCodes(codes: Uint32Array, limit: number, name: string, r: SectionReader): void {
  for (let i = 0; i < codes.length; i++) if (codes[i]! >= limit) throw r.invalid(name, `has code ${codes[i]} at entry ${i}, beyond the ${limit} entries it refers to`);
}

function readStrings(r: SectionReader, name: string, count?: number): string[] {
  const offsets = r.view(`${name}.offsets`, 'u32', count === undefined ? undefined : count + 1);
  if (offsets.length === 0) throw r.invalid(`${name}.offsets`, 'is empty');
  const bytes = r.view(`${name}.bytes`, 'u8');
  checkOffsets(offsets, bytes.length, `${name}.offsets`, r);
  const n = offsets.length - 1;
  let text: string;
  try {
    text = new globalThis.TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw Object.assign(r.invalid(`${name}.bytes`, 'is not UTF-8'), { cause });
  }
  const out = new Array<string>(n);
  // Pure ASCII (the usual case): byte offsets are character offsets, and slices of one string are cheap.
  if (text.length === bytes.length) for (let i = 0; i < n; i++) out[i] = text.slice(offsets[i]!, offsets[i + 1]!);
  else {
    const decoder = new globalThis.TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < n; i++) out[i] = decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
  }
  return out;
}

function readDictionary(r: SectionReader, name: string, count: number): DictionaryColumn {
  const codes = r.view(`${name}.codes`, 'u32', count);
  const names = readStrings(r, `${name}.names`);
  if (names[0] !== '') throw r.invalid(`${name}.names`, 'does not start with the empty "none" entry');
  checkCodes(codes, names.length, `${name}.codes`, r);
  return { codes, names };
}

function readCsr(r: SectionReader, name: string, count: number): CsrRows | null {
  if (!r.has(`${name}.offsets`)) return null;
  const offsets = r.view(`${name}.offsets`, 'u32', count + 1);
  const targets = r.view(`${name}.targets`, 'u32');
  const weights = r.view(`${name}.weights`, 'u16', targets.length);
  checkOffsets(offsets, targets.length, `${name}.offsets`, r);
  checkCodes(targets, count, `${name}.targets`, r);
  return { offsets, targets, weights };
}

/** Windows as views into one section; a window's length in days must be a positive integer and appear once. */
function readTrendingWindows(r: SectionReader, count: number): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  if (!r.has('trendingWindows.days')) return out;
  const days = r.view('trendingWindows.days', 'u32');
  const values = r.view('trendingWindows.values', 'f32', days.length * count);
  days.forEach((d, w) => {
    if (d === 0 || out.has(d)) throw r.invalid('trendingWindows.days', `has ${d === 0 ? 'a window of 0 days' : `the window ${d} twice`} at entry ${w}`);
    out.set(d, values.subarray(w * count, (w + 1) * count));
  });
  return out;
}

/**
 * The `columns` part as columns, viewed in place (no copy), every offset and code checked against what it indexes,
 * so a corrupted part fails here, named, instead of reading out of bounds later.
 */
export function decodeColumns(
  buffer: ArrayBuffer,
  part: Pick<CatalogPart, 'sections'>,
  count: number,
  recordBytes: number,
  source: string,
  options: { lexicalLater?: boolean } = {},
): { columns: CatalogColumns; recordOffsets: Uint32Array; fillLexical?: () => void } {
  const r = createSectionReader(buffer, part, 'columns', source);
  const ids = readStrings(r, 'ids', count);
  for (let i = 0; i < count; i++) if (ids[i] === '') throw r.invalid('ids', `has an empty id at item ${i}`);
  const recordOffsets = r.view('recordOffsets', 'u32', count + 1);
  checkOffsets(recordOffsets, recordBytes, 'recordOffsets', r);
  const tagOffsets = r.view('tags.offsets', 'u32', count + 1);
  const tagCodes = r.view('tags.codes', 'u32');
  checkOffsets(tagOffsets, tagCodes.length, 'tags.offsets', r);
  const tagNames = readStrings(r, 'tags.names');
  checkCodes(tagCodes, tagNames.length, 'tags.codes', r);
  const readLexical = (): LexicalIndex => {
    const terms = readStrings(r, 'lexical.terms');
    const lexOffsets = r.view('lexical.offsets', 'u32', terms.length + 1);
    const lexItems = r.view('lexical.items', 'u32');
    checkOffsets(lexOffsets, lexItems.length, 'lexical.offsets', r);
    checkCodes(lexItems, count, 'lexical.items', r);
    const lengths = r.view('lexical.lengths', 'u16', count);
    return { terms, offsets: lexOffsets, items: lexItems, tf: r.view('lexical.tf', 'u16', lexItems.length), lengths, avgLength: averageLength(lengths) };
  };
  const later = options.lexicalLater ? deferredLexicalIndex(readLexical) : null;
  const columns: CatalogColumns = {
    count,
    ids,
    prices: r.view('prices', 'f64', count),
    publishedMs: r.view('publishedMs', 'f64', count),
    repeatable: r.view('repeatable', 'u8', count),
    popularity: r.view('popularity', 'f32', count),
    trending: r.view('trending', 'f32', count),
    categories: readDictionary(r, 'categories', count),
    brands: readDictionary(r, 'brands', count),
    tags: { offsets: tagOffsets, codes: tagCodes },
    tagNames,
    neighbors: readCsr(r, 'neighbors', count),
    transitions: readCsr(r, 'transitions', count),
    boughtTogether: readCsr(r, 'boughtTogether', count),
    trendingWindows: readTrendingWindows(r, count),
    lexical: later ? later.index : readLexical(),
  };
  return later ? { columns, recordOffsets, fillLexical: later.fill } : { columns, recordOffsets };
}

/** Sections of the search index: the last of the `columns` part, which a warm start reads only for a search. */
export const isLexicalSection = (name: string): boolean => name.startsWith('lexical.');

/**
 * The search index before its bytes are read: the same object, whose fields throw until `fill()` decodes (and
 * checks) them, so ranking code holds one index either way and only search waits for it.
 */
function deferredLexicalIndex(read: () => LexicalIndex): { index: LexicalIndex; fill: () => void } {
  let filled: LexicalIndex | null = null;
  const get = (): LexicalIndex => {
    if (!filled) throw new RangeError('catalog: the search index is not loaded yet; the loader reads it before the first search');
    return filled;
  };
  return {
    index: {
      get terms() {
        return get().terms;
      },
      get offsets() {
        return get().offsets;
      },
      get items() {
        return get().items;
      },
      get tf() {
        return get().tf;
      },
      get lengths() {
        return get().lengths;
      },
      get avgLength() {
        return get().avgLength;
      },
    },
    fill: () => void (filled ??= read()),
  };
}
