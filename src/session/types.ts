// The catalogue's barrel also loads over the network; its types file is the pure part (as in rank/).
import type { Item, ItemRecords } from '../catalog/types';
import type { LanguageCoverage } from '../encoder/languages';
import type { BehaviourEvent, EventContext, ProfileSettings } from '../profile';
import type { RankFilter, RankModel, RankSettings, SurfaceFallback } from '../rank';

/** An event as the session folds it: the host's event stamped with the browsing session it belongs to. */
export interface SessionEvent extends BehaviourEvent {
  /** Insertion order in the store, when it came from there; folding follows it. */
  seq?: number;
  sessionId: string;
}

/** One browsing session: a gap longer than the timeout starts a new one. */
export interface BrowsingSession {
  id: string;
  lastTs: number;
}

export interface RecommendRequest {
  /** How many results. @defaultValue the recommender's `defaultK` */
  k?: number;
  /** Item ids never to return (e.g. what the page already shows). */
  exclude?: string[];
  filter?: RankFilter;
  /** Item ids to put first, in order (merchandising). */
  pinned?: string[];
  /** The moment to rank for, in ms. @defaultValue now */
  now?: number;
  /** The situation (device, surface) for context-aware ranking; daypart and weekday come from `now`. */
  context?: EventContext;
  /** Reserve the last slot for something outside the visitor's usual categories. @defaultValue false */
  explore?: boolean;
  /** Leave out results scoring below this (the hybrid score's scale), even if fewer than `k` remain. @defaultValue none */
  threshold?: number;
}

/** Options every surface beside the personal feed takes (related, bought-together, looking-similar, trending). */
export interface SurfaceOptions {
  /** How many results at most. @defaultValue the recommender's `defaultK` */
  k?: number;
  /**
   * Leave out model results scoring below this; when nothing clears it the result is empty (or the fallback).
   * Scales: bought-together and trending score in (0, 1]; related and looking-similar are cosines, about −1 to 1.2.
   * @defaultValue none
   */
  threshold?: number;
  /**
   * What fills the places the model leaves empty: `'trending'`, `'trending-in-category'` (the seeds'
   * categories), `'popular'`, or `'none'`. Fallback items need trend or popularity evidence of their own.
   * @defaultValue 'none'
   */
  fallback?: SurfaceFallback;
  filter?: RankFilter;
  /** Item ids never to return. */
  exclude?: string[];
}

export interface TrendingOptions extends SurfaceOptions {
  /** Only this category. @defaultValue every category */
  category?: string;
  /** Trending over the last this many days; one of the windows the catalogue was built with (1, 7, 30 by default). @defaultValue the catalogue's main window (7) */
  window?: number;
}

export interface SearchOptions {
  filter?: RankFilter;
  /** Leave out matches whose relevance (words + meaning, before the personal tilt; about 0 to 2) is below this. @defaultValue none */
  threshold?: number;
}

/** One result: the host's own item record, a score, and why it was chosen. */
export interface Recommendation {
  id: string;
  item: Item;
  score: number;
  reason: string;
}

export interface Update {
  recommendations: Recommendation[];
  /** The latest event folded before this update; a burst of events gives one update, caused by its last event. */
  cause: BehaviourEvent;
}

/** The catalogue's next-item model as the session uses it: scores of every item after a history. */
export interface SequenceScorer {
  score(history: readonly number[]): Promise<Float32Array>;
}

