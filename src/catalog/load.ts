import { PocketRecError } from '../errors';
import type { Int8RowsAllocator } from '../vector';
import { createSectionReader, decodeColumns, encodeColumns } from './binary';
import { columnsFromItems } from './columns';
import { decodeSequenceModel, loadSequenceModel } from './load-sequence-model';
import { createNdjsonRecords, encodeRecords, recordsFromItems } from './records';
import { sha256Hex } from './sha256';
import { decodeProjection } from './projection';
import type { Catalog, CatalogManifestV1, CatalogManifestV2, CatalogPart, Item, LoadProgress } from './types';
import { checkNotEmpty, copyInto, decodeEmbeddings, isManifest, parseItemsBytes, validateItems, validateManifest, validateSignals } from './validate';

/** Where the host's catalogue comes from: a manifest, JSON-array or NDJSON URL, or the items themselves. */
export type CatalogSource = string | URL | readonly Item[];

/**
 * Where loaded catalogues are kept between visits: plain keys and structured-cloneable values. `store/` provides
 * the IndexedDB one. Binary parts go in as ArrayBuffer pieces, never as one value per catalogue.
 */
export interface CatalogCache {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

/** How writing the cache went; a failure means the next visit downloads again, and `status()` says so. */
export interface CacheWriteReport {
  ok: boolean;
  /** Size of the pieces of the last attempt. */
  pieceBytes: number;
  /** Attempts made: each retry halves… quarters the piece size. */
  attempts: number;
  /** The last failure's message, when a write failed (even if a retry then succeeded). */
  error?: string;
}

export interface LoadCatalogOptions {
  /** Base for relative URLs (the page or worker location). */
  baseUrl: string;
  cache?: CatalogCache;
  onProgress?: (p: LoadProgress) => void;
  fetch?: typeof fetch;
  /** Accept a catalogue without items instead of rejecting it with `catalog-empty`. @defaultValue false */
  allowEmpty?: boolean;
  /** Where the int8 rows go (a kernel's memory); plain typed arrays by default. */
  allocateRows?: Int8RowsAllocator;
  /**
   * First size of the cached pieces, in bytes; a write that fails is retried in quarter-size pieces down to 64 KiB.
   * @defaultValue 8 MiB
   */
  cachePieceBytes?: number;
}

export interface LoadedCatalog {
  catalog: Catalog;
  /**
   * Parts taken from the cache instead of the network because the manifest gives them the sha256 of the cached
   * copy (an update that changed descriptions only downloads the small parts, never the embeddings).
   */
  reusedParts?: string[];
  /** True when nothing but a manifest or a 304 crossed the network, or the update failed (see `staleBecause`). */
  fromCache: boolean;
  /** Set when an update failed and the cached catalogue was kept; the failure's message. */
  staleBecause?: string;
  /** Set when the catalogue was downloaded and a cache was given. */
  cacheWrite?: CacheWriteReport;
}

/** What the cache keeps per source URL; the parts themselves are pieces under their own keys. */
interface CacheMeta {
  kind: 'pocketrec-catalog-parts';
  version: string;
  etag?: string;
  lastModified?: string;
  /** The v2 layout (v1 sources are cached in the same shape, converted). */
  manifest: CatalogManifestV2;
  /** Pieces per part name (columns, records, embeddings, sequence, sequenceTable). */
  pieces: Record<string, number>;
  /** Bytes per part, so a warm start copies each piece straight into its place instead of joining copies. */
  bytes: Record<string, number>;
  /** Size of every piece but a part's last. */
  pieceBytes?: number;
  /** sha256 per part, as its manifest gave it: a later version whose part has the same hash reuses these pieces. */
  partSha256?: Record<string, string>;
  /** Key prefix of each part's pieces; absent parts use `<version>:<part>` (and so do entries of older releases). */
  partKeys?: Record<string, string>;
}

type PartBuffers = { columns: ArrayBuffer; records: ArrayBuffer; embeddings?: ArrayBuffer; projection?: ArrayBuffer; sequence?: ArrayBuffer; sequenceTable?: ArrayBuffer };

const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;
const MIN_PIECE_BYTES = 64 * 1024;
const PARALLEL_READS = 4;
/** No manifest is this large; a bigger first file is items, decoded line by line. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * Loads, validates and caches a catalogue. Everything is validated before anything is cached, so a broken
 * update never replaces a good catalogue: with a cached copy the update's failure is reported, not thrown.
 */
export async function loadCatalog(source: CatalogSource, options: LoadCatalogOptions): Promise<LoadedCatalog> {
  if (typeof source !== 'string' && !(source instanceof URL)) {
    const items = validateItems(source, (index) => ({ kind: 'inline', index }), 'the inline catalog option');
    checkNotEmpty(items.length, 'the inline catalog option', options.allowEmpty ?? false);
    return { catalog: { version: await contentVersion(new globalThis.TextEncoder().encode(JSON.stringify(items))), columns: columnsFromItems(items), records: recordsFromItems(items) }, fromCache: false };
  }
  const url = new URL(String(source), options.baseUrl).href;
  const doFetch = options.fetch ?? fetch;
  const meta = await safeCacheGet(options.cache, url);
  const conditional: Record<string, string> = {};
  if (meta?.etag) conditional['If-None-Match'] = meta.etag;
  if (meta?.lastModified) conditional['If-Modified-Since'] = meta.lastModified;

  let fromCacheFailed: string | undefined;
  const cachedCatalog = async (): Promise<Catalog | undefined> => {
    if (!meta || !options.cache) return undefined;
    try {
      return await readCached(options.cache, meta, url, options);
    } catch (error) {
      fromCacheFailed = (error as Error).message;
      console.warn(`catalog: the cached catalogue ${meta.version} could not be read (${fromCacheFailed}); downloading again.`);
      return undefined;
    }
  };

  try {
    return await fetchAndValidate(url, doFetch, conditional, meta, cachedCatalog, options);
  } catch (error) {
    // A broken deploy or a network outage must not take down visitors who hold a good copy: keep serving it.
    if (!meta || !(error instanceof PocketRecError) || fromCacheFailed) throw error;
    const kept = await cachedCatalog();
    if (!kept) throw error;
    console.warn(`catalog: keeping the cached catalogue ${meta.version} because the update failed: ${error.message}`);
    return { catalog: kept, fromCache: true, staleBecause: error.message };
  }
}

/** What `reloadCatalog` found: the catalogue in use is still current, or a new one, loaded and validated. */
export type ReloadedCatalog = { changed: false; version: string } | { changed: true; loaded: LoadedCatalog };

export interface ReloadCatalogOptions extends LoadCatalogOptions {
  /** The version in use now: a source that still has it answers `changed: false` and nothing is decoded. */
  currentVersion: string;
  /**
   * The version another tab just swapped to: when the cache already holds it for this URL it is read from there,
   * with no request at all.
   */
  expectVersion?: string;
}

/**
 * Loads a catalogue again to replace the one in use (a live update). Unlike `loadCatalog`, a failure always
 * rejects (the caller keeps what it serves; falling back to the cached copy would swap in an older catalogue),
 * and an unchanged source costs at most one conditional request. Parts whose sha256 equals a cached part's are
 * read from the cache, not downloaded.
 *
 * @throws PocketRecError `catalog-fetch-failed`, `catalog-invalid`, `catalog-empty`
 */
export async function reloadCatalog(source: CatalogSource, options: ReloadCatalogOptions): Promise<ReloadedCatalog> {
  if (typeof source !== 'string' && !(source instanceof URL)) {
    const items = validateItems(source, (index) => ({ kind: 'inline', index }), 'the inline catalogue update');
    const version = await contentVersion(new globalThis.TextEncoder().encode(JSON.stringify(items)));
    if (version === options.currentVersion) return { changed: false, version };
    return { changed: true, loaded: await loadCatalog(items, options) };
  }
  const url = new URL(String(source), options.baseUrl).href;
  const meta = await safeCacheGet(options.cache, url);
  if (meta && options.cache && options.expectVersion !== undefined && meta.version === options.expectVersion) {
    if (meta.version === options.currentVersion) return { changed: false, version: meta.version };
    // Another tab downloaded it into the shared cache a moment ago: nothing crosses the network.
    try {
      return { changed: true, loaded: { catalog: await readCached(options.cache, meta, url, options), fromCache: true } };
    } catch (error) {
      console.warn(`catalog: the cached catalogue ${meta.version} could not be read (${(error as Error).message}); downloading it.`);
    }
  }
  const conditional: Record<string, string> = {};
  if (meta?.etag) conditional['If-None-Match'] = meta.etag;
  if (meta?.lastModified) conditional['If-Modified-Since'] = meta.lastModified;
  const cachedCatalog = async () => (meta && options.cache ? readCached(options.cache, meta, url, options) : undefined);
  const loaded = await fetchAndValidate(url, options.fetch ?? fetch, conditional, meta, cachedCatalog, options, options.currentVersion);
  return loaded === UNCHANGED ? { changed: false, version: options.currentVersion } : { changed: true, loaded };
}

/** fetchAndValidate's answer when the source still holds `unchangedIf`. */
const UNCHANGED = Symbol('unchanged');

async function fetchAndValidate(
  url: string,
  doFetch: typeof fetch,
  conditional: Record<string, string>,
  meta: CacheMeta | undefined,
  cachedCatalog: () => Promise<Catalog | undefined>,
  options: LoadCatalogOptions,
): Promise<LoadedCatalog>;
async function fetchAndValidate(
  url: string,
  doFetch: typeof fetch,
  conditional: Record<string, string>,
  meta: CacheMeta | undefined,
  cachedCatalog: () => Promise<Catalog | undefined>,
  options: LoadCatalogOptions,
  unchangedIf: string,
): Promise<LoadedCatalog | typeof UNCHANGED>;
async function fetchAndValidate(
  url: string,
  doFetch: typeof fetch,
  conditional: Record<string, string>,
  meta: CacheMeta | undefined,
  cachedCatalog: () => Promise<Catalog | undefined>,
  options: LoadCatalogOptions,
  unchangedIf?: string,
): Promise<LoadedCatalog | typeof UNCHANGED> {
  const progress = options.onProgress;
  const response = await get(doFetch, url, conditional);
  if (response.status === 304 && meta) {
    if (meta.version === unchangedIf) return UNCHANGED;
    const catalog = await cachedCatalog().catch(() => undefined);
    if (catalog) return { catalog, fromCache: true };
    return fetchAndValidate(url, doFetch, {}, undefined, cachedCatalog, options, unchangedIf as string);
  }
  const first = await readBytes(response, undefined, progress);

  let json: unknown;
  if (first.length <= MAX_MANIFEST_BYTES && firstByte(first) === 0x7b) json = tryParse(first);
  let catalog: Catalog;
  let parts: PartBuffers;
  let layout: CatalogManifestV2;
  const reused: string[] = [];
  if (json !== undefined && isManifest(json)) {
    const manifest = validateManifest(json, url);
    if (manifest.version === unchangedIf) return UNCHANGED;
    if (meta && meta.version === manifest.version) {
      progress?.({ phase: 'catalog-parse', loaded: 1, total: 1 });
      const cached = await cachedCatalog().catch(() => undefined);
      if (cached) return { catalog: cached, fromCache: true };
    }
    // A part the cache holds under the same sha256 is read from there: the hash names the bytes.
    const reuse = async (name: string, sha256: string): Promise<ArrayBuffer | undefined> => {
      if (!meta || !options.cache || !sha256 || meta.partSha256?.[name] !== sha256) return undefined;
      try {
        const buffer = await readPart(options.cache, meta, name);
        reused.push(name);
        return buffer;
      } catch (error) {
        console.warn(`catalog: the cached part "${name}" could not be read (${(error as Error).message}); downloading it.`);
        return undefined;
      }
    };
    if (manifest.formatVersion === 2) {
      parts = await fetchParts(manifest, url, doFetch, progress, reuse);
      layout = manifest;
      catalog = decodeParts(manifest, parts, url, options.allocateRows);
      if (manifest.sequence) {
        const sequence = await loadSequenceModel(manifest.sequence, url, catalog.columns.ids, (u) => get(doFetch, u), reuse);
        catalog = { ...catalog, sequence: decodeSequenceModel(manifest.sequence, sequence, manifest.itemCount, url, options.allocateRows) };
        parts.sequence = sequence.model;
        parts.sequenceTable = sequence.table;
      }
    } else {
      ({ catalog, parts, layout } = await loadV1(manifest, url, doFetch, options));
    }
  } else {
    progress?.({ phase: 'catalog-parse', loaded: 0, total: 1 });
    const version = await contentVersion(first);
    if (version === unchangedIf) return UNCHANGED;
    const items = parseItemsBytes(first, url);
    ({ catalog, parts, layout } = fromItems(version, items, undefined, undefined, options));
  }
  checkNotEmpty(catalog.columns.count, url, options.allowEmpty ?? false);
  progress?.({ phase: 'catalog-parse', loaded: 1, total: 1 });
  const fresh: CacheMeta = { kind: 'pocketrec-catalog-parts', version: catalog.version, manifest: layout, pieces: {}, bytes: {} };
  const etag = response.headers.get('ETag');
  const lastModified = response.headers.get('Last-Modified');
  if (etag) fresh.etag = etag;
  if (lastModified) fresh.lastModified = lastModified;
  const done = reused.length > 0 ? { reusedParts: reused } : {};
  if (!options.cache) return { catalog, fromCache: false, ...done };
  fresh.partSha256 = partHashes(layout);
  const cacheWrite = await writeCache(options.cache, url, fresh, parts, meta, options.cachePieceBytes ?? DEFAULT_PIECE_BYTES);
  return { catalog, fromCache: false, cacheWrite, ...done };
}

/** Format 1: JSON items, embeddings and id-keyed signals, converted into columns once. */
async function loadV1(manifest: CatalogManifestV1, manifestUrl: string, doFetch: typeof fetch, options: LoadCatalogOptions) {
  const progress = options.onProgress;
  const itemsUrl = new URL(manifest.items, manifestUrl).href;
  const items = parseItemsBytes(await readBytes(await get(doFetch, itemsUrl), 'items', progress), itemsUrl);
  if (items.length !== manifest.itemCount) {
    throw new PocketRecError('catalog-invalid', `catalog: ${itemsUrl} has ${items.length} items but the manifest says itemCount ${manifest.itemCount} (${manifestUrl}). Rebuild the catalogue.`, {
      details: { source: manifestUrl, field: 'itemCount', found: items.length },
    });
  }
  let embeddings: Catalog['embeddings'];
  if (manifest.embeddings) {
    const { url, dim, dtype, model } = manifest.embeddings;
    const embUrl = new URL(url, manifestUrl).href;
    const bytes = await readBytes(await get(doFetch, embUrl), 'embeddings', progress);
    embeddings = { model, rows: decodeEmbeddings(bytes.buffer as ArrayBuffer, items.length, dim, dtype, embUrl) };
  }
  let signals;
  if (manifest.signals) {
    const sigUrl = new URL(manifest.signals, manifestUrl).href;
    const bytes = await readBytes(await get(doFetch, sigUrl), 'signals', progress);
    if (bytes.length > 512 * 1024 * 1024) {
      throw new PocketRecError('catalog-invalid', `catalog: signals file ${sigUrl} has ${bytes.length} bytes, too long for one browser string. Rebuild with \`pocketrec build\` (format 2 ships signals as binary).`, {
        details: { source: sigUrl, bytes: bytes.length },
      });
    }
    const parsed = tryParse(bytes);
    if (parsed === undefined) throw new PocketRecError('catalog-invalid', `catalog: signals file ${sigUrl} is not valid JSON. Rebuild it with \`pocketrec build\`.`, { details: { source: sigUrl } });
    signals = validateSignals(parsed, sigUrl);
  }
  const built = fromItems(manifest.version, items, embeddings, signals, options);
  if (manifest.sequence) {
    const sequence = await loadSequenceModel(manifest.sequence, manifestUrl, built.catalog.columns.ids, (u) => get(doFetch, u));
    built.catalog = { ...built.catalog, sequence: decodeSequenceModel(manifest.sequence, sequence, items.length, manifestUrl, options.allocateRows) };
    built.parts.sequence = sequence.model;
    built.parts.sequenceTable = sequence.table;
    built.layout.sequence = manifest.sequence;
  }
  return built;
}

/** Columns, records and rows from items, plus the same catalogue as v2-shaped parts for the cache. */
function fromItems(version: string, items: readonly Item[], embeddings: Catalog['embeddings'], signals: Parameters<typeof columnsFromItems>[1], options: LoadCatalogOptions) {
  const columns = columnsFromItems(items, signals);
  const records = encodeRecords(items);
  const encoded = encodeColumns(columns, records.offsets);
  const local = (bytes: Uint8Array, sections: CatalogPart['sections']): CatalogPart => ({ url: '', bytes: bytes.byteLength, sha256: '', chunkBytes: Math.max(1, bytes.byteLength), chunkSha256: [], sections });
  const layout: CatalogManifestV2 = { formatVersion: 2, version, itemCount: items.length, parts: { columns: local(encoded.bytes, encoded.sections), records: local(records.bytes, []) } };
  const parts: PartBuffers = { columns: encoded.bytes.buffer as ArrayBuffer, records: records.bytes.buffer as ArrayBuffer };
  let rows = embeddings?.rows;
  if (embeddings && rows) {
    const n = items.length;
    const bytes = new Uint8Array(n * 4 + rows.values.length);
    new Float32Array(bytes.buffer, 0, n).set(rows.scales);
    new Int8Array(bytes.buffer, n * 4).set(rows.values);
    layout.parts.embeddings = {
      ...local(bytes, [
        { name: 'scales', dtype: 'f32', offset: 0, length: n },
        { name: 'values', dtype: 'i8', offset: n * 4, length: rows.values.length },
      ]),
      model: embeddings.model,
      dim: rows.dim,
    };
    parts.embeddings = bytes.buffer;
    if (options.allocateRows) rows = copyInto(rows, options.allocateRows(n, rows.dim));
  }
  const catalog: Catalog = { version, columns, records: recordsFromItems(items), ...(embeddings && rows ? { embeddings: { model: embeddings.model, rows } } : {}) };
  return { catalog, parts, layout };
}

/** A v2 catalogue from its parts' bytes: typed-array views, checked, and no record parsed. */
function decodeParts(manifest: CatalogManifestV2, parts: PartBuffers, source: string, allocate: Int8RowsAllocator | undefined): Catalog {
  const count = manifest.itemCount;
  const { columns, recordOffsets } = decodeColumns(parts.columns, manifest.parts.columns, count, parts.records.byteLength, source);
  const records = createNdjsonRecords(new Uint8Array(parts.records), recordOffsets, columns.ids, source);
  const catalog: { -readonly [K in keyof Catalog]: Catalog[K] } = { version: manifest.version, columns, records };
  const e = manifest.parts.embeddings;
  if (e && parts.embeddings) {
    const r = createSectionReader(parts.embeddings, e, 'embeddings', source);
    const rows = { dim: e.dim, scales: r.view('scales', 'f32', count), values: r.view('values', 'i8', count * e.dim) };
    catalog.embeddings = { model: e.model, rows: allocate ? copyInto(rows, allocate(count, e.dim)) : rows };
  }
  const p = manifest.parts.projection;
  if (p && parts.projection) catalog.projection = decodeProjection(parts.projection, p, source);
  if (manifest.sequence && parts.sequence && parts.sequenceTable) {
    catalog.sequence = decodeSequenceModel(manifest.sequence, { model: parts.sequence, table: parts.sequenceTable }, count, source, allocate);
  }
  return catalog;
}

/** The sha256 of each part a manifest names (parts converted from format 1 have none). */
function partHashes(layout: CatalogManifestV2): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, part] of Object.entries(layout.parts)) if (part?.sha256) out[name] = part.sha256;
  if (layout.sequence) {
    out.sequence = layout.sequence.sha256;
    out.sequenceTable = layout.sequence.table.sha256;
  }
  return out;
}

