import { PocketRecError } from '../errors';
import type { Catalog, CatalogManifest, Item, LoadProgress } from './types';

/** Where the host's catalogue comes from: a manifest, JSON-array or NDJSON URL, or the items themselves. */
export type CatalogSource = string | URL | readonly Item[];
import { loadSequenceModel } from './load-sequence-model';
import { sha256Hex } from './sha256';
import { checkNotEmpty, decodeEmbeddings, isManifest, parseItemsText, validateItems, validateManifest, validateSignals } from './validate';

/** Where loaded catalogues are kept between visits. `store/` provides the IndexedDB one. */
export interface CatalogCache {
  get(key: string): Promise<CachedCatalog | undefined>;
  put(key: string, value: CachedCatalog): Promise<void>;
}

/** What is cached per source: the validated catalogue plus what tells whether it is still current. */
export interface CachedCatalog {
  catalog: Catalog;
  etag?: string;
  lastModified?: string;
}

export interface LoadCatalogOptions {
  /** Base for relative URLs (the page or worker location). */
  baseUrl: string;
  cache?: CatalogCache;
  onProgress?: (p: LoadProgress) => void;
  fetch?: typeof fetch;
  /** Accept a catalogue without items instead of rejecting it with `catalog-empty`. @defaultValue false */
  allowEmpty?: boolean;
}

export interface LoadedCatalog {
  catalog: Catalog;
  /** True when nothing but a manifest or a 304 crossed the network, or the update failed (see `staleBecause`). */
  fromCache: boolean;
  /** Set when an update failed and the cached catalogue was kept; the failure's message. */
  staleBecause?: string;
}

/**
 * Loads, validates and caches a catalogue. Everything is validated before anything is cached, so a broken
 * update never replaces a good catalogue: with a cached copy the update's failure is reported, not thrown.
 */
export async function loadCatalog(source: CatalogSource, options: LoadCatalogOptions): Promise<LoadedCatalog> {
  if (typeof source !== 'string' && !(source instanceof URL)) {
    const items = validateItems(source, (index) => ({ kind: 'inline', index }), 'the inline catalog option');
    checkNotEmpty(items, 'the inline catalog option', options.allowEmpty ?? false);
    return { catalog: { version: await contentVersion(JSON.stringify(items)), items }, fromCache: false };
  }
  const url = new URL(String(source), options.baseUrl).href;
  const doFetch = options.fetch ?? fetch;
  const cached = await safeCacheGet(options.cache, url);
  const conditional: Record<string, string> = {};
  if (cached?.etag) conditional['If-None-Match'] = cached.etag;
  if (cached?.lastModified) conditional['If-Modified-Since'] = cached.lastModified;

  try {
    return await fetchAndValidate(url, doFetch, conditional, cached, options);
  } catch (error) {
    // A broken deploy or a network outage must not take down visitors who hold a good copy: keep serving it.
    if (!cached || !(error instanceof PocketRecError)) throw error;
    console.warn(`catalog: keeping the cached catalogue ${cached.catalog.version} because the update failed: ${error.message}`);
    return { catalog: cached.catalog, fromCache: true, staleBecause: error.message };
  }
}

async function fetchAndValidate(url: string, doFetch: typeof fetch, conditional: Record<string, string>, cached: CachedCatalog | undefined, options: LoadCatalogOptions): Promise<LoadedCatalog> {
  const response = await get(doFetch, url, conditional);
  if (response.status === 304 && cached) return { catalog: cached.catalog, fromCache: true };
  const text = await readText(response, url, options.onProgress);
  options.onProgress?.({ phase: 'catalog-parse', loaded: 0, total: 1 });

  let catalog: Catalog;
  const head = text.trimStart();
  const json = head.startsWith('{') ? tryParse(text) : undefined;
  if (json !== undefined && isManifest(json)) {
    const manifest = validateManifest(json, url);
    if (cached && cached.catalog.version === manifest.version) {
      options.onProgress?.({ phase: 'catalog-parse', loaded: 1, total: 1 });
      return { catalog: cached.catalog, fromCache: true };
    }
    catalog = await loadFromManifest(manifest, url, doFetch, options.onProgress);
  } else {
    const items = parseItemsText(text, url);
    catalog = { version: await contentVersion(text), items };
  }
  checkNotEmpty(catalog.items, url, options.allowEmpty ?? false);
  options.onProgress?.({ phase: 'catalog-parse', loaded: 1, total: 1 });
  const fresh: CachedCatalog = { catalog };
  const etag = response.headers.get('ETag');
  const lastModified = response.headers.get('Last-Modified');
  if (etag) fresh.etag = etag;
  if (lastModified) fresh.lastModified = lastModified;
  await safeCachePut(options.cache, url, fresh);
  return { catalog, fromCache: false };
}