/** What the session needs from the outside world, injected so that it stays pure and runs in Node. */
export interface SessionDeps {
  model: RankModel;
  /** Display records: only the results' are decoded. */
  records: ItemRecords;
  /** Reads the search index before the first search, where the catalogue left it in the cache. */
  loadSearchIndex?: () => Promise<void>;
  /** Unit vectors for texts in the catalogue's space (search queries, review texts). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * The languages `embed` understands; queries and reviews in other scripts are never embedded and take the
   * lexical path alone. @defaultValue 'any'
   */
  languages?: LanguageCoverage;
  /**
   * Readies the encoder before the first text is embedded, for an engine that loads it lazily (only once a query or
   * review arrives). Resolves to the languages it covers, replacing `languages`, or to null when texts cannot be
   * embedded in the ranking rows' space (then every text takes the lexical path). Called at most once.
   */
  prepareText?(): Promise<LanguageCoverage | null>;
  /** Null when the catalogue ships no sequence model, no device runs it, or it is not loaded yet (see `setSequence`). */
  sequence: SequenceScorer | null;
  /**
   * The durable events stored after `seq`, oldest first, by this tab or any other. With it the session folds in
   * store order, so every tab of a site folds the same events in the same order; without it (one writer, Node)
   * each event is folded as its own write returns.
   */
  readAfter?(seq: number): Promise<SessionEvent[]>;
  /** Called once when the sequence model throws; the session ranks without it from then on. */
  onSequenceFailed?(error: unknown): void;
  profileSettings: ProfileSettings;
  rankSettings: RankSettings;
  sessionTimeoutMinutes: number;
  defaultK: number;
  /** Wall-clock time in ms. @defaultValue Date.now */
  now?(): number;
  /** A monotonic clock in ms for timings. @defaultValue Date.now */
  clock?(): number;
  newSessionId(): string;
  /**
   * Runs the coalesced push later, so that a burst of events gives one update. @defaultValue a microtask
   */
  schedulePush?(run: () => void): void;
}

export interface SessionStatus {
  /** Events folded into the profile. */
  historySize: number;
  sessionId: string;
  lastRecommendMs: number | null;
  lastSequenceMs: number | null;
  /** Whether the sequence model still takes part in ranking. */
  hasSequence: boolean;
  /** Whether the last ranking for `recommend` or a push used the sequence model's scores. */
  lastRankUsedSequence: boolean;
  /** Sequence model runs so far (one per changed history that a ranking needed). */
  sequenceRuns: number;
  /** Rankings made for subscribers so far. */
  pushes: number;
  /** Queries and reviews sent to the lexical path alone because the encoder does not cover their script. */
  lexicalOnlyTexts: number;
}

/**
 * One visitor's state and every call on it. Calls run one at a time in arrival order, so none sees a
 * half-updated profile; each returns once its effect (and, for `track`, the injected durable write) is done.
 */
export interface Session {
  /**
   * Replaces the state with a stored history, folded in order (start-up, restart, another tab's change), and
   * runs the sequence model on it.
   */
  load(history: readonly SessionEvent[], browsing: BrowsingSession | undefined): Promise<void>;
  /**
   * Stamps the event with its browsing session, hands it to `persist` (the durable write) and folds it only
   * once that resolved: a failed write leaves the profile as it was.
   */
  track(event: BehaviourEvent, persist: (event: SessionEvent, browsing: BrowsingSession) => Promise<SessionEvent>): Promise<SessionEvent>;
  /**
   * Folds what other tabs stored since the last fold (through `readAfter`). Calls made while one is already
   * waiting to run share it, so a burst of notifications costs one read.
   */
  sync(): Promise<void>;
  recommend(request?: RecommendRequest): Promise<Recommendation[]>;
  similar(itemId: string, k: number, filter?: RankFilter): Promise<Recommendation[]>;
  search(query: string, k: number, options?: SearchOptions): Promise<Recommendation[]>;
  /** The surfaces beside the feed; their options are checked here, against the catalogue (`invalid-option`). */
  related(itemIds: unknown, options?: unknown): Promise<Recommendation[]>;
  boughtTogether(itemIds: unknown, options?: unknown): Promise<Recommendation[]>;
  lookingSimilar(itemId: unknown, options?: unknown): Promise<Recommendation[]>;
  trending(options?: unknown): Promise<Recommendation[]>;
  /** Empties the profile after `erase` (the durable deletion) resolved; without `erase`, after another tab's. */
  forget(erase?: () => Promise<void>): Promise<void>;
  /** Push one coalesced update per burst of events to `listener`; null stops pushing (and ranking for it). */
  setListener(listener: ((update: Update) => void) | null): void;
  /** A sequence model that became ready after start-up: rankings from the next one on use it. */
  setSequence(sequence: SequenceScorer | null): void;
  /** Counts events the store dropped by retention: they stay folded, but no longer count as history. */
  noteRemoved(count: number): void;
  /** Resolves when every call made so far has finished. */
  idle(): Promise<void>;
  status(): SessionStatus;
}