async function fetchParts(
  manifest: CatalogManifestV2,
  manifestUrl: string,
  doFetch: typeof fetch,
  progress: ((p: LoadProgress) => void) | undefined,
  reuse: (name: string, sha256: string) => Promise<ArrayBuffer | undefined>,
): Promise<PartBuffers> {
  const one = async (name: string, part: CatalogPart) => {
    const kept = await reuse(name, part.sha256);
    if (kept && kept.byteLength === part.bytes) return kept;
    const url = new URL(part.url, manifestUrl).href;
    return fetchPart(await get(doFetch, url), url, name, part, progress);
  };
  const { columns, records, embeddings, projection } = manifest.parts;
  const out: PartBuffers = { columns: await one('columns', columns), records: await one('records', records) };
  if (embeddings) out.embeddings = await one('embeddings', embeddings);
  if (projection) out.projection = await one('projection', projection);
  return out;
}

/**
 * Streams one part into a buffer of the manifest's size, hashing each chunk as soon as it is complete: a part
 * that is longer, shorter or different from what the manifest says is refused, named, before anything is kept.
 */
async function fetchPart(response: Response, url: string, name: string, part: CatalogPart, progress?: (p: LoadProgress) => void): Promise<ArrayBuffer> {
  const invalid = (problem: string, field: string, extra: Record<string, number> = {}) =>
    new PocketRecError('catalog-invalid', `catalog: part "${name}" (${url}) ${problem}. Redeploy the files of one \`pocketrec build\` together; the previous catalogue stays in use.`, {
      details: { source: url, part: name, field, ...extra },
    });
  const bytes = new Uint8Array(part.bytes);
  const checks: Array<Promise<void>> = [];
  let loaded = 0;
  let hashed = 0;
  const check = (k: number, end: number) =>
    checks.push(
      sha256Hex(bytes.subarray(k * part.chunkBytes, end)).then((actual) => {
        if (actual !== part.chunkSha256[k]) throw invalid(`has sha256 ${actual.slice(0, 12)}… in chunk ${k}, the manifest says ${part.chunkSha256[k]!.slice(0, 12)}…`, 'sha256', { chunk: k });
      }),
    );
  progress?.({ phase: 'catalog-download', loaded: 0, total: part.bytes, part: name });
  const reader = response.body?.getReader();
  const take = (value: Uint8Array) => {
    if (loaded + value.byteLength > part.bytes) throw invalid(`is longer than the manifest's ${part.bytes} bytes`, 'bytes', { bytes: part.bytes });
    bytes.set(value, loaded);
    loaded += value.byteLength;
    while (hashed < part.chunkSha256.length && (hashed + 1) * part.chunkBytes <= loaded) check(hashed, (hashed + 1) * part.chunkBytes), hashed++;
    progress?.({ phase: 'catalog-download', loaded, total: part.bytes, part: name });
  };
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
  } else take(new Uint8Array(await response.arrayBuffer()));
  if (loaded < part.bytes) throw invalid(`is truncated: ${loaded} of the manifest's ${part.bytes} bytes arrived`, 'bytes', { bytes: loaded });
  if (hashed < part.chunkSha256.length) check(hashed, loaded);
  // Settle every check before throwing, so no rejection is left unobserved.
  const results = await Promise.allSettled(checks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return bytes.buffer;
}

