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
