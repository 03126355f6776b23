import type { Item } from '../catalog';
import { validateItems } from '../catalog/validate';
import { TRANSFORMERS_DTYPES, type TransformersDtype, type TransformersModel } from '../encoder/types';
import { isLanguage, LANGUAGE_SCRIPTS } from '../encoder/languages';
import { findUnknownKey, PocketRecError, showValue } from '../errors';
import type { EngineConfig } from '../worker';
import type { RecommenderOptions, TransformersEncoderOptions } from './types';

export const DEFAULTS = Object.freeze({
  dbName: 'pocketrec',
  retention: Object.freeze({ maxEvents: 5000, maxAgeDays: 365 }),
  defaultK: 10,
  halfLifeDays: 60,
  sessionTimeoutMinutes: 30,
  diversity: 0.55,
  encoder: 'auto',
  devices: Object.freeze(['webgpu', 'wasm'] as const),
  transformersDtype: 'fp32' as TransformersDtype,
  revalidateEveryMs: 0,
});

/** Revalidating more often than this would turn visitors into a load test of the site's catalogue server. */
export const MIN_REVALIDATE_MS = 1000;

// A hub repository id: `name` or `owner/name`, letters, digits, `_`, `-` and `.`, as the hub allows them.
const HUB_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]{0,95}$/;
const TRANSFORMERS_FIELDS = ['type', 'model', 'dtype', 'device', 'languages'];
const RETENTION_FIELDS = ['maxEvents', 'maxAgeDays'];

/** Every option `createRecommender` reads; the type check below fails when an option is added but not listed. */
const OPTION_NAMES = [
  'catalog',
  'workerUrl',
  'dbName',
  'retention',
  'defaultK',
  'halfLifeDays',
  'sessionTimeoutMinutes',
  'encoder',
  'modelBaseUrl',
  'devices',
  'diversity',
  'allowEmptyCatalog',
  'revalidateEveryMs',
  'onProgress',
  'signal',
] as const satisfies ReadonlyArray<keyof RecommenderOptions>;
const allOptionsListed: Exclude<keyof RecommenderOptions, (typeof OPTION_NAMES)[number]> extends never ? true : never = true;
void allOptionsListed;

/** A misspelt option would otherwise be ignored without a word, and the default silently used instead. */
function rejectUnknown(value: object, known: readonly string[], parent: string | null, takes: string): void {
  const unknown = findUnknownKey(value, known);
  if (unknown === undefined) return;
  const prefix = parent === null ? '' : `${parent}.`;
  const option = `${prefix}${unknown.key}`;
  const intro = parent === null ? `there is no option "${unknown.key}"` : `option "${parent}" has no field "${unknown.key}"`;
  const hint = unknown.suggestion !== undefined ? ` Did you mean "${prefix}${unknown.suggestion}"?` : '';
  throw new PocketRecError('invalid-option', `createRecommender: ${intro}; ${takes} ${known.join(', ')}.${hint}`, {
    details: { option, ...(unknown.suggestion !== undefined ? { suggestion: `${prefix}${unknown.suggestion}` } : {}) },
  });
}

function bad(option: string, value: unknown, expected: string): PocketRecError {
  return new PocketRecError('invalid-option', `createRecommender: option "${option}" is ${showValue(value)}; expected ${expected}.`, { details: { option } });
}

function positive(option: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw bad(option, value, integer ? 'a positive integer' : 'a positive number');
  }
  return value;
}

/**
 * The source of a live catalogue update, checked on the page like the `catalog` option: a URL resolved against
 * the page, or items validated before they cross; undefined means the catalogue served now.
 */
export function resolveCatalogSource(source: unknown, baseUrl: string): EngineConfig['catalog'] | null {
  if (source === undefined) return null;
  if (Array.isArray(source)) return validateItems(source as readonly Item[], (index) => ({ kind: 'inline', index }), 'the inline catalogue update');
  if ((typeof source === 'string' && source !== '') || source instanceof URL) return new URL(String(source), baseUrl).href;
  throw new PocketRecError('invalid-option', `updateCatalog: the source is ${showValue(source)}; expected a URL (manifest, JSON array or NDJSON), an array of items, or nothing to fetch the current catalogue again.`, {
    details: { option: 'source' },
  });
}