/**
 * Writes the parts as pieces, then the meta entry that makes them visible: a half-written cache is never read.
 * A failed write (IndexedDB refuses large values with `DataCloneError … out of memory`) is retried in smaller
 * pieces. The previous version's pieces are deleted once the new one is in place.
 */
async function writeCache(cache: CatalogCache, url: string, meta: CacheMeta, parts: PartBuffers, previous: CacheMeta | undefined, firstPieceBytes: number): Promise<CacheWriteReport> {
  let pieceBytes = firstPieceBytes;
  let attempts = 0;
  let error: string | undefined;
  for (;;) {
    attempts++;
    try {
      const pieces: Record<string, number> = {};
      const bytes: Record<string, number> = {};
      const partKeys: Record<string, string> = {};
      for (const [name, buffer] of Object.entries(parts) as Array<[string, ArrayBuffer | undefined]>) {
        if (!buffer) continue;
        const sha = meta.partSha256?.[name];
        // The previous version's pieces of an identical part are kept as they are, not written again.
        if (previous && sha && previous.partSha256?.[name] === sha && previous.pieces[name] !== undefined && previous.bytes[name] === buffer.byteLength && (previous.pieceBytes ?? buffer.byteLength) === pieceBytes) {
          pieces[name] = previous.pieces[name]!;
          bytes[name] = buffer.byteLength;
          partKeys[name] = prefixOf(previous, name);
          continue;
        }
        const prefix = `${meta.version}:${name}`;
        const n = Math.max(1, Math.ceil(buffer.byteLength / pieceBytes));
        for (let k = 0; k < n; k++) await cache.put(pieceKey(prefix, k), buffer.slice(k * pieceBytes, (k + 1) * pieceBytes));
        pieces[name] = n;
        bytes[name] = buffer.byteLength;
        partKeys[name] = prefix;
      }
      meta = { ...meta, pieces, bytes, pieceBytes, partKeys };
      await cache.put(metaKey(url), meta);
      break;
    } catch (cause) {
      error = `${(cause as Error)?.name ?? 'Error'}: ${(cause as Error)?.message ?? String(cause)}`;
      if (pieceBytes <= MIN_PIECE_BYTES) {
        console.warn(`catalog: cache write failed for ${url} even in ${pieceBytes}-byte pieces (${error}); the next visit downloads again.`);
        return { ok: false, pieceBytes, attempts, error };
      }
      pieceBytes = Math.max(MIN_PIECE_BYTES, Math.floor(pieceBytes / 4));
    }
  }
  if (previous && previous.version !== meta.version) {
    const kept = new Set(Object.values(meta.partKeys ?? {}));
    const stale = Object.entries(previous.pieces ?? {})
      .filter(([name]) => !kept.has(prefixOf(previous, name)))
      .flatMap(([name, n]) => Array.from({ length: n }, (_, k) => pieceKey(prefixOf(previous, name), k)));
    await cache.delete(stale).catch((e: unknown) => console.warn(`catalog: could not evict the cached catalogue ${previous.version}.`, e));
  }
  return { ok: true, pieceBytes, attempts, ...(error ? { error } : {}) };
}