async function loadFromManifest(manifest: CatalogManifest, manifestUrl: string, doFetch: typeof fetch, onProgress?: (p: LoadProgress) => void): Promise<Catalog> {
  const itemsUrl = new URL(manifest.items, manifestUrl).href;
  const items: Item[] = parseItemsText(await readText(await get(doFetch, itemsUrl), itemsUrl, onProgress), itemsUrl);
  if (items.length !== manifest.itemCount) {
    throw new PocketRecError('catalog-invalid', `catalog: ${itemsUrl} has ${items.length} items but the manifest says itemCount ${manifest.itemCount} (${manifestUrl}). Rebuild the catalogue.`, {
      details: { source: manifestUrl, field: 'itemCount', found: items.length },
    });
  }
  const catalog: { -readonly [K in keyof Catalog]: Catalog[K] } = { version: manifest.version, items };
  if (manifest.embeddings) {
    const { url, dim, dtype, model } = manifest.embeddings;
    const embUrl = new URL(url, manifestUrl).href;
    const bytes = await (await get(doFetch, embUrl)).arrayBuffer();
    catalog.embeddings = { model, dim, vectors: decodeEmbeddings(bytes, items.length, dim, dtype, embUrl) };
  }
  if (manifest.signals) {
    const sigUrl = new URL(manifest.signals, manifestUrl).href;
    const text = await (await get(doFetch, sigUrl)).text();
    const parsed = tryParse(text);
    if (parsed === undefined) throw new PocketRecError('catalog-invalid', `catalog: signals file ${sigUrl} is not valid JSON. Rebuild it with \`pocketrec build\`.`, { details: { source: sigUrl } });
    catalog.signals = validateSignals(parsed, sigUrl);
  }
  if (manifest.sequence) catalog.sequence = await loadSequenceModel(manifest.sequence, manifestUrl, items, (url) => get(doFetch, url));
  return catalog;
}

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

/** Streams the body so progress reflects bytes actually received. */
async function readText(response: Response, url: string, onProgress?: (p: LoadProgress) => void): Promise<string> {
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body || !onProgress) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ phase: 'catalog-download', loaded: 0, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ phase: 'catalog-download', loaded, total: Math.max(total, loaded) });
  }
  onProgress({ phase: 'catalog-download', loaded, total: loaded });
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new globalThis.TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new PocketRecError('catalog-invalid', `catalog: ${url} is not UTF-8 text. Serve the catalogue as UTF-8 JSON or NDJSON.`, { details: { source: url }, cause });
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short content hash: identical catalogues share cached vectors, changed ones never do. */
async function contentVersion(text: string): Promise<string> {
  return (await sha256Hex(new globalThis.TextEncoder().encode(text))).slice(0, 16);
}

// A cache that fails is a slower visit, not a broken one: warn and go on.
async function safeCacheGet(cache: CatalogCache | undefined, key: string): Promise<CachedCatalog | undefined> {
  try {
    return await cache?.get(key);
  } catch (error) {
    console.warn(`catalog: cache read failed for ${key}; downloading again.`, error);
    return undefined;
  }
}

async function safeCachePut(cache: CatalogCache | undefined, key: string, value: CachedCatalog): Promise<void> {
  try {
    await cache?.put(key, value);
  } catch (error) {
    console.warn(`catalog: cache write failed for ${key}; the next visit downloads again.`, error);
  }
}