/** Validates the host's options once, at the boundary, and fills every default. */
export function resolveOptions(options: RecommenderOptions, baseUrl: string): EngineConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw bad('(options)', options, 'an object with at least { catalog }');
  rejectUnknown(options, OPTION_NAMES, null, 'the options are');
  if (options.retention !== undefined) {
    if (typeof options.retention !== 'object' || options.retention === null) throw bad('retention', options.retention, 'an object like { maxEvents: 5000, maxAgeDays: 365 }');
    rejectUnknown(options.retention, RETENTION_FIELDS, 'retention', 'retention takes');
  }
  const { catalog } = options;
  let resolvedCatalog: EngineConfig['catalog'];
  // Inline items are checked here, before they cross to the worker: a function or a deeply nested value in a record
  // would otherwise fail inside postMessage as an uncoded DataCloneError or RangeError. The worker checks again.
  if (Array.isArray(catalog)) resolvedCatalog = validateItems(catalog as readonly Item[], (index) => ({ kind: 'inline', index }), 'the inline catalog option');
  else if (typeof catalog === 'string' || catalog instanceof URL) {
    if (String(catalog) === '') throw bad('catalog', catalog, 'a URL or an array of items');
    resolvedCatalog = new URL(String(catalog), baseUrl).href;
  } else throw bad('catalog', catalog, 'a URL (manifest, JSON array or NDJSON) or an array of items');
  // Left unset when the host gives none: the catalogue's tuned value (or the library's default) applies then.
  const diversity = options.diversity;
  if (diversity !== undefined && (typeof diversity !== 'number' || !(diversity >= 0 && diversity <= 1))) throw bad('diversity', diversity, 'a number from 0 to 1');
  const encoder = options.encoder ?? DEFAULTS.encoder;
  let resolvedEncoder: EngineConfig['encoder'];
  if (encoder === 'auto' || encoder === 'lexical') resolvedEncoder = encoder;
  else if (typeof encoder === 'object' && encoder !== null && (encoder as { type?: unknown }).type === 'transformers') resolvedEncoder = resolveTransformers(encoder, baseUrl);
  else throw bad('encoder', encoder, '"auto", "lexical" or { type: "transformers", model }');
  const devices = options.devices ?? [...DEFAULTS.devices];
  if (!Array.isArray(devices) || devices.length === 0 || !devices.every((d) => d === 'webgpu' || d === 'wasm')) throw bad('devices', devices, 'a non-empty array of "webgpu" and "wasm"');
  const device = typeof encoder === 'object' ? encoder.device : undefined;
  if (options.dbName !== undefined && (typeof options.dbName !== 'string' || options.dbName === '')) throw bad('dbName', options.dbName, 'a non-empty string');
  if (options.allowEmptyCatalog !== undefined && typeof options.allowEmptyCatalog !== 'boolean') throw bad('allowEmptyCatalog', options.allowEmptyCatalog, 'true or false');
  const revalidateEveryMs = options.revalidateEveryMs ?? DEFAULTS.revalidateEveryMs;
  if (typeof revalidateEveryMs !== 'number' || !Number.isFinite(revalidateEveryMs) || (revalidateEveryMs !== 0 && revalidateEveryMs < MIN_REVALIDATE_MS)) {
    throw bad('revalidateEveryMs', revalidateEveryMs, `0 (never) or a number of milliseconds of at least ${MIN_REVALIDATE_MS}`);
  }
  if (revalidateEveryMs > 0 && typeof resolvedCatalog !== 'string') throw bad('revalidateEveryMs', revalidateEveryMs, '0 with an inline catalog: only a catalogue URL can be fetched again (call updateCatalog(items) instead)');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw bad('onProgress', options.onProgress, 'a function');
  if (options.signal !== undefined && !isAbortSignal(options.signal)) throw bad('signal', options.signal, 'an AbortSignal');
  if (options.workerUrl !== undefined && typeof options.workerUrl !== 'string' && !(options.workerUrl instanceof URL)) throw bad('workerUrl', options.workerUrl, 'a URL string or URL');
  if (options.modelBaseUrl !== undefined && (options.modelBaseUrl === '' || (typeof options.modelBaseUrl !== 'string' && !(options.modelBaseUrl instanceof URL)))) {
    throw bad('modelBaseUrl', options.modelBaseUrl, 'a URL string or URL');
  }
  return {
    catalog: resolvedCatalog,
    dbName: options.dbName ?? DEFAULTS.dbName,
    retention: {
      maxEvents: positive('retention.maxEvents', options.retention?.maxEvents, DEFAULTS.retention.maxEvents, true),
      maxAgeDays: positive('retention.maxAgeDays', options.retention?.maxAgeDays, DEFAULTS.retention.maxAgeDays),
    },
    defaultK: positive('defaultK', options.defaultK, DEFAULTS.defaultK, true),
    halfLifeDays: positive('halfLifeDays', options.halfLifeDays, DEFAULTS.halfLifeDays),
    sessionTimeoutMinutes: positive('sessionTimeoutMinutes', options.sessionTimeoutMinutes, DEFAULTS.sessionTimeoutMinutes),
    ...(diversity !== undefined ? { diversity } : {}),
    encoder: resolvedEncoder,
    modelBaseUrl: options.modelBaseUrl === undefined ? null : new URL(String(options.modelBaseUrl), baseUrl).href,
    devices: device ? [device] : [...devices],
    allowEmptyCatalog: options.allowEmptyCatalog ?? false,
    revalidateEveryMs,
  };
}

