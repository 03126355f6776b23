import { findUnknownKey, isPlainObject, PocketRecError, showValue, toItemId, unknownKeyHint } from '../errors';
import { validateContext } from '../profile/validate-event';
import type { RankFilter } from '../rank';
import type { RecommendRequest } from '../worker';
import type { CallOptions } from './types';

/**
 * The request boundary: every argument of `recommend`, `similar` and `search` is checked on the page, before it
 * crosses to the worker, so a bad call rejects with `invalid-option` naming the option instead of quietly returning
 * `[]` (`k: -1`) or using a default (a misspelt key). The worker still checks what needs the catalogue (item ids).
 */

const REQUEST_FIELDS = ['k', 'exclude', 'filter', 'pinned', 'now', 'context', 'explore', 'threshold'] as const satisfies ReadonlyArray<keyof RecommendRequest>;
const FILTER_FIELDS = ['categories', 'minPrice', 'maxPrice'] as const satisfies ReadonlyArray<keyof RankFilter>;
const CALL_FIELDS = ['signal'] as const;
const SURFACE_CALL_FIELDS = ['signal', 'filter'] as const;
const SEARCH_CALL_FIELDS = ['signal', 'filter', 'threshold'] as const;

type Method = 'recommend' | 'similar' | 'search';

function invalid(method: Method, option: string, problem: string, extra: Record<string, string> = {}): PocketRecError {
  return new PocketRecError('invalid-option', `${method}: ${problem} (option "${option}").`, { details: { option, ...extra } });
}

function rejectUnknown(method: Method, value: object, known: readonly string[], parent: string): void {
  const unknown = findUnknownKey(value, known);
  if (!unknown) return;
  const option = parent ? `${parent}.${unknown.key}` : unknown.key;
  throw invalid(method, option, `there is no ${parent ? `${parent} field` : 'option'} "${unknown.key}"; ${unknownKeyHint(unknown.suggestion, known)}`, unknown.suggestion ? { suggestion: unknown.suggestion } : {});
}

/** `k` must be a positive whole number, as `search('')` must be a real query: nothing is silently empty. */
export function validateK(method: Method, k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k <= 0) throw invalid(method, 'k', `k is ${showValue(k)}; expected a positive integer such as 10`);
  return k;
}

export function validateFilter(method: Method, raw: unknown): RankFilter {
  if (!isPlainObject(raw)) throw invalid(method, 'filter', `filter is ${showValue(raw)}; expected an object like { categories: ["books"], maxPrice: 20 }`);
  rejectUnknown(method, raw, FILTER_FIELDS, 'filter');
  const filter: { -readonly [K in keyof RankFilter]: RankFilter[K] } = {};
  if (raw.categories !== undefined) {
    if (!Array.isArray(raw.categories) || !raw.categories.every((c) => typeof c === 'string')) throw invalid(method, 'filter.categories', `filter.categories is ${showValue(raw.categories)}; expected an array of category names`);
    filter.categories = [...(raw.categories as string[])];
  }
  for (const bound of ['minPrice', 'maxPrice'] as const) {
    const v = raw[bound];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(method, `filter.${bound}`, `filter.${bound} is ${showValue(v)}; expected a non-negative number`);
    filter[bound] = v;
  }
  if (filter.minPrice !== undefined && filter.maxPrice !== undefined && filter.minPrice > filter.maxPrice) {
    throw invalid(method, 'filter.minPrice', `filter.minPrice ${filter.minPrice} is above filter.maxPrice ${filter.maxPrice}, so nothing could match`);
  }
  return filter;
}

function validateIds(method: Method, option: 'exclude' | 'pinned', raw: unknown): string[] {
  if (!Array.isArray(raw)) throw invalid(method, option, `${option} is ${showValue(raw)}; expected an array of item ids`);
  return raw.map((value, i) => {
    const id = toItemId(value);
    if (id === undefined) throw invalid(method, option, `${option}[${i}] is ${showValue(value)}; expected an item id (a non-empty string or a number)`);
    return id;
  });
}

