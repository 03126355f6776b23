import type { EventContext } from './types';

export type Daypart = 'night' | 'morning' | 'afternoon' | 'evening';

export function daypart(hour: number): Daypart {
  return hour < 6 ? 'night' : hour < 12 ? 'morning' : hour < 18 ? 'afternoon' : 'evening';
}

/**
 * The situations an event happened in, as keys: part of the day and of the week in the visitor's local time
 * (the worker runs in the visitor's time zone), and the device when the host reports it.
 */
export function contextKeys(ts: number, context: EventContext | undefined): string[] {
  const d = new Date(ts);
  const day = d.getDay();
  const keys = [`daypart:${daypart(d.getHours())}`, `week:${day === 0 || day === 6 ? 'weekend' : 'weekday'}`];
  if (context?.device) keys.push(`device:${context.device}`);
  return keys;
}