function isAbortSignal(value: unknown): boolean {
  return typeof AbortSignal !== 'undefined' ? value instanceof AbortSignal : typeof (value as { aborted?: unknown } | null)?.aborted === 'boolean';
}

/**
 * A transformers.js model: a hub id stays as it is, anything that looks like a URL becomes an absolute folder URL
 * (ending in `/`) resolved against the page. Relative URLs must start with `/`, `./` or `../`, because
 * `owner/name` is a hub id.
 */
function resolveTransformers(encoder: TransformersEncoderOptions, baseUrl: string): TransformersModel {
  rejectUnknown(encoder, TRANSFORMERS_FIELDS, 'encoder', 'a transformers encoder takes');
  const { model, dtype = DEFAULTS.transformersDtype, device, languages = 'any' } = encoder;
  const expected = 'a hub id such as "Xenova/all-MiniLM-L6-v2", or the URL of a model folder (absolute, or starting with "/", "./" or "../")';
  let folderUrl: string | null = null;
  if (model instanceof URL || (typeof model === 'string' && /^(?:[a-z][a-z0-9+.-]*:|\.{0,2}\/)/i.test(model))) {
    let url: URL;
    try {
      url = new URL(String(model), baseUrl);
    } catch {
      throw bad('encoder.model', String(model), expected);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('encoder.model', String(model), `an http(s) URL; ${expected}`);
    if (url.search || url.hash) throw bad('encoder.model', String(model), 'a folder URL without "?" or "#": model files are fetched from <folder>/config.json, <folder>/onnx/…');
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    folderUrl = url.href;
  } else if (typeof model !== 'string' || !HUB_ID.test(model) || model.includes('..') || model.includes('--')) {
    throw bad('encoder.model', model, expected);
  }
  if (!(TRANSFORMERS_DTYPES as readonly unknown[]).includes(dtype)) throw bad('encoder.dtype', dtype, `one of ${TRANSFORMERS_DTYPES.map((d) => `"${d}"`).join(', ')}`);
  if (device !== undefined && device !== 'webgpu' && device !== 'wasm') throw bad('encoder.device', device, '"webgpu" or "wasm" (or leave it out to try `devices` in order)');
  if (languages !== 'any' && (!Array.isArray(languages) || languages.length === 0 || !languages.every(isLanguage))) {
    const wrong = Array.isArray(languages) ? (languages as unknown[]).find((l) => !isLanguage(l)) : languages;
    throw bad('encoder.languages', wrong, `"any" or a non-empty array of ${Object.keys(LANGUAGE_SCRIPTS).map((l) => `"${l}"`).join(', ')}`);
  }
  return { type: 'transformers', model: String(model), folderUrl, dtype, languages };
}
