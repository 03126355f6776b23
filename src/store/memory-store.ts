import type { HistoryStore, Retention, StoredEvent } from './types';

const DAY_MS = 86_400_000;

/**
 * The store used when IndexedDB cannot be opened: the same contract, kept in memory for the page's lifetime.
 * Recommendations then follow the visitor within the visit and forget them at its end, which is what private
 * modes promise anyway.
 */
export function createMemoryStore(retention: Retention): HistoryStore {
  let events: StoredEvent[] = [];
  let nextSeq = 1;
  const settings = new Map<string, unknown>();
  const caches = new Map<string, unknown>();
  const store: HistoryStore = {
    persistent: false,
    append: async (event, written = {}) => {
      const record = { ...event, seq: nextSeq++ };
      events.push(record);
      for (const [key, value] of Object.entries(written)) settings.set(key, value);
      return { ...record };
    },
    events: async () => events.map((e) => ({ ...e })),
    eventsAfter: async (seq) => events.filter((e) => (e.seq ?? 0) > seq).map((e) => ({ ...e })),
    prune: async (now) => {
      const before = events.length;
      const cutoff = now - retention.maxAgeDays * DAY_MS;
      events = events.filter((e) => e.ts >= cutoff);
      if (events.length > retention.maxEvents) events = events.slice(events.length - retention.maxEvents);
      return before - events.length;
    },
    getSetting: async <T>(key: string) => settings.get(key) as T | undefined,
    putSetting: async (key, value) => void settings.set(key, value),
    getCached: async <T>(key: string) => caches.get(key) as T | undefined,
    putCached: async (key, value, options = {}) => {
      const { replacesPrefix } = options;
      if (replacesPrefix !== undefined) for (const other of [...caches.keys()]) if (other.startsWith(replacesPrefix)) caches.delete(other);
      caches.set(key, value);
    },
    catalogCache: {
      get: (key) => store.getCached(key),
      put: (key, value) => store.putCached(key, value),
      delete: async (keys) => keys.forEach((k) => caches.delete(k)),
    },
    exportHistory: async () => ({ formatVersion: 1, exportedAt: Date.now(), events: await store.events() }),
    forget: async () => {
      events = [];
      settings.clear();
      caches.clear();
    },
    close: () => {},
  };
  return store;
}
