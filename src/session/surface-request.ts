import { PocketRecError } from '../errors';
import { SURFACE_FALLBACKS, type RankModel, type SurfaceRequest } from '../rank';
import type { TrendingOptions } from './types';

const SURFACE_FIELDS = ['k', 'threshold', 'fallback', 'filter', 'exclude'];
const TRENDING_FIELDS = [...SURFACE_FIELDS, 'category', 'window'];

const bad = (method: string, field: string, value: unknown, expected: string) =>
  new PocketRecError('invalid-option', `${method}: option "${field}" is ${describe(value)}; expected ${expected}.`, { details: { option: field, value: describe(value) } });

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * The options of a surface call, checked and resolved at the worker's door: a misspelt field or a wrong type
 * fails with `invalid-option` naming it, instead of silently serving something the host did not ask for.
 */
export function resolveSurface(method: string, raw: unknown, model: RankModel, defaultK: number, fields = SURFACE_FIELDS): SurfaceRequest {
  if (raw === undefined) raw = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(method, 'options', raw, 'an object');
  const options = raw as Record<string, unknown>;
  const unknown = Object.keys(options).find((f) => !fields.includes(f));
  if (unknown !== undefined) throw new PocketRecError('invalid-option', `${method}: there is no option "${unknown}"; valid options: ${fields.join(', ')}.`, { details: { option: unknown } });
  const { k = defaultK, fallback = 'none', filter, exclude = [] } = options;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw bad(method, 'k', k, 'a positive integer');
  if (!(SURFACE_FALLBACKS as readonly unknown[]).includes(fallback)) throw bad(method, 'fallback', fallback, `one of ${SURFACE_FALLBACKS.map((f) => `"${f}"`).join(', ')}`);
  if (!Array.isArray(exclude) || !exclude.every((id) => typeof id === 'string')) throw bad(method, 'exclude', exclude, 'an array of item ids');
  if (filter !== undefined && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) throw bad(method, 'filter', filter, 'an object ({ categories?, minPrice?, maxPrice? })');
  const known = exclude.map((id) => model.indexOf(id)).filter((i): i is number => i !== undefined);
  return {
    k,
    threshold: resolveThreshold(method, options.threshold),
    fallback: fallback as SurfaceRequest['fallback'],
    ...(known.length ? { exclude: new Set(known) } : {}),
    ...(filter ? { filter: filter as SurfaceRequest['filter'] & object } : {}),
  };
}

export function resolveThreshold(method: string, value: unknown): number {
  if (value === undefined) return -Infinity;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(method, 'threshold', value, 'a finite number');
  return value;
}

/** Seed items by id: a non-empty list, each in the catalogue (the error names the first unknown one). */
export function resolveSeeds(method: string, ids: unknown, model: RankModel): number[] {
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) throw bad(method, 'itemIds', ids, 'a non-empty array of item ids');
  return [...new Set(ids)].map((id) => {
    const index = model.indexOf(id);
    if (index === undefined) throw new PocketRecError('invalid-option', `${method}: item "${id}" is not in the catalogue.`, { details: { option: 'itemIds', itemId: id } });
    return index;
  });
}

/** The trend of the requested window; the error lists the windows this catalogue was built with. */
export function resolveTrending(raw: TrendingOptions | undefined, model: RankModel, defaultK: number): { request: SurfaceRequest; category: string | undefined; trend: Float32Array } {
  const request = resolveSurface('trending', raw, model, defaultK, TRENDING_FIELDS);
  const { category, window } = raw ?? {};
  if (category !== undefined && typeof category !== 'string') throw bad('trending', 'category', category, 'a category name');
  if (window === undefined) return { request, category, trend: model.trending };
  const trend = model.trendingWindows.get(window);
  if (!trend) {
    const built = [...model.trendingWindows.keys()];
    throw bad('trending', 'window', window, built.length ? `one of the catalogue's windows, in days: ${built.join(', ')}` : 'nothing: this catalogue was built without trending windows (rebuild it with `pocketrec build`)');
  }
  return { request, category, trend };
}
