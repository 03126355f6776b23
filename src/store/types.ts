import type { CatalogCache } from '../catalog';
import type { BehaviourEvent } from '../profile';

/** An event as kept in IndexedDB: the host's event plus what the engine stamped on it. */
export interface StoredEvent extends BehaviourEvent {
  /** Insertion order, assigned by IndexedDB; unique per database. */
  seq?: number;
  sessionId: string;
  /** The client's delivery key: a track call re-sent after a worker crash is recognised and stored once. */
  key?: string;
}

export interface Retention {
  /** Oldest events beyond this count are deleted. @defaultValue 5000 */
  maxEvents: number;
  /** Events older than this are deleted. @defaultValue 365 */
  maxAgeDays: number;
}

export interface HistoryExport {
  formatVersion: 1;
  exportedAt: number;
  events: StoredEvent[];
}

export interface PutCachedOptions {
  /**
   * Deletes every other cache entry whose key starts with this prefix in the same write, so a cache keyed by
   * version (`vectors:<catalogue version>:…`) holds only the current one instead of growing with every deploy.
   */
  replacesPrefix?: string;
}

/** The visitor's history, settings and caches. */
export interface HistoryStore {
  /**
   * False once IndexedDB could not be opened (private modes, disabled storage, an opaque origin): the store then
   * keeps everything in memory, for this page's lifetime only.
   */
  readonly persistent: boolean;
  /**
   * Stores one event (its `seq` assigned here) and the `settings` given, in one transaction: an event and the
   * browsing session it moved commit together, at the cost of one commit.
   */
  append(event: StoredEvent, settings?: Readonly<Record<string, unknown>>): Promise<StoredEvent>;
  /** All kept events, oldest first. */
  events(): Promise<StoredEvent[]>;
  /** Kept events stored after `seq` (by any tab), oldest first. */
  eventsAfter(seq: number): Promise<StoredEvent[]>;
  /** Deletes what the retention policy no longer allows; returns how many events went. */
  prune(now: number): Promise<number>;
  getSetting<T>(key: string): Promise<T | undefined>;
  putSetting(key: string, value: unknown): Promise<void>;
  readonly catalogCache: CatalogCache;
  getCached<T>(key: string): Promise<T | undefined>;
  putCached(key: string, value: unknown, options?: PutCachedOptions): Promise<void>;
  exportHistory(): Promise<HistoryExport>;
  /** Deletes the database itself (history, settings, catalogue and vector caches) and the bundled model's cache. */
  forget(): Promise<void>;
  close(): void;
}
