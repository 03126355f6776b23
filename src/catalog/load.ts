import { PocketRecError, type ErrorCode } from '../errors';
import type { Int8Rows, Int8RowsAllocator } from '../vector';
import { createSectionReader, decodeColumns, encodeColumns, isLexicalSection } from './binary';
import { columnsFromItems } from './columns';
import { decodeSequenceModel, loadSequenceModel } from './load-sequence-model';
import { createNdjsonRecords, createPieceRecords, encodeRecords, recordsFromItems, type RecordPieces } from './records';
import { bufferPartBytes, fileSinkPartBytes, rowsPartBytes, type PartBytes } from './part-bytes';
import { applyPartDelta } from './part-delta';
import { sha256Hex } from './sha256';
import { decodeProjection } from './projection';
import { DELTA_PARTS, type Catalog, type CatalogManifestV1, type CatalogManifestV2, type CatalogPart, type Item, type LoadProgress, type SequenceModelRef } from './types';
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
  /** Where the large binary parts go when present (the origin private file system): read faster than pieces. */
  files?: CatalogFiles | null;
}

/** Parts kept as whole files, written and read in steps so neither side holds a second copy. */
export interface CatalogFiles {
  /** Opens `name` to be written from its start; readers see the previous file (or none) until `close()`. */
  create(name: string): Promise<FileSink>;
  /** Bytes `[begin, end)` (the whole file by default). @throws when the file is missing or not `size` bytes long */
  read(name: string, size: number, write: (at: number, bytes: Uint8Array) => void, begin?: number, end?: number): Promise<void>;
  delete(names: readonly string[]): Promise<void>;
  /** Removes every file (forget()). */
  clear(): Promise<void>;
}

/** One file being written, in order. */
export interface FileSink {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the file visible under its name. */
  close(): Promise<void>;
  /** Drops what was written; never rejects. */
  abort(): Promise<void>;
}

/**
 * How writing the cache went; a failure means the next visit downloads again, and `status()` says so. `pending`
 * while a write behind start-up runs; `aborted` when `forget()` stopped it. Nothing of a write that did not end
 * `written` is ever read: the entry naming the pieces is written after all of them.
 */
export interface CacheWriteReport {
  state: 'pending' | 'written' | 'failed' | 'aborted';
  ok: boolean;
  /** Size of the pieces of the last attempt. */
  pieceBytes: number;
  /** Attempts made: each retry halves… quarters the piece size. */
  attempts: number;
  /** IndexedDB pieces the cached catalogue is kept in, once written (parts kept as files are not pieces). */
  pieces: number;
  /** The last failure's message, when a write failed (even if a retry then succeeded). */
  error?: string;
  /** Why it failed or stopped: `store-quota`, `store-unavailable` (IndexedDB refused it), `aborted`, or the sequence model's own error. */
  code?: ErrorCode;
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
  /**
   * Resolve as soon as the parts are parsed and verified; the cache is written behind it, and `cacheWritten`
   * settles with the outcome. @defaultValue false (the write is awaited)
   */
  writeCacheLater?: boolean;
  /** Stops a cache write at its next piece (forget()); nothing of it becomes visible. */
  cacheSignal?: AbortSignal;
  /**
   * Download a format 2 sequence model only once the ranking parts are in (they would share the bandwidth), and
   * resolve without it: `sequenceLater` brings it, reported as `sequence-download` progress. @defaultValue false
   */
  sequenceAfterParts?: boolean;
}

export interface LoadedCatalog {
  catalog: Catalog;
  /**
   * Parts taken from the cache instead of the network because the manifest gives them the sha256 of the cached
   * copy (an update that changed descriptions only downloads the small parts, never the embeddings).
   */
  reusedParts?: string[];
  /**
   * Parts rebuilt from the cached previous version's and the manifest's delta (`pocketrec build --previous`):
   * only the delta crossed the network, and the result was checked against the full part's sha256.
   */
  deltaParts?: string[];
  /** Parts whose delta could not be applied (a damaged delta, a cache read that failed): downloaded whole instead. */
  deltaFallbacks?: string[];
  /** True when nothing but a manifest or a 304 crossed the network, or the update failed (see `staleBecause`). */
  fromCache: boolean;
  /** Set when an update failed and the cached catalogue was kept; the failure's message. */
  staleBecause?: string;
  /** Set when the catalogue was downloaded and a cache was given (`pending` with `writeCacheLater`). */
  cacheWrite?: CacheWriteReport;
  /** With `writeCacheLater`: the write's outcome; never rejects. */
  cacheWritten?: Promise<CacheWriteReport>;
  /**
   * With `sequenceAfterParts`, when the sequence model was downloaded after the parts: it, checked against the
   * catalogue's items. Rejects (`catalog-invalid`, `catalog-fetch-failed`) when it is broken; the catalogue then
   * serves without it, and is not cached.
   */
  sequenceLater?: { ref: SequenceModelRef; loaded: Promise<NonNullable<Catalog['sequence']>> };
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
  /** Piece sizes of parts cut differently from `pieceBytes` (the records, read on demand in small pieces). */
  partPieceBytes?: Record<string, number>;
  /**
   * Parts kept as files (`CatalogCache.files`) instead of pieces: part name → file name. A later version whose
   * part has the same sha256 names the same file (which then keeps the older version's name).
   */
  files?: Record<string, string>;
}

/** Parts worth a file of their own: the large ones every start reads whole. (Downloaded records stream into a file of their own.) */
const FILE_PARTS = new Set(['columns', 'embeddings']);

/** A part's bytes: its own buffer, or (embeddings) written into the rows the kernel scans. */
type PartSource = ArrayBuffer | PartBytes;
/** The parts as held once loaded; `rows` are the embeddings part decoded in place, when it was streamed into them. */
type PartBuffers = { columns: ArrayBuffer; records?: ArrayBuffer; recordsFile?: string; embeddings?: PartSource; rows?: Int8Rows; projection?: ArrayBuffer; sequence?: ArrayBuffer; sequenceTable?: ArrayBuffer };

const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;
const MIN_PIECE_BYTES = 64 * 1024;
const PARALLEL_READS = 4;
/**
 * Cached records are cut small, because a warm start reads them on demand, a few lines per call: a 256 KiB piece
 * reads in a few milliseconds and holds about 550 records.
 */
