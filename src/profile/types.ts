import type { Int8Rows } from '../vector';

export const EVENT_TYPES = Object.freeze(['view', 'click', 'add_to_cart', 'purchase', 'rate', 'review', 'search', 'dismiss', 'like'] as const);
export type EventType = (typeof EVENT_TYPES)[number];

/** Optional situation of an event or a request; used as a feature, never sent anywhere. */
export interface EventContext {
  device?: 'mobile' | 'tablet' | 'desktop';
  /** Page or placement the event came from, e.g. 'search-results'. */
  surface?: string;
}

/** What profile folding reads about an item besides its vector. */
export interface ItemAttributes {
  category?: string | undefined;
  tags?: readonly string[] | undefined;
  brand?: string | undefined;
  price?: number | undefined;
}

/** What the host reports. Item events name an item; `search` carries a query; `review` may carry text. */
export interface BehaviourEvent {
  type: EventType;
  itemId?: string;
  query?: string;
  text?: string;
  /** For `rate`: 0 to 5. */
  rating?: number;
  /** Milliseconds since the epoch. @defaultValue the time `track` was called */
  ts: number;
  context?: EventContext;
}

/** What profile folding needs to know about the catalogue: one unit vector per item, as int8 rows. */
export interface ItemSpace {
  readonly dim: number;
  readonly rows: Int8Rows;
  indexOf(itemId: string): number | undefined;
}

/** Settings of how events become a profile. Units are in the names. */
export interface ProfileSettings {
  /** Long-term interests lose half their weight over this period. @defaultValue 60 */
  halfLifeDays: number;
  /** The session state forgets much faster. @defaultValue 30 */
  sessionHalfLifeMinutes: number;
  /** How much each event type counts; `rate` and `review` scale with their value. */
  eventWeights: Readonly<Record<EventType, number>>;
  /** How many recent item events the sequence keeps. @defaultValue 50 */
  recentLength: number;
}

export interface RecentEvent {
  index: number;
  type: EventType;
  ts: number;
  weight: number;
}

/** A vector sum whose terms decay exponentially; see `decayed-sum.ts`. */
export interface DecayedSum {
  vector: Float32Array;
  anchorTs: number;
  /** Total decayed weight at `anchorTs`, so the mass of evidence can be compared. */
  mass: number;
}

/** The visitor's state, folded from events in O(dim) per event. It lives in the worker, next to the store. */
export interface Profile {
  longTerm: DecayedSum;
  session: DecayedSum;
  /** Dismissed and disliked items. */
  negative: DecayedSum;
  /** Embedded search queries and review texts. */
  intents: DecayedSum;
  lastQuery: string | null;
  recent: RecentEvent[];
  purchased: Set<number>;
  dismissed: Set<number>;
  /** Items with any positive interaction. */
  seen: Set<number>;
  /** Views of an item without a purchase; repeated ones cool it down. */
  viewCounts: Map<number, number>;
  categoryAffinity: Map<string, number>;
  tagAffinity: Map<string, number>;
  brandAffinity: Map<string, number>;
  /** Weighted moments of log(price) over liked items: the visitor's price band. */
  price: { weight: number; sumLog: number; sumLog2: number };
  /** Category affinity per situation (`daypart:evening`, `week:weekend`, `device:mobile`) → category → weight. */
  contextAffinity: Map<string, Map<string, number>>;
  eventCount: number;
  lastTs: number;
}
