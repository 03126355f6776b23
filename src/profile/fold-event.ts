import { addDecayed, createDecayedSum } from './decayed-sum';
import { contextKeys } from './context';
import { readInt8Row } from '../vector';
import type { BehaviourEvent, EventType, ItemAttributes, ItemSpace, Profile, ProfileSettings } from './types';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export const DEFAULT_PROFILE_SETTINGS: ProfileSettings = Object.freeze({
  halfLifeDays: 60,
  sessionHalfLifeMinutes: 30,
  // Ordered by intent: a purchase says far more than a glance. Dismiss is handled as negative evidence.
  eventWeights: Object.freeze({ view: 1, click: 1.5, like: 3, add_to_cart: 3, purchase: 5, rate: 3, review: 3, search: 2, dismiss: 2 }),
  recentLength: 50,
});

export function createProfile(dim: number): Profile {
  return {
    longTerm: createDecayedSum(dim),
    session: createDecayedSum(dim),
    negative: createDecayedSum(dim),
    intents: createDecayedSum(dim),
    lastQuery: null,
    recent: [],
    purchased: new Set(),
    dismissed: new Set(),
    seen: new Set(),
    viewCounts: new Map(),
    categoryAffinity: new Map(),
    tagAffinity: new Map(),
    brandAffinity: new Map(),
    price: { weight: 0, sumLog: 0, sumLog2: 0 },
    contextAffinity: new Map(),
    eventCount: 0,
    lastTs: 0,
  };
}

/**
 * A rating of 5 is strong liking, 3 is lukewarm, 1 is disliking: centre on 2.5 so low ratings push away.
 * Exported for the evaluation, which replays rated histories.
 */
export function ratingWeight(rating: number): number {
  return (rating - 2.5) / 2.5;
}

/** Signed strength of an item event. Negative values are evidence against the item. */
export function eventStrength(event: BehaviourEvent, weights: Readonly<Record<EventType, number>>): number {
  switch (event.type) {
    case 'rate':
      return weights.rate * ratingWeight(event.rating ?? 2.5);
    case 'review':
      // A review with stars speaks with their sentiment; without them, writing one at all is strong interest.
      return event.rating === undefined ? weights.review : weights.review * ratingWeight(event.rating);
    case 'dismiss':
      return -weights.dismiss;
    default:
      return weights[event.type];
  }
}

export interface FoldInputs {
  space: ItemSpace;
  /** Category, tags, brand and price of an item, for affinities. */
  attributesOf(index: number): ItemAttributes;
  /** Vector of the event's text (query or review), already embedded by the encoder. */
  textVector?: Float32Array;
}

/** Folds one event into the profile, in place. Events for unknown items only count as text evidence. */
export function foldEvent(profile: Profile, event: BehaviourEvent, inputs: FoldInputs, settings: ProfileSettings = DEFAULT_PROFILE_SETTINGS): void {
  const halfLife = settings.halfLifeDays * DAY_MS;
  const sessionHalfLife = settings.sessionHalfLifeMinutes * MINUTE_MS;
  const { space } = inputs;
  profile.eventCount++;
  profile.lastTs = Math.max(profile.lastTs, event.ts);

  if (inputs.textVector) {
    addDecayed(profile.intents, inputs.textVector, settings.eventWeights[event.type === 'review' ? 'review' : 'search'], event.ts, halfLife);
    if (event.type === 'search' && event.query) profile.lastQuery = event.query;
  }
  const index = event.itemId === undefined ? undefined : space.indexOf(event.itemId);
  if (index === undefined) return;

  const row = readInt8Row(space.rows, index);
  let strength = eventStrength(event, settings.eventWeights);

  if (event.type === 'view' || event.type === 'click') {
    const views = (profile.viewCounts.get(index) ?? 0) + 1;
    profile.viewCounts.set(index, views);
    // Looking at the same thing again and again without buying is hesitation, not growing interest.
    if (!profile.purchased.has(index)) strength /= Math.max(1, views - 1);
  }
  if (event.type === 'purchase') profile.purchased.add(index);

  if (strength < 0) {
    addDecayed(profile.negative, row, -strength, event.ts, halfLife);
    if (event.type === 'dismiss') profile.dismissed.add(index);
  } else {
    addDecayed(profile.longTerm, row, strength, event.ts, halfLife);
    addDecayed(profile.session, row, strength, event.ts, sessionHalfLife);
    profile.seen.add(index);
    foldAffinities(profile, inputs.attributesOf(index), strength, event);
  }

  profile.recent.push({ index, type: event.type, ts: event.ts, weight: strength });
  if (profile.recent.length > settings.recentLength) profile.recent.splice(0, profile.recent.length - settings.recentLength);
}

const bump = (map: Map<string, number>, key: string, w: number) => map.set(key, (map.get(key) ?? 0) + w);

/** What the visitor likes beyond the item itself: its category, tags, brand, price band, and when they like it. */
function foldAffinities(profile: Profile, a: ItemAttributes, strength: number, event: BehaviourEvent): void {
  if (a.category !== undefined) {
    bump(profile.categoryAffinity, a.category, strength);
    for (const key of contextKeys(event.ts, event.context)) {
      let byCategory = profile.contextAffinity.get(key);
      if (!byCategory) profile.contextAffinity.set(key, (byCategory = new Map()));
      bump(byCategory, a.category, strength);
    }
  }
  for (const tag of a.tags ?? []) bump(profile.tagAffinity, tag, strength);
  if (a.brand !== undefined) bump(profile.brandAffinity, a.brand, strength);
  if (a.price !== undefined && a.price > 0) {
    const l = Math.log(a.price);
    profile.price.weight += strength;
    profile.price.sumLog += strength * l;
    profile.price.sumLog2 += strength * l * l;
  }
}