const RECORD_PIECE_BYTES = 256 * 1024;
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
  // A manifest's own bytes are counted once it is read, together with the sizes it lists, so that the download's
  // total is fixed from its first event; a file too large to be a manifest reports as it streams.
  const length = Number(response.headers.get('Content-Length')) || 0;
  const first = await readBytes(response, undefined, length > MAX_MANIFEST_BYTES ? progress : undefined);

  let json: unknown;
  if (first.length <= MAX_MANIFEST_BYTES && firstByte(first) === 0x7b) json = tryParse(first);
  let catalog: Catalog;
  let parts: PartBuffers;
  let layout: CatalogManifestV2;
  let sequenceLater: LoadedCatalog['sequenceLater'];
  const reused: string[] = [];
  const patched: string[] = [];
  const unpatched: string[] = [];
  if (json !== undefined && isManifest(json)) {
    const manifest = validateManifest(json, url);
    if (manifest.version === unchangedIf) return UNCHANGED;
    if (meta && meta.version === manifest.version) {
      progress?.({ phase: 'catalog-parse', loaded: 1, total: 1 });
      const cached = await cachedCatalog().catch(() => undefined);
      if (cached) return { catalog: cached, fromCache: true };
    }
    // A part the cache holds under the same sha256 is read from there (its pieces or its file): the hash names
    // the bytes. `into` is where they go, the kernel's rows for the embeddings; false when they must be downloaded.
    const reusable = (name: string, sha256: string, bytes: number) => !!meta && !!options.cache && !!sha256 && meta.partSha256?.[name] === sha256 && meta.bytes?.[name] === bytes;
    const reuseInto = async (name: string, sha256: string, into: PartBytes): Promise<boolean> => {
      if (!reusable(name, sha256, into.byteLength) || !options.cache || !meta) return false;
      try {
        await readPart(options.cache, meta, name, into);
        reused.push(name);
        return true;
      } catch (error) {
        console.warn(`catalog: the cached part "${name}" could not be read (${(error as Error).message}); downloading it.`);
        return false;
      }
    };
    // The sequence model's files, which its loader keeps in buffers of their own.
    const reuse = async (name: string, sha256: string): Promise<ArrayBuffer | undefined> => {
      const size = meta?.bytes?.[name];
      if (size === undefined) return undefined;
      const into = bufferPartBytes(size);
      return (await reuseInto(name, sha256, into)) ? into.buffer : undefined;
    };
    if (manifest.formatVersion === 2) {
      const later = (options.sequenceAfterParts ?? false) && manifest.sequence !== undefined;
      // A part rebuilt from a delta counts the delta's bytes; should the delta fail, the total grows by the part.
      const deltas = usableDeltas(manifest, meta, options.cache);
      const saved = [...deltas].reduce((n, [name, d]) => n + manifest.parts[name]!.bytes - d.bytes, 0);
      const tally = createDownloadTally(first.byteLength, manifestBytes(manifest, !later) - saved, progress);
      const partProgress = (p: LoadProgress) => tally.update(p.part ?? '', p.loaded);
      // The sequence model's files after the parts have their own count, which may go on after ready.
      let sequenceTally: ReturnType<typeof createDownloadTally> | undefined;
      const sequenceFiles = () =>
        (sequenceTally ??= later ? createDownloadTally(0, sequenceBytes(manifest.sequence!), (p) => progress?.({ phase: 'sequence-download', loaded: p.loaded, total: p.total })) : tally);
      const sequenceProgress = (p: LoadProgress) => sequenceFiles().update(p.part ?? '', p.loaded);
      // A part read back from the cache counts as arrived, so the fixed total is still reached.
      const reuseCounted = async (name: string, sha256: string) => {
        const kept = await reuse(name, sha256);
        if (kept) sequenceFiles().update(name, kept.byteLength);
        return kept;
      };
      const reuseIntoCounted = async (name: string, sha256: string, into: PartBytes) => {
        const kept = await reuseInto(name, sha256, into);
        if (kept) tally.update(name, into.byteLength);
        return kept;
      };
      // The cached previous part plus the delta: checked against the full part's chunks, else downloaded whole.
      const patchInto = async (name: string, into: PartBytes): Promise<boolean> => {
        const delta = deltas.get(name as DeltaPartName);
        if (!delta || !meta || !options.cache) return false;
        try {
          await rebuildFromDelta(options.cache, meta, name, manifest.parts[name as DeltaPartName]!, delta, url, doFetch, into, partProgress);
          patched.push(name);
          return true;
        } catch (error) {
          console.warn(`catalog: the delta of part "${name}" could not be applied (${(error as Error).message}); downloading the whole part.`);
          unpatched.push(name);
          return false;
        }
      };
      // Every part at once, no round trip waiting on another; the sequence model's files too, unless they wait.
      const files = options.cache?.files ?? null;
      // Whether the cache may supply a part (same sha256, or a delta on the cached one): only then is a buffer of
      // the part's size worth allocating for a part that otherwise streams into a file.
      const fromCache = (name: string, part: CatalogPart) => reusable(name, part.sha256, part.bytes) || deltas.has(name as DeltaPartName);
      const fetched = fetchParts(manifest, url, doFetch, options.allocateRows, partProgress, reuseIntoCounted, patchInto, fromCache, files);
      const decoded = fetched.then((buffers) => {
        const r = manifest.parts.records;
        const pieces = buffers.recordsFile ? recordPieces(r, fileSource(files, buffers.recordsFile, r.bytes), url, recordPieceBytes(r, DEFAULT_PIECE_BYTES), r.bytes, doFetch) : undefined;
        // The search index is in `buffers.columns` already, but decoding and checking it is the longest step
        // of a cold decode at 10⁶ items, and only a search reads it: that search decodes it, as on a warm start.
        return decodeParts(manifest, buffers, url, options.allocateRows, pieces, async () => {});
      });
      // Awaited below after `fetched`; observed here so that a failed download is reported once, by that await.
      void decoded.catch(() => {});
      const loadSequence = (ref: SequenceModelRef) =>
        loadSequenceModel(ref, url, decoded.then((c) => c.columns.ids), async (u, name) => readBytes(await get(doFetch, u), name, sequenceProgress).then((b) => b.buffer as ArrayBuffer), reuseCounted);
      const sequence = manifest.sequence ? (later ? fetched.then(() => loadSequence(manifest.sequence!)) : loadSequence(manifest.sequence)) : null;
      void sequence?.catch(() => {});
      parts = await fetched;
      layout = manifest;
      catalog = await decoded;
      if (manifest.sequence && sequence && later) {
        const ref = manifest.sequence;
        const held = parts;
        sequenceLater = {
          ref,
          loaded: sequence.then((bytes) => {
            held.sequence = bytes.model;
            held.sequenceTable = bytes.table;
            return decodeSequenceModel(ref, bytes, manifest.itemCount, url, options.allocateRows);
          }),
        };
        void sequenceLater.loaded.catch(() => {});
      } else if (manifest.sequence && sequence) {
        const bytes = await sequence;
        catalog = { ...catalog, sequence: decodeSequenceModel(manifest.sequence, bytes, manifest.itemCount, url, options.allocateRows) };
        parts.sequence = bytes.model;
        parts.sequenceTable = bytes.table;
      }
    } else {
      progress?.({ phase: 'catalog-download', loaded: first.byteLength, total: first.byteLength });
      ({ catalog, parts, layout } = await loadV1(manifest, url, doFetch, options));
    }
  } else {
    if (length <= MAX_MANIFEST_BYTES) progress?.({ phase: 'catalog-download', loaded: first.byteLength, total: first.byteLength });
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
  const done = {
    ...(reused.length > 0 ? { reusedParts: reused } : {}),
    ...(patched.length > 0 ? { deltaParts: patched } : {}),
    ...(unpatched.length > 0 ? { deltaFallbacks: unpatched } : {}),
    ...(sequenceLater ? { sequenceLater } : {}),
  };
  if (!options.cache) return { catalog, fromCache: false, ...done };
  fresh.partSha256 = partHashes(layout);
  const cache = options.cache;
  const pieceBytes = options.cachePieceBytes ?? DEFAULT_PIECE_BYTES;
  const signal = options.cacheSignal;
  // The parts are written while the sequence model downloads; its files, then the entry naming them all, once
  // they are in. A stop (forget()) does not wait for the files: the write stops at once.
  const stopped = new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
  const sequenceIn = sequenceLater ? () => Promise.race([sequenceLater.loaded, stopped]).then(() => {}) : undefined;
  const write = () => writeCache(cache, url, fresh, parts, meta, pieceBytes, signal, sequenceIn);
  if (!options.writeCacheLater) return { catalog, fromCache: false, cacheWrite: await write(), ...done };
  const cacheWritten = write().catch((cause: unknown): CacheWriteReport => ({ state: 'failed', ok: false, pieceBytes, attempts: 0, pieces: 0, error: String(cause), code: failureCode(cause) }));
  return { catalog, fromCache: false, cacheWrite: { state: 'pending', ok: false, pieceBytes, attempts: 0, pieces: 0 }, cacheWritten, ...done };
}

