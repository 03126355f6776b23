import { EVENT_TYPES, type BehaviourEvent, type EventType } from './types';

/** Thrown by `validateEvent`; the worker turns it into a coded `invalid-event` error. */
export class InvalidEventError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ITEM_EVENTS: ReadonlySet<EventType> = new Set(['view', 'click', 'add_to_cart', 'purchase', 'rate', 'review', 'dismiss', 'like']);

/**
 * Checks a host's event before anything is stored, so a bad call never leaves half an event behind.
 * `isKnownItem` lets events for items outside the catalogue fail loudly instead of silently doing nothing.
 */
export function validateEvent(input: unknown, now: number, isKnownItem: (id: string) => boolean): BehaviourEvent {
  if (typeof input !== 'object' || input === null) throw new InvalidEventError('(event)', 'the event is not an object');
  const e = input as Record<string, unknown>;
  if (!EVENT_TYPES.includes(e.type as EventType)) {
    throw new InvalidEventError('type', `type ${JSON.stringify(e.type)} is not one of ${EVENT_TYPES.join(', ')}`);
  }
  const type = e.type as EventType;
  const event: BehaviourEvent = { type, ts: now };
  if (e.ts !== undefined) {
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) throw new InvalidEventError('ts', `ts ${JSON.stringify(e.ts)} is not a time in milliseconds`);
    event.ts = e.ts;
  }
  if (ITEM_EVENTS.has(type) || e.itemId !== undefined) {
    if (typeof e.itemId !== 'string' || e.itemId === '') throw new InvalidEventError('itemId', `a "${type}" event needs an itemId (string)`);
    if (!isKnownItem(e.itemId)) throw new InvalidEventError('itemId', `itemId "${e.itemId}" is not in the catalogue`);
    event.itemId = e.itemId;
  }
  if (type === 'search' && (typeof e.query !== 'string' || e.query.trim() === '')) throw new InvalidEventError('query', 'a "search" event needs a non-empty query');
  if (e.query !== undefined) {
    if (typeof e.query !== 'string') throw new InvalidEventError('query', 'query must be a string');
    event.query = e.query;
  }
  if (type === 'rate' && (typeof e.rating !== 'number' || !(e.rating >= 0 && e.rating <= 5))) throw new InvalidEventError('rating', `a "rate" event needs a rating from 0 to 5, got ${JSON.stringify(e.rating)}`);
  if (e.rating !== undefined) event.rating = e.rating as number;
  if (e.text !== undefined) {
    if (typeof e.text !== 'string') throw new InvalidEventError('text', 'text must be a string');
    event.text = e.text;
  }
  if (e.context !== undefined) {
    if (typeof e.context !== 'object' || e.context === null) throw new InvalidEventError('context', 'context must be an object');
    event.context = e.context as BehaviourEvent['context'] & object;
  }
  return event;
}