async function readCached(cache: CatalogCache, meta: CacheMeta, url: string, options: LoadCatalogOptions): Promise<Catalog> {
  const parts: Partial<PartBuffers> = {};
  for (const name of Object.keys(meta.pieces)) parts[name as keyof PartBuffers] = await readPart(cache, meta, name, options.onProgress);
  if (!parts.columns || !parts.records) throw new Error('the columns or records part is missing');
  return decodeParts(meta.manifest, parts as PartBuffers, url, options.allocateRows);
}

/** One cached part, joined from its pieces. */
async function readPart(cache: CatalogCache, meta: CacheMeta, name: string, onProgress?: (p: LoadProgress) => void): Promise<ArrayBuffer> {
  const n = meta.pieces[name];
  const size = meta.bytes?.[name];
  if (n === undefined || size === undefined) throw new Error(`the size of part "${name}" is not recorded`);
  // One buffer of the part's size, each piece copied into its place and dropped: the peak is the part plus the
  // pieces in flight. A few reads in flight keep IndexedDB's disk and decoding busy at once.
  const out = new Uint8Array(size);
  let at = 0;
  let next = 0;
  const pieceSize = meta.pieceBytes ?? size;
  const prefix = prefixOf(meta, name);
  const readOne = async (): Promise<void> => {
    for (let k = next++; k < n; k = next++) {
      const piece = await cache.get(pieceKey(prefix, k));
      if (!(piece instanceof ArrayBuffer) || k * pieceSize + piece.byteLength > size) throw new Error(`piece ${k} of part "${name}" is missing or too long`);
      out.set(new Uint8Array(piece), k * pieceSize);
      at += piece.byteLength;
      onProgress?.({ phase: 'catalog-parse', loaded: at, total: size, part: name });
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, PARALLEL_READS) }, readOne));
  if (at !== size) throw new Error(`part "${name}" has ${at} of its ${size} bytes in the cache`);
  return out.buffer;
}

