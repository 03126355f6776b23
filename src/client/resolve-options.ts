import type { Item } from '../catalog';
import { PocketRecError } from '../errors';
import type { EngineConfig } from '../worker';
import type { RecommenderOptions } from './types';

export const DEFAULTS = Object.freeze({
  dbName: 'pocketrec',
  retention: Object.freeze({ maxEvents: 5000, maxAgeDays: 365 }),
  defaultK: 10,
  halfLifeDays: 14,
  sessionTimeoutMinutes: 30,
  diversity: 0.55,
  encoder: 'auto',
  devices: Object.freeze(['webgpu', 'wasm'] as const),
});

function bad(option: string, value: unknown, expected: string): PocketRecError {
  return new PocketRecError('invalid-option', `createRecommender: option "${option}" is ${JSON.stringify(value) ?? String(value)}; expected ${expected}.`, { details: { option } });
}

function positive(option: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw bad(option, value, integer ? 'a positive integer' : 'a positive number');
  }
  return value;
}

/** Validates the host's options once, at the boundary, and fills every default. */
export function resolveOptions(options: RecommenderOptions, baseUrl: string, workerUrl: string): EngineConfig {
  if (typeof options !== 'object' || options === null) throw bad('(options)', options, 'an object with at least { catalog }');
  const { catalog } = options;
  let resolvedCatalog: EngineConfig['catalog'];
  if (Array.isArray(catalog)) resolvedCatalog = [...(catalog as readonly Item[])];
  else if (typeof catalog === 'string' || catalog instanceof URL) {
    if (String(catalog) === '') throw bad('catalog', catalog, 'a URL or an array of items');
    resolvedCatalog = new URL(String(catalog), baseUrl).href;
  } else throw bad('catalog', catalog, 'a URL (manifest, JSON array or NDJSON) or an array of items');
  const diversity = options.diversity ?? DEFAULTS.diversity;
  if (typeof diversity !== 'number' || !(diversity >= 0 && diversity <= 1)) throw bad('diversity', diversity, 'a number from 0 to 1');
  const encoder = options.encoder ?? DEFAULTS.encoder;
  if (encoder !== 'auto' && encoder !== 'lexical') throw bad('encoder', encoder, '"auto" or "lexical"');
  const devices = options.devices ?? [...DEFAULTS.devices];
  if (!Array.isArray(devices) || devices.length === 0 || !devices.every((d) => d === 'webgpu' || d === 'wasm')) throw bad('devices', devices, 'a non-empty array of "webgpu" and "wasm"');
  if (options.dbName !== undefined && (typeof options.dbName !== 'string' || options.dbName === '')) throw bad('dbName', options.dbName, 'a non-empty string');
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
    diversity,
    encoder,
    modelBaseUrl: new URL(String(options.modelBaseUrl ?? 'models/'), options.modelBaseUrl ? baseUrl : workerUrl).href,
    wasmBaseUrl: new URL('./', workerUrl).href,
    devices: [...devices],
  };
}
