import { findUnknownKey, PocketRecError, showValue, toItemId, unknownKeyHint } from '../errors';
import { EVENT_TYPES, type BehaviourEvent, type EventContext, type EventType } from './types';

const ITEM_EVENTS: ReadonlySet<EventType> = new Set(['view', 'click', 'add_to_cart', 'purchase', 'rate', 'review', 'dismiss', 'like']);
const EVENT_FIELDS = ['type', 'itemId', 'query', 'text', 'rating', 'ts', 'context'] as const;
const CONTEXT_FIELDS = ['device', 'surface'] as const;
const DEVICES: readonly NonNullable<EventContext['device']>[] = ['mobile', 'tablet', 'desktop'];
/** Which event types may carry each optional field; a field on another type would be ignored, so it is refused. */
const FIELD_TYPES: Readonly<Record<'query' | 'text' | 'rating', readonly EventType[]>> = { query: ['search'], text: ['review'], rating: ['rate', 'review'] };
/** Year 10 000 in ms: later times are a unit mix-up (µs, ns), never a real event. */
const MAX_TS = 253_402_300_800_000;

function invalid(field: string, problem: string): PocketRecError {
  return new PocketRecError('invalid-event', `track: ${problem} (field "${field}"). Nothing was stored.`, { details: { field } });
}

/**
 * Checks a host's event before anything is stored, so a bad call never leaves half an event (or a NaN in the
 * profile) behind. `isKnownItem` lets events for items outside the catalogue fail loudly instead of silently doing
 * nothing; the client passes `() => true` to check the shape before the event crosses to the worker.
 * Numeric item ids become their decimal string, as they do in catalogues.
 * @throws `invalid-event` naming the field
 */
export function validateEvent(input: unknown, now: number, isKnownItem: (id: string) => boolean): BehaviourEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('(event)', `the event is ${showValue(input)}, not an object`);
  const e = input as Record<string, unknown>;
  const unknown = findUnknownKey(e, EVENT_FIELDS);
  if (unknown) throw invalid(unknown.key, `an event has no field "${unknown.key}"; ${unknownKeyHint(unknown.suggestion, EVENT_FIELDS)}`);
  if (!EVENT_TYPES.includes(e.type as EventType)) {
    const near = typeof e.type === 'string' ? findUnknownKey({ [e.type]: 0 }, EVENT_TYPES)?.suggestion : undefined;
    throw invalid('type', `type ${showValue(e.type)} is not one of ${EVENT_TYPES.join(', ')}${near ? `; did you mean "${near}"?` : ''}`);
  }
  const type = e.type as EventType;
  const event: BehaviourEvent = { type, ts: now };
  if (e.ts !== undefined) {
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0 || e.ts > MAX_TS) throw invalid('ts', `ts ${showValue(e.ts)} is not a time in milliseconds since 1970`);
    event.ts = e.ts;
  }
  if (ITEM_EVENTS.has(type)) {
    const itemId = toItemId(e.itemId);
    if (itemId === undefined) throw invalid('itemId', `a "${type}" event needs an itemId (a non-empty string or a number), got ${showValue(e.itemId)}`);
    if (!isKnownItem(itemId)) throw invalid('itemId', `itemId ${showValue(itemId)} is not in the catalogue`);
    event.itemId = itemId;
  } else if (e.itemId !== undefined) {
    throw invalid('itemId', `a "${type}" event names no item; leave itemId out`);
  }
  for (const field of ['query', 'text', 'rating'] as const) {
    if (e[field] !== undefined && !FIELD_TYPES[field].includes(type)) throw invalid(field, `only ${FIELD_TYPES[field].map((t) => `"${t}"`).join(' and ')} events carry ${field}, not "${type}"`);
  }
  if (type === 'search') {
    if (typeof e.query !== 'string' || e.query.trim() === '') throw invalid('query', `a "search" event needs a non-empty query string, got ${showValue(e.query)}`);
    event.query = e.query;
  }
  if (e.text !== undefined) {
    if (typeof e.text !== 'string') throw invalid('text', `text must be a string, got ${showValue(e.text)}`);
    event.text = e.text;
  }
  // A rating outside 0..5 (or NaN) would scale the event's weight without bound and poison the profile for good.
  if (type === 'rate' || e.rating !== undefined) {
    if (typeof e.rating !== 'number' || !(e.rating >= 0 && e.rating <= 5)) throw invalid('rating', `a "${type}" event's rating must be a number from 0 to 5, got ${showValue(e.rating)}`);
    event.rating = e.rating;
  }
  if (e.context !== undefined) event.context = validateContext(e.context, 'context', invalid);
  return event;
}

/**
 * The situation of an event or a request. Shared by both boundaries, so `recommend({ context })` and
 * `track({ context })` accept exactly the same thing.
 */
export function validateContext(raw: unknown, field: string, fail: (field: string, problem: string) => PocketRecError): EventContext {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(field, `${field} must be an object like { device: "mobile", surface: "home" }, got ${showValue(raw)}`);
  const c = raw as Record<string, unknown>;
  const unknown = findUnknownKey(c, CONTEXT_FIELDS);
  if (unknown) throw fail(`${field}.${unknown.key}`, `${field} has no field "${unknown.key}"; ${unknownKeyHint(unknown.suggestion, CONTEXT_FIELDS)}`);
  const context: EventContext = {};
  if (c.device !== undefined) {
    if (!DEVICES.includes(c.device as never)) throw fail(`${field}.device`, `${field}.device is ${showValue(c.device)}; valid values: ${DEVICES.map((d) => `"${d}"`).join(', ')}`);
    context.device = c.device as EventContext['device'] & string;
  }
  if (c.surface !== undefined) {
    if (typeof c.surface !== 'string') throw fail(`${field}.surface`, `${field}.surface must be a string, got ${showValue(c.surface)}`);
    context.surface = c.surface;
  }
  return context;
}

/**
 * Whether a stored event may be replayed into a profile. Histories written before ratings were checked can hold a
 * `review` with a NaN or out-of-range rating, which would turn the profile into NaN on every start; such records
 * are skipped. Only what would poison the profile is checked: an older record with, say, a `query` on a `view`
 * was harmless and still counts.
 */
export function isReplayable(stored: BehaviourEvent): boolean {
  const { type, ts, rating } = stored;
  if (!EVENT_TYPES.includes(type) || typeof ts !== 'number' || !Number.isFinite(ts)) return false;
  return rating === undefined || (typeof rating === 'number' && rating >= 0 && rating <= 5);
}