/** Checks and normalises a `recommend()` request; numeric ids become strings, as in events and catalogues. */
export function validateRecommendRequest(raw: unknown): RecommendRequest {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) throw invalid('recommend', '(request)', `the request is ${showValue(raw)}; expected an object like { k: 8 }`);
  rejectUnknown('recommend', raw, REQUEST_FIELDS, '');
  const request: RecommendRequest = {};
  if (raw.k !== undefined) request.k = validateK('recommend', raw.k);
  if (raw.exclude !== undefined) request.exclude = validateIds('recommend', 'exclude', raw.exclude);
  if (raw.pinned !== undefined) request.pinned = validateIds('recommend', 'pinned', raw.pinned);
  if (raw.filter !== undefined) request.filter = validateFilter('recommend', raw.filter);
  if (raw.now !== undefined) {
    if (typeof raw.now !== 'number' || !Number.isFinite(raw.now) || raw.now < 0) throw invalid('recommend', 'now', `now is ${showValue(raw.now)}; expected a time in milliseconds since 1970`);
    request.now = raw.now;
  }
  if (raw.context !== undefined) request.context = validateContext(raw.context, 'context', (option, problem) => invalid('recommend', option, problem));
  if (raw.explore !== undefined) {
    if (typeof raw.explore !== 'boolean') throw invalid('recommend', 'explore', `explore is ${showValue(raw.explore)}; expected true or false`);
    request.explore = raw.explore;
  }
  if (raw.threshold !== undefined) request.threshold = validateThreshold('recommend', raw.threshold);
  return request;
}

function validateThreshold(method: Method, raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw invalid(method, 'threshold', `threshold is ${showValue(raw)}; expected a finite number`);
  return raw;
}

/** The per-call options object; `similar` and `search` also take a `filter`, `search` a `threshold`. */
export function validateCallOptions(method: Method, raw: unknown): CallOptions & { filter?: RankFilter; threshold?: number } {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) throw invalid(method, '(options)', `the call options are ${showValue(raw)}; expected an object like { signal }`);
  rejectUnknown(method, raw, method === 'recommend' ? CALL_FIELDS : method === 'search' ? SEARCH_CALL_FIELDS : SURFACE_CALL_FIELDS, '');
  const options: CallOptions & { filter?: RankFilter; threshold?: number } = {};
  if (raw.threshold !== undefined) options.threshold = validateThreshold(method, raw.threshold);
  if (raw.signal !== undefined) {
    if (typeof AbortSignal === 'undefined' || !(raw.signal instanceof AbortSignal)) throw invalid(method, 'signal', `signal is ${showValue(raw.signal)}; expected an AbortSignal`);
    options.signal = raw.signal;
  }
  if (raw.filter !== undefined) options.filter = validateFilter(method, raw.filter);
  return options;
}

export function validateItemId(method: Method, raw: unknown): string {
  const id = toItemId(raw);
  if (id === undefined) throw invalid(method, 'itemId', `itemId is ${showValue(raw)}; expected an item id (a non-empty string or a number)`);
  return id;
}

export function validateQuery(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('search', 'query', `query is ${showValue(raw)}; expected a non-empty string`);
  return raw;
}

/**
 * Runs `check` and hands its result on, turning a synchronous throw into a rejected promise: every method of the
 * recommender reports bad input the same way, as a rejection.
 */
export function checked<A, T>(check: () => A, then: (value: A) => Promise<T>): Promise<T> {
  let value: A;
  try {
    value = check();
  } catch (error) {
    return Promise.reject(error);
  }
  return then(value);
}

/**
 * Starts a call to the worker. `postMessage` fails when an argument cannot be cloned (a function, a nesting deeper
 * than the clone's stack): that becomes a coded `invalid-option` rejection, never a raw DataCloneError or
 * RangeError. Errors from the worker side arrive rebuilt as plain `Error`s, so the class tells a local failure apart.
 */
export function sendSafely<T>(run: () => Promise<T>): Promise<T> {
  let sent: Promise<T>;
  try {
    sent = run();
  } catch (cause) {
    sent = Promise.reject(cause);
  }
  return sent.catch((cause: unknown) => {
    if (!isCloneFailure(cause)) throw cause;
    throw new PocketRecError('invalid-option', `client: an argument could not be sent to the worker (${cause.name}: ${cause.message}). Pass plain data: strings, numbers, arrays and plain objects.`, {
      details: { option: '(arguments)' },
      cause,
    });
  });
}

function isCloneFailure(cause: unknown): cause is Error {
  return cause instanceof RangeError || (typeof DOMException !== 'undefined' && cause instanceof DOMException && cause.name === 'DataCloneError');
}