const metaKey = (url: string) => `catalog:${url}`;
const pieceKey = (prefix: string, k: number) => `catalog-part:${prefix}:${k}`;
const prefixOf = (meta: CacheMeta, part: string) => meta.partKeys?.[part] ?? `${meta.version}:${part}`;

async function get(doFetch: typeof fetch, url: string, headers: Record<string, string> = {}): Promise<Response> {
  let response: Response;
  try {
    response = await doFetch(url, { headers });
  } catch (cause) {
    throw new PocketRecError('catalog-fetch-failed', `catalog: could not fetch ${url} (${(cause as Error).message}). Check the URL and that the site serves it.`, { details: { url }, cause });
  }
  if (!response.ok && response.status !== 304) {
    throw new PocketRecError('catalog-fetch-failed', `catalog: ${url} answered HTTP ${response.status}. Check the catalog option's URL.`, { details: { url, status: response.status } });
  }
  return response;
}

/** Streams a body into bytes so progress reflects bytes actually received; never one string. */
async function readBytes(response: Response, part: string | undefined, onProgress?: (p: LoadProgress) => void): Promise<Uint8Array> {
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const tag = part ? { part } : {};
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ phase: 'catalog-download', loaded: 0, total, ...tag });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.({ phase: 'catalog-download', loaded, total: Math.max(total, loaded), ...tag });
  }
  onProgress?.({ phase: 'catalog-download', loaded, total: loaded, ...tag });
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) (bytes.set(c, offset), (offset += c.byteLength));
  return bytes;
}

function firstByte(bytes: Uint8Array): number | undefined {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return undefined;
}

function tryParse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new globalThis.TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** A short content hash: identical catalogues share cached parts, changed ones never do. */
async function contentVersion(bytes: Uint8Array): Promise<string> {
  return (await sha256Hex(bytes)).slice(0, 16);
}

// A cache that fails is a slower visit, not a broken one: warn and go on.
async function safeCacheGet(cache: CatalogCache | undefined, url: string): Promise<CacheMeta | undefined> {
  try {
    const value = (await cache?.get(metaKey(url))) as CacheMeta | undefined;
    // Entries of older releases (whole catalogues as one value) are not read; the next write replaces them.
    return value && value.kind === 'pocketrec-catalog-parts' ? value : undefined;
  } catch (error) {
    console.warn(`catalog: cache read failed for ${url}; downloading again.`, error);
    return undefined;
  }
}