/** The code a failed cache write reports: the store's own, or the platform error's kind. */
function failureCode(cause: unknown): ErrorCode {
  if (cause instanceof PocketRecError) return cause.code;
  return (cause as { name?: string } | null)?.name === 'QuotaExceededError' ? 'store-quota' : 'store-unavailable';
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
    const sequence = await loadSequenceModel(manifest.sequence, manifestUrl, built.catalog.columns.ids, async (u) => (await (await get(doFetch, u)).arrayBuffer()));
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
function decodeParts(manifest: CatalogManifestV2, parts: PartBuffers, source: string, allocate: Int8RowsAllocator | undefined, pieces?: RecordPieces, searchIndexLater?: () => Promise<void>): Catalog {
  const count = manifest.itemCount;
  const recordBytes = pieces?.totalBytes ?? parts.records?.byteLength ?? 0;
  const { columns, recordOffsets, fillLexical } = decodeColumns(parts.columns, manifest.parts.columns, count, recordBytes, source, { lexicalLater: searchIndexLater !== undefined });
  const records = pieces ? createPieceRecords(pieces, recordOffsets, columns.ids, source) : createNdjsonRecords(new Uint8Array(parts.records!), recordOffsets, columns.ids, source);
  const catalog: { -readonly [K in keyof Catalog]: Catalog[K] } = { version: manifest.version, columns, records, ...(manifest.settings ? { settings: manifest.settings } : {}) };
  if (searchIndexLater && fillLexical) {
    let loading: Promise<void> | undefined;
    // Once: concurrent searches wait for the same read; a failed read is tried again by the next search.
    catalog.loadSearchIndex = () =>
      (loading ??= searchIndexLater().then(fillLexical, (error: unknown) => {
        loading = undefined;
        throw error;
      }));
  }
  const e = manifest.parts.embeddings;
  if (e && parts.rows) catalog.embeddings = { model: e.model, rows: parts.rows, ...(e.lexicalFit ? { lexicalFit: e.lexicalFit } : {}) };
  else if (e && parts.embeddings instanceof ArrayBuffer) {
    const r = createSectionReader(parts.embeddings, e, 'embeddings', source);
    const rows = { dim: e.dim, scales: r.view('scales', 'f32', count), values: r.view('values', 'i8', count * e.dim) };
    catalog.embeddings = { model: e.model, rows: allocate ? copyInto(rows, allocate(count, e.dim)) : rows, ...(e.lexicalFit ? { lexicalFit: e.lexicalFit } : {}) };
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
  allocate: Int8RowsAllocator | undefined,
  progress: ((p: LoadProgress) => void) | undefined,
  reuse: (name: string, sha256: string, into: PartBytes) => Promise<boolean>,
  patch: (name: string, into: PartBytes) => Promise<boolean>,
  fromCache: (name: string, part: CatalogPart) => boolean,
  files: CatalogFiles | null,
): Promise<PartBuffers> {
  // Parts the cache cannot supply are asked for at once, in the order listed.
  const one = async (name: string, part: CatalogPart, into: PartBytes) => {
    if (fromCache(name, part) && ((await reuse(name, part.sha256, into)) || (await patch(name, into)))) return;
    const url = new URL(part.url, manifestUrl).href;
    await fetchPart(await get(doFetch, url), url, name, part, into, progress);
  };
  const { columns, records, embeddings, projection } = manifest.parts;
  const columnBytes = bufferPartBytes(columns.bytes);
  // Allocated only when the records cannot go straight into their file.
  let recordBytes: ReturnType<typeof bufferPartBytes> | undefined;
  let recordsFile: string | undefined;
  const oneRecords = async () => {
    const name = fileName(manifest.version, 'records');
    const held = () => (recordBytes = bufferPartBytes(records.bytes));
    if (fromCache('records', records)) {
      if (await reuse('records', records.sha256, held())) return;
      if (await patch('records', recordBytes!)) return;
      recordBytes = undefined;
    }
    const url = new URL(records.url, manifestUrl).href;
    const response = await get(doFetch, url);
    const sink = files && records.chunkSha256.length === Math.ceil(records.bytes / records.chunkBytes) ? await files.create(name).catch(() => null) : null;
    if (!sink) return void (await fetchPart(response, url, 'records', records, held(), progress));
    // Display records are read a few at a time, for shown results: they go to the file as they arrive (each
    // chunk checked first), and are read back from it by piece, never held whole in the worker.
    try {
      const into = fileSinkPartBytes(records, (bytes) => sink.write(bytes));
      await fetchPart(response, url, 'records', records, into, progress);
      await into.finish();
      await sink.close();
      recordsFile = name;
    } catch (error) {
      await sink.abort();
      throw error;
    }
  };
  const projectionBytes = projection ? bufferPartBytes(projection.bytes) : null;
  // The rows first, before any download writes: the embeddings stream straight into them.
  const rows = embeddings ? allocateRows(manifest.itemCount, embeddings.dim, allocate) : null;
  const embeddingBytes = embeddings && rows ? rowsPartBytes(embeddings, rows, manifest.itemCount, manifestUrl) : null;
  const all = [
    one('columns', columns, columnBytes),
    oneRecords(),
    embeddings && embeddingBytes ? one('embeddings', embeddings, embeddingBytes) : null,
    projection && projectionBytes ? one('projection', projection, projectionBytes) : null,
  ];
  // Settle every download before throwing, so no rejection is left unobserved.
  const settled = await Promise.allSettled(all);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const out: PartBuffers = { columns: columnBytes.buffer };
  if (recordBytes) out.records = recordBytes.buffer;
  if (recordsFile) out.recordsFile = recordsFile;
  if (embeddingBytes && rows) (out.embeddings = embeddingBytes), (out.rows = rows);
  if (projectionBytes) out.projection = projectionBytes.buffer;
  return out;
}

type DeltaPartName = (typeof DELTA_PARTS)[number];
type DeltaRef = CatalogPart & { base: string };

/** The manifest's deltas whose base the cache holds (and whose part it does not hold already). */
function usableDeltas(manifest: CatalogManifestV2, meta: CacheMeta | undefined, cache: CatalogCache | undefined): Map<DeltaPartName, DeltaRef> {
  const out = new Map<DeltaPartName, DeltaRef>();
  if (!manifest.delta || !meta || !cache) return out;
  for (const name of DELTA_PARTS) {
    const delta = manifest.delta.parts[name];
    const part = manifest.parts[name];
    const cached = meta.partSha256?.[name];
    if (delta && part && cached === delta.base && cached !== part.sha256 && meta.bytes[name] !== undefined) out.set(name, delta);
  }
  return out;
}

/**
 * Downloads a part's delta (checked chunk by chunk like any part), applies it to the cached previous part into
 * `into`, and checks every chunk of the result against the full part's sha256. The previous part is read a block
 * at a time, so the delta, the new part and four blocks of the previous one are all this holds.
 * @throws PocketRecError `catalog-invalid`, `catalog-fetch-failed`, or the cache's own error
 */
async function rebuildFromDelta(cache: CatalogCache, meta: CacheMeta, name: string, part: CatalogPart, delta: DeltaRef, manifestUrl: string, doFetch: typeof fetch, into: PartBytes, progress: (p: LoadProgress) => void): Promise<void> {
  const deltaUrl = new URL(delta.url, manifestUrl).href;
  const bytes = bufferPartBytes(delta.bytes);
  await fetchPart(await get(doFetch, deltaUrl), deltaUrl, `${name}.delta`, delta, bytes, progress);
  const previous = openCachedPart(cache, meta, name);
  await applyPartDelta(bytes.buffer, delta, name, deltaUrl, into.byteLength, previous.size, (from, length, at) => previous.copy(from, length, (offset, chunk) => into.write(at + offset - from, chunk)), (at, chunk) => into.write(at, chunk));
  // A few chunks hashed at once keep WebCrypto busy; WebCrypto copies its input at the call, so a view into kernel
  // memory is safe to hash, and at most that many copies are held.
  let next = 0;
  const checkSome = async (): Promise<void> => {
    for (let k = next++; k < part.chunkSha256.length; k = next++) {
      const actual = await sha256Hex(into.read(k * part.chunkBytes, Math.min(into.byteLength, (k + 1) * part.chunkBytes)));
      if (actual !== part.chunkSha256[k]) {
        throw new PocketRecError('catalog-invalid', `catalog: the delta ${deltaUrl} rebuilt part "${name}" with sha256 ${actual.slice(0, 12)}… in chunk ${k}, the manifest says ${part.chunkSha256[k]!.slice(0, 12)}…. The whole part is downloaded instead.`, {
          details: { source: deltaUrl, part: name, chunk: k },
        });
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: PARALLEL_HASHES }, checkSome));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Chunks of a rebuilt part hashed at once. */
const PARALLEL_HASHES = 4;

/** Blocks of a part kept as a file, read for a delta's copies. */
const FILE_BLOCK_BYTES = 4 * 1024 * 1024;

/** Blocks read ahead of the one a delta's copy needs: IndexedDB answers several reads at once faster than in turn. */
const BLOCKS_AHEAD = 2;

/**
 * Reads of one cached part by byte range, a block (a piece, or 4 MiB of a file) at a time, with the next two read
 * ahead and the previous one kept: a delta's copies mostly run forward, so each block is read about once, and at
 * most four are held.
 */
function openCachedPart(cache: CatalogCache, meta: CacheMeta, name: string) {
  const size = meta.bytes[name]!;
  const file = meta.files?.[name];
  const blockBytes = file ? FILE_BLOCK_BYTES : (meta.partPieceBytes?.[name] ?? meta.pieceBytes ?? size);
  const last = Math.max(0, Math.ceil(size / blockBytes) - 1);
  const read = async (k: number): Promise<Uint8Array> => {
    const begin = k * blockBytes;
    const end = Math.min(size, begin + blockBytes);
    if (file) {
      if (!cache.files) throw new Error(`part "${name}" is in the file cache, which is not available here`);
      const out = new Uint8Array(end - begin);
      await cache.files.read(file, size, (at, chunk) => out.set(chunk, at - begin), begin, end);
      return out;
    }
    const piece = await cache.get(pieceKey(prefixOf(meta, name), k));
    if (!(piece instanceof ArrayBuffer) || piece.byteLength !== end - begin) throw new Error(`piece ${k} of part "${name}" is missing or not ${end - begin} bytes long`);
    return new Uint8Array(piece);
  };
  const held = new Map<number, Promise<Uint8Array>>();
  const block = (k: number): Promise<Uint8Array> => {
    for (const j of held.keys()) if (j < k - 1 || j > k + BLOCKS_AHEAD) held.delete(j);
    for (let j = k; j <= Math.min(last, k + BLOCKS_AHEAD); j++) {
      if (held.has(j)) continue;
      const pending = read(j);
      // A read ahead that fails is reported by the copy that needs it, if any does.
      pending.catch(() => {});
      held.set(j, pending);
    }
    return held.get(k)!;
  };
  return {
    size,
    /** Hands bytes `[from, from + length)` to `write(offset, bytes)` block by block. */
    async copy(from: number, length: number, write: (offset: number, bytes: Uint8Array) => void): Promise<void> {
      for (let at = from; at < from + length; ) {
        const k = Math.floor(at / blockBytes);
        const bytes = await block(k);
        const end = Math.min(from + length, (k + 1) * blockBytes);
        write(at, bytes.subarray(at - k * blockBytes, end - k * blockBytes));
        at = end;
      }
    },
  };
}

/** Bytes of every file a v2 manifest lists (parts, and the sequence model unless it downloads apart). */
function manifestBytes(manifest: CatalogManifestV2, withSequence: boolean): number {
  const { columns, records, embeddings, projection } = manifest.parts;
  const q = manifest.sequence;
  return columns.bytes + records.bytes + (embeddings?.bytes ?? 0) + (projection?.bytes ?? 0) + (q && withSequence ? sequenceBytes(q) : 0);
}

/** The sequence model's files; the item list only when the manifest gives its size. */
function sequenceBytes(q: SequenceModelRef): number {
  return q.bytes + q.table.bytes + (q.itemsBytes ?? 0);
}

/**
 * One `catalog-download` count over files that download at once: each file's latest count, summed. The total is
 * fixed from the first event, unless a file turns out longer than listed (an older manifest without the sequence
 * item list's size): then it grows by what arrived beyond it, and `loaded` never passes it.
 */
function createDownloadTally(manifestLoaded: number, listed: number, progress?: (p: LoadProgress) => void) {
  const files = new Map<string, number>();
  let loaded = manifestLoaded;
  const total = manifestLoaded + listed;
  progress?.({ phase: 'catalog-download', loaded, total });
  return {
    update(name: string, fileLoaded: number) {
      loaded += fileLoaded - (files.get(name) ?? 0);
      files.set(name, fileLoaded);
      progress?.({ phase: 'catalog-download', loaded, total: Math.max(total, loaded) });
    },
  };
}

/** Rows in the kernel's memory when it has one, else plain typed arrays. */
function allocateRows(count: number, dim: number, allocate: Int8RowsAllocator | undefined): Int8Rows {
  return allocate ? allocate(count, dim) : { dim, scales: new Float32Array(count), values: new Int8Array(count * dim) };
}

/** Bytes asked for per read of a part's body. */
const READ_BYTES = 1024 * 1024;

/**
 * A body's bytes, read into one buffer used again for every read where the body is a byte stream: a gigabyte
 * arriving in fresh chunks would be garbage faster than the collector frees it. Each chunk is valid until the next
 * is asked for. Bodies that are not byte streams are read chunk by chunk.
 */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    byob = undefined;
  }
  if (!byob) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  let buffer = new ArrayBuffer(READ_BYTES);
  for (;;) {
    const { done, value } = await byob.read(new Uint8Array(buffer));
    if (done || !value) return;
    yield value;
    buffer = value.buffer as ArrayBuffer;
  }
}

/**
 * Bytes of one download's chunks being hashed at once (WebCrypto holds a copy of each): four 4 MiB chunks, or a
 * few hundred small ones, whose hashes would otherwise wait on one another's round trips.
 */
const HASH_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/**
 * Streams one part into a buffer of the manifest's size, hashing each chunk as soon as it is complete: a part
 * that is longer, shorter or different from what the manifest says is refused, named, before anything is kept.
 */
async function fetchPart(response: Response, url: string, name: string, part: CatalogPart, into: PartBytes, progress?: (p: LoadProgress) => void): Promise<void> {
  const invalid = (problem: string, field: string, extra: Record<string, number> = {}) =>
    new PocketRecError('catalog-invalid', `catalog: part "${name}" (${url}) ${problem}. Redeploy the files of one \`pocketrec build\` together; the previous catalogue stays in use.`, {
      details: { source: url, part: name, field, ...extra },
    });
  const checks: Array<Promise<void>> = [];
  let loaded = 0;
  let hashed = 0;
  const check = (k: number, end: number) =>
    checks.push(
      // WebCrypto copies its input at the call, so a view into kernel memory is safe to hash.
      sha256Hex(into.read(k * part.chunkBytes, end)).then((actual) => {
        if (actual !== part.chunkSha256[k]) throw invalid(`has sha256 ${actual.slice(0, 12)}… in chunk ${k}, the manifest says ${part.chunkSha256[k]!.slice(0, 12)}…`, 'sha256', { chunk: k });
      }),
    );
  progress?.({ phase: 'catalog-download', loaded: 0, total: part.bytes, part: name });
  const take = (value: Uint8Array) => {
    if (loaded + value.byteLength > part.bytes) throw invalid(`is longer than the manifest's ${part.bytes} bytes`, 'bytes', { bytes: part.bytes });
    into.write(loaded, value);
    loaded += value.byteLength;
    while (hashed < part.chunkSha256.length && (hashed + 1) * part.chunkBytes <= loaded) check(hashed, (hashed + 1) * part.chunkBytes), hashed++;
    progress?.({ phase: 'catalog-download', loaded, total: part.bytes, part: name });
  };
  let oldest = 0;
  const hashesInFlight = Math.max(1, Math.floor(HASH_BYTES_IN_FLIGHT / part.chunkBytes));
  if (response.body) {
    for await (const value of chunksOf(response.body)) {
      take(value);
      // WebCrypto copies each chunk it is handed: a download faster than hashing would pile up a copy of the
      // whole part.
      while (checks.length - oldest > hashesInFlight) await checks[oldest++]!.catch(() => {});
      await into.drained?.();
    }
  } else take(new Uint8Array(await response.arrayBuffer()));
  if (loaded < part.bytes) throw invalid(`is truncated: ${loaded} of the manifest's ${part.bytes} bytes arrived`, 'bytes', { bytes: loaded });
  if (hashed < part.chunkSha256.length) check(hashed, loaded);
  // Settle every check before throwing, so no rejection is left unobserved.
  const results = await Promise.allSettled(checks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Writes the parts as pieces, then the meta entry that makes them visible: a half-written cache is never read.
 * A failed write (IndexedDB refuses large values with `DataCloneError … out of memory`) is retried in smaller
 * pieces. The previous version's pieces are deleted once the new one is in place.
 */
async function writeCache(
  cache: CatalogCache,
  url: string,
  meta: CacheMeta,
  parts: PartBuffers,
  previous: CacheMeta | undefined,
  firstPieceBytes: number,
  signal?: AbortSignal,
  /** Settles once `parts` holds the sequence model's files; rejects when they are broken. */
  sequenceIn?: () => Promise<void>,
): Promise<CacheWriteReport> {
  let pieceBytes = firstPieceBytes;
  let attempts = 0;
  let error: string | undefined;
  const stopped = () => {
    if (signal?.aborted) throw new PocketRecError('aborted', `catalog: the cache write for ${url} was stopped (forget()); the next visit downloads again.`, { details: { url } });
  };
  for (;;) {
    attempts++;
    try {
      const pieces: Record<string, number> = {};
      const bytes: Record<string, number> = {};
      const partKeys: Record<string, string> = {};
      const partPieceBytes: Record<string, number> = {};
      const files: Record<string, string> = {};
      for (const name of WRITE_ORDER) {
        if (name === 'sequence' && sequenceIn) {
          // A catalogue whose sequence model turned out broken is served for this visit, never cached: the next
          // one downloads the fixed files. Nothing to retry in smaller pieces.
          const broken = await sequenceIn().then(() => null, (cause: unknown) => cause as Error);
          if (broken) return { state: 'failed', ok: false, pieceBytes, attempts, pieces: 0, error: broken.message ?? String(broken), code: broken instanceof PocketRecError ? broken.code : 'catalog-invalid' };
        }
        if (name === 'records' && parts.recordsFile) {
          // Written to its file while it downloaded.
          files[name] = parts.recordsFile;
          pieces[name] = 0;
          bytes[name] = meta.manifest.parts.records.bytes;
          partPieceBytes[name] = recordPieceBytes(meta.manifest.parts.records, DEFAULT_PIECE_BYTES);
          continue;
        }
        const buffer = parts[name];
        if (!buffer) continue;
        const source = buffer as PartSource;
        const sha = meta.partSha256?.[name];
        const same = previous && sha && previous.partSha256?.[name] === sha && previous.bytes[name] === source.byteLength;
        // The previous version's file or pieces of an identical part are kept as they are, not written again.
        const previousFile = previous?.files?.[name];
        if (same && previousFile && cache.files) {
          files[name] = previousFile;
          pieces[name] = 0;
          bytes[name] = source.byteLength;
          continue;
        }
        const size = name === 'records' ? recordPieceBytes(meta.manifest.parts.records, pieceBytes) : pieceBytes;
        const previousSize = previous?.partPieceBytes?.[name] ?? previous?.pieceBytes ?? source.byteLength;
        if (same && !previousFile && previous.pieces[name] !== undefined && previousSize === size) {
          pieces[name] = previous.pieces[name]!;
          bytes[name] = source.byteLength;
          partKeys[name] = prefixOf(previous, name);
          if (size !== pieceBytes) partPieceBytes[name] = size;
          continue;
        }
        stopped();
        if (cache.files && FILE_PARTS.has(name) && (await writeFile(cache.files, fileName(meta.version, name), source))) {
          files[name] = fileName(meta.version, name);
          pieces[name] = 0;
          bytes[name] = source.byteLength;
          continue;
        }
        if (size !== pieceBytes) partPieceBytes[name] = size;
        const prefix = `${meta.version}:${name}`;
        const n = Math.max(1, Math.ceil(source.byteLength / size));
        for (let k = 0; k < n; k++) {
          stopped();
          await cache.put(pieceKey(prefix, k), pieceOf(source, k * size, Math.min(source.byteLength, (k + 1) * size)));
        }
        pieces[name] = n;
        bytes[name] = source.byteLength;
        partKeys[name] = prefix;
      }
      meta = { ...meta, pieces, bytes, pieceBytes, partKeys, partPieceBytes, files };
      stopped();
      // Last: until this entry is in, nothing written above is read (a write cut short leaves no catalogue).
      await cache.put(metaKey(url), meta);
      break;
    } catch (cause) {
      error = `${(cause as Error)?.name ?? 'Error'}: ${(cause as Error)?.message ?? String(cause)}`;
      if (cause instanceof PocketRecError && cause.code === 'aborted') return { state: 'aborted', ok: false, pieceBytes, attempts, pieces: 0, error, code: 'aborted' };
      if (pieceBytes <= MIN_PIECE_BYTES) {
        console.warn(`catalog: cache write failed for ${url} even in ${pieceBytes}-byte pieces (${error}); the next visit downloads again.`);
        return { state: 'failed', ok: false, pieceBytes, attempts, pieces: 0, error, code: failureCode(cause) };
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
    // A file the new version names (an identical part) stays; the rest of the previous version's go.
    const keptFiles = new Set(Object.values(meta.files ?? {}));
    const staleFiles = Object.values(previous.files ?? {}).filter((f) => !keptFiles.has(f));
    if (staleFiles.length > 0) await cache.files?.delete(staleFiles).catch((e: unknown) => console.warn(`catalog: could not delete the files of the cached catalogue ${previous.version}.`, e));
  }
  const pieces = Object.values(meta.pieces).reduce((n, k) => n + k, 0);
  return { state: 'written', ok: true, pieceBytes, attempts, pieces, ...(error ? { error } : {}) };
}

const fileName = (version: string, part: string) => `${version}-${part}.bin`;

/** The ranking parts first: the sequence model's files may still be downloading while those are written. */
const WRITE_ORDER = ['columns', 'records', 'embeddings', 'projection', 'sequence', 'sequenceTable'] as const;

/** A part as a file; false (and the part goes into pieces instead) when the file system refuses it. */
async function writeFile(files: CatalogFiles, name: string, source: PartSource): Promise<boolean> {
  let sink: FileSink | undefined;
  try {
    sink = await files.create(name);
    // Kernel memory goes through one staging buffer, used again for every step: the memory may grow (and move)
    // while a write is in flight, and a fresh copy per step would leave the whole part behind as garbage.
    const staging = source instanceof ArrayBuffer ? null : new Uint8Array(Math.min(FILE_STEP_BYTES, source.byteLength));
    for (let at = 0; at < source.byteLength; at += FILE_STEP_BYTES) {
      const end = Math.min(source.byteLength, at + FILE_STEP_BYTES);
      if (source instanceof ArrayBuffer) await sink.write(new Uint8Array(source, at, end - at));
      else (staging!.set(source.read(at, end)), await sink.write(staging!.subarray(0, end - at)));
    }
    await sink.close();
    return true;
  } catch (error) {
    await sink?.abort();
    console.warn(`catalog: could not write ${name} to the file cache; keeping it in IndexedDB instead.`, error);
    await files.delete([name]).catch(() => {});
    return false;
  }
}

/** Bytes per file write: few calls into the file system, and a small copy of kernel memory at a time. */
const FILE_STEP_BYTES = 8 * 1024 * 1024;

/** Records pieces: whole chunks of the manifest (so each can be checked when read back), about 256 KiB. */
function recordPieceBytes(part: CatalogPart, pieceBytes: number): number {
  const size = Math.min(RECORD_PIECE_BYTES, pieceBytes);
  if (part.chunkSha256.length === 0) return size;
  return Math.max(1, Math.floor(size / part.chunkBytes)) * part.chunkBytes;
}

/** A piece as its own buffer: a view into kernel memory would be cloned into the cache with all of that memory. */
function pieceOf(source: PartSource, begin: number, end: number): ArrayBuffer {
  return source instanceof ArrayBuffer ? source.slice(begin, end) : (source.read(begin, end).slice().buffer as ArrayBuffer);
}

async function readCached(cache: CatalogCache, meta: CacheMeta, url: string, options: LoadCatalogOptions): Promise<Catalog> {
  const parts: Partial<PartBuffers> = {};
  let pieces: RecordPieces | undefined;
  let searchIndexLater: (() => Promise<void>) | undefined;
  const setPart = (name: string, out: PartBytes, rows: Int8Rows | undefined) => {
    if (rows) (parts.embeddings = out), (parts.rows = rows);
    else (parts as Record<string, ArrayBuffer>)[name] = (out as ReturnType<typeof bufferPartBytes>).buffer;
  };
  for (const [name, n] of Object.entries(meta.pieces)) {
    const size = meta.bytes?.[name];
    if (size === undefined) throw new Error(`the size of part "${name}" is not recorded`);
    const pieceSize = meta.partPieceBytes?.[name] ?? meta.pieceBytes ?? size;
    if (name === 'records') {
      // Never read at start: each call reads the pieces holding its results.
      pieces = cachedRecordPieces(cache, meta, url, pieceSize, size, options.fetch ?? fetch);
      continue;
    }
    // One buffer of the part's size, each piece copied into its place and dropped: the peak is the part plus the
    // pieces in flight. A few reads in flight keep IndexedDB's disk and decoding busy at once.
    // The embeddings go straight into the kernel's rows; the other parts into a buffer of their own.
    const rows = name === 'embeddings' && meta.manifest.parts.embeddings ? allocateRows(meta.manifest.itemCount, meta.manifest.parts.embeddings.dim, options.allocateRows) : undefined;
    const out = rows ? rowsPartBytes(meta.manifest.parts.embeddings!, rows, meta.manifest.itemCount, url) : bufferPartBytes(size);
    let at = 0;
    let next = 0;
    // The search index (the columns part's tail) waits for the first search: ranking never reads it.
    const stop = name === 'columns' ? searchIndexStart(meta.manifest.parts.columns, size) : size;
    const file = meta.files?.[name];
    const files = cache.files;
    if (file) {
      if (!files) throw new Error(`part "${name}" is in the file cache, which is not available here`);
      let read = 0;
      const readRange = (begin: number, end: number) =>
        files.read(file, size, (at, bytes) => {
          out.write(at, bytes);
          read += bytes.byteLength;
          options.onProgress?.({ phase: 'catalog-parse', loaded: read, total: size, part: name });
        }, begin, end);
      await readRange(0, stop);
      if (stop < size) searchIndexLater = () => readRange(stop, size);
      setPart(name, out, rows);
      continue;
    }
    const firstLater = Math.ceil(stop / pieceSize);
    const readPieces = (from: number, to: number) => {
      next = from;
      const readOne = async (): Promise<void> => {
        for (let k = next++; k < to; k = next++) {
          const piece = await cache.get(pieceKey(prefixOf(meta, name), k));
          if (!(piece instanceof ArrayBuffer) || k * pieceSize + piece.byteLength > size) throw new Error(`piece ${k} of part "${name}" is missing or too long`);
          out.write(k * pieceSize, new Uint8Array(piece));
          at += piece.byteLength;
          options.onProgress?.({ phase: 'catalog-parse', loaded: at, total: size, part: name });
        }
      };
      return Promise.all(Array.from({ length: Math.min(to - from, PARALLEL_READS) }, readOne));
    };
    if (firstLater < n) {
      await readPieces(0, firstLater);
      searchIndexLater = async () => {
        await readPieces(firstLater, n);
        if (at !== size) throw new Error(`part "${name}" has ${at} of its ${size} bytes in the cache`);
      };
      setPart(name, out, rows);
      continue;
    }
    const readOne = async (): Promise<void> => {
      for (let k = next++; k < n; k = next++) {
        const piece = await cache.get(pieceKey(prefixOf(meta, name), k));
        if (!(piece instanceof ArrayBuffer) || k * pieceSize + piece.byteLength > size) throw new Error(`piece ${k} of part "${name}" is missing or too long`);
        out.write(k * pieceSize, new Uint8Array(piece));
        at += piece.byteLength;
        options.onProgress?.({ phase: 'catalog-parse', loaded: at, total: size, part: name });
      }
    };
    await Promise.all(Array.from({ length: Math.min(n, PARALLEL_READS) }, readOne));
    if (at !== size) throw new Error(`part "${name}" has ${at} of its ${size} bytes in the cache`);
    setPart(name, out, rows);
  }
  if (!parts.columns || !pieces) throw new Error('the columns or records part is missing');
  return decodeParts(meta.manifest, parts as PartBuffers, url, options.allocateRows, pieces, searchIndexLater);
}

/**
 * Where the search index starts in the columns part: its sections come last, so everything before is what
 * ranking reads. The whole part when another section lies after it (a build that ordered them otherwise).
 */
function searchIndexStart(part: CatalogPart, size: number): number {
  const lexical = part.sections.filter((s) => isLexicalSection(s.name));
  if (lexical.length === 0) return size;
  const start = Math.min(...lexical.map((s) => s.offset));
  const widths = { u8: 1, i8: 1, u16: 2, u32: 4, f32: 4, f64: 8 } as const;
  const othersEnd = Math.max(0, ...part.sections.filter((s) => !isLexicalSection(s.name)).map((s) => s.offset + s.length * (widths[s.dtype] ?? 8)));
  return othersEnd <= start ? start : size;
}

/** Where cached record pieces are read from (undefined when missing) and put back once fetched again. */
interface PieceSource {
  read(k: number, begin: number, end: number): Promise<Uint8Array | undefined>;
  repair(k: number, bytes: Uint8Array): Promise<void>;
}

/** The cached records as IndexedDB pieces, or as one file (`meta.files.records`) read a piece at a time. */
function cachedRecordPieces(cache: CatalogCache, meta: CacheMeta, manifestUrl: string, pieceBytes: number, totalBytes: number, doFetch: typeof fetch): RecordPieces {
  const file = meta.files?.records;
  if (file) return recordPieces(meta.manifest.parts.records, fileSource(cache.files ?? null, file, totalBytes), manifestUrl, pieceBytes, totalBytes, doFetch);
  const key = (k: number) => pieceKey(prefixOf(meta, 'records'), k);
  const source: PieceSource = {
    read: async (k) => {
      const cached = await cache.get(key(k)).catch(() => undefined);
      return cached instanceof ArrayBuffer ? new Uint8Array(cached) : undefined;
    },
    repair: (k, bytes) => cache.put(key(k), bytes.slice().buffer).catch(() => {}),
  };
  return recordPieces(meta.manifest.parts.records, source, manifestUrl, pieceBytes, totalBytes, doFetch);
}

/** Pieces of a part kept as a file; a file that is gone (forget()) or damaged reads as missing. */
function fileSource(files: CatalogFiles | null, name: string, size: number): PieceSource {
  return {
    async read(_k, begin, end) {
      if (!files) return undefined;
      const out = new Uint8Array(end - begin);
      try {
        await files.read(name, size, (at, bytes) => out.set(bytes, at - begin), begin, end);
        return out;
      } catch {
        return undefined;
      }
    },
    // The file is not patched in place: a damaged piece is fetched again on each read.
    repair: async () => {},
  };
}

/**
 * The records, piece by piece. A piece that is missing, the wrong size or (where the manifest has its chunks'
 * hashes) damaged is fetched again from the site with a range request, checked and cached again.
 */
function recordPieces(part: CatalogPart, source: PieceSource, manifestUrl: string, pieceBytes: number, totalBytes: number, doFetch: typeof fetch): RecordPieces {
  const checkable = part.chunkSha256.length > 0 && pieceBytes % part.chunkBytes === 0;
  const partUrl = part.url ? new URL(part.url, manifestUrl).href : null;
  const intact = async (bytes: Uint8Array, k: number): Promise<boolean> => {
    if (!checkable) return true;
    const chunks = pieceBytes / part.chunkBytes;
    for (let c = 0; c * part.chunkBytes < bytes.byteLength; c++) {
      if ((await sha256Hex(bytes.subarray(c * part.chunkBytes, (c + 1) * part.chunkBytes))) !== part.chunkSha256[k * chunks + c]) return false;
    }
    return true;
  };
  return {
    pieceBytes,
    totalBytes,
    async read(k) {
      const begin = k * pieceBytes;
      const end = Math.min(totalBytes, begin + pieceBytes);
      const cached = await source.read(k, begin, end);
      if (cached && cached.byteLength === end - begin && (await intact(cached, k))) return cached;
      const invalid = (problem: string) =>
        new PocketRecError('catalog-invalid', `catalog: piece ${k} of the cached records of ${manifestUrl} ${problem}. Reload the page; \`forget()\` clears the cache.`, {
          details: { source: manifestUrl, part: 'records', piece: k },
        });
      if (!partUrl) throw invalid('is damaged and this catalogue has no records URL to fetch it from');
      console.warn(`catalog: piece ${k} of the cached records of ${manifestUrl} is missing or damaged; fetching it again.`);
      const bytes = await fetchRange(doFetch, partUrl, begin, end);
      if (bytes.byteLength !== end - begin || !(await intact(bytes, k))) throw invalid(`is damaged, and ${partUrl} no longer serves the bytes the manifest names`);
      await source.repair(k, bytes);
      return bytes;
    },
  };
}

/** Bytes `[begin, end)` of a file: a range request, or the head of the whole body from a server without ranges. */
async function fetchRange(doFetch: typeof fetch, url: string, begin: number, end: number): Promise<Uint8Array> {
  const response = await get(doFetch, url, { Range: `bytes=${begin}-${end - 1}` });
  if (response.status === 206) return readBytes(response, undefined);
  const out = new Uint8Array(end - begin);
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer()).slice(begin, end);
  let at = 0;
  while (at < end) {
    const { done, value } = await reader.read();
    if (done) break;
    const from = Math.max(begin, at);
    const to = Math.min(end, at + value.byteLength);
    if (to > from) out.set(value.subarray(from - at, to - at), from - begin);
    at += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return at >= end ? out : out.subarray(0, Math.max(0, at - begin));
}

/** One cached part, from its file or its pieces, written into `into` (which has the part's size). */
async function readPart(cache: CatalogCache, meta: CacheMeta, name: string, into: PartBytes): Promise<void> {
  const n = meta.pieces[name];
  const size = meta.bytes?.[name];
  if (n === undefined || size === undefined) throw new Error(`the size of part "${name}" is not recorded`);
  if (size !== into.byteLength) throw new Error(`part "${name}" has ${size} bytes in the cache, expected ${into.byteLength}`);
  const file = meta.files?.[name];
  if (file) {
    if (!cache.files) throw new Error(`part "${name}" is in the file cache, which is not available here`);
    await cache.files.read(file, size, (at, bytes) => into.write(at, bytes));
    return;
  }
  // Each piece copied into its place and dropped. A few reads in flight keep IndexedDB's disk and decoding busy.
  let at = 0;
  let next = 0;
  const pieceSize = meta.partPieceBytes?.[name] ?? meta.pieceBytes ?? size;
  const prefix = prefixOf(meta, name);
  const readOne = async (): Promise<void> => {
    for (let k = next++; k < n; k = next++) {
      const piece = await cache.get(pieceKey(prefix, k));
      if (!(piece instanceof ArrayBuffer) || k * pieceSize + piece.byteLength > size) throw new Error(`piece ${k} of part "${name}" is missing or too long`);
      into.write(k * pieceSize, new Uint8Array(piece));
      at += piece.byteLength;
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, PARALLEL_READS) }, readOne));
  if (at !== size) throw new Error(`part "${name}" has ${at} of its ${size} bytes in the cache`);
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

