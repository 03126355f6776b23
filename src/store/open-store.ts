import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import type { CachedCatalog, CatalogCache } from '../catalog';
import { PocketRecError } from '../errors';
import { migrate, SCHEMA_VERSION, type PocketRecDB } from './schema';
import type { HistoryExport, Retention, StoredEvent } from './types';

export interface HistoryStore {
  append(event: StoredEvent): Promise<StoredEvent>;
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
  putCached(key: string, value: unknown): Promise<void>;
  exportHistory(): Promise<HistoryExport>;
  /** Deletes the whole history, settings and caches of this database. */
  forget(): Promise<void>;
  close(): void;
}

const DAY_MS = 86_400_000;

/**
 * Opens (and migrates) the visitor's database. The connection is opened lazily and dropped when another tab
 * needs to upgrade the schema, so an old tab never blocks a new release; the next call simply reopens.
 */
export function openStore(name: string, retention: Retention): HistoryStore {
  let connection: Promise<IDBPDatabase<PocketRecDB>> | undefined;
  let closed = false;

  const db = (): Promise<IDBPDatabase<PocketRecDB>> => {
    if (closed) return Promise.reject(new PocketRecError('disposed', `store: database "${name}" was closed. Create a new recommender.`));
    connection ??= openDB<PocketRecDB>(name, SCHEMA_VERSION, {
      upgrade: (database, oldVersion, _newVersion, tx) => migrate(database, oldVersion, tx),
      blocking: (_current, _blocked, event) => {
        // Another tab opened a newer schema: step aside, and reopen on the next call.
        (event.target as IDBDatabase).close();
        connection = undefined;
      },
      terminated: () => {
        connection = undefined;
      },
    }).catch((cause: unknown) => {
      connection = undefined;
      throw wrap(cause, `open database "${name}"`);
    });
    return connection;
  };

  const run = async <T>(what: string, fn: (d: IDBPDatabase<PocketRecDB>) => Promise<T>): Promise<T> => {
    const d = await db();
    try {
      return await fn(d);
    } catch (cause) {
      throw wrap(cause, what);
    }
  };

  const store: HistoryStore = {
    append: (event) =>
      run('append an event', async (d) => {
        const record = { ...event };
        delete record.seq;
        const seq = await d.add('events', record as StoredEvent);
        return { ...record, seq };
      }),
    events: () => run('read the history', (d) => d.getAll('events')),
    eventsAfter: (seq) => run('read new events', (d) => d.getAll('events', IDBKeyRange.lowerBound(seq, true))),
    prune: (now) =>
      run('apply retention', async (d) => {
        const tx = d.transaction('events', 'readwrite');
        let removed = 0;
        const cutoff = now - retention.maxAgeDays * DAY_MS;
        for (let c = await tx.store.index('by-ts').openCursor(IDBKeyRange.upperBound(cutoff, true)); c; c = await c.continue()) {
          await c.delete();
          removed++;
        }
        const excess = (await tx.store.count()) - retention.maxEvents;
        if (excess > 0) {
          let left = excess;
          for (let c = await tx.store.openCursor(); c && left > 0; c = await c.continue(), left--) {
            await c.delete();
            removed++;
          }
        }
        await tx.done;
        return removed;
      }),
    getSetting: <T>(key: string) => run('read a setting', async (d) => (await d.get('settings', key)) as T | undefined),
    putSetting: (key, value) => run('write a setting', async (d) => void (await d.put('settings', value, key))),
    getCached: <T>(key: string) => run('read the cache', async (d) => (await d.get('caches', key))?.value as T | undefined),
    putCached: (key, value) => run('write the cache', async (d) => void (await d.put('caches', { key, savedAt: Date.now(), value }))),
    catalogCache: {
      get: (key) => store.getCached<CachedCatalog>(`catalog:${key}`),
      put: (key, value) => store.putCached(`catalog:${key}`, value),
    },
    exportHistory: async () => ({ formatVersion: 1, exportedAt: Date.now(), events: await store.events() }),
    forget: () =>
      run('forget the history', async (d) => {
        const tx = d.transaction(['events', 'settings', 'caches'], 'readwrite');
        await Promise.all([tx.objectStore('events').clear(), tx.objectStore('settings').clear(), tx.objectStore('caches').clear(), tx.done]);
      }),
    close: () => {
      closed = true;
      void connection?.then((d) => d.close(), () => {});
      connection = undefined;
    },
  };
  return store;
}

/** Deletes the database outright (tests, and hosts that want no trace at all). */
export async function deleteStore(name: string): Promise<void> {
  await deleteDB(name);
}

function wrap(cause: unknown, what: string): PocketRecError {
  if (cause instanceof PocketRecError) return cause;
  const name = (cause as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new PocketRecError('store-quota', `store: the browser's storage quota is full (could not ${what}). Lower retention.maxEvents or free site storage; stored history is unchanged.`, { cause });
  }
  return new PocketRecError('store-unavailable', `store: IndexedDB failed to ${what} (${name ?? 'error'}: ${(cause as Error)?.message ?? String(cause)}). Private browsing or disabled storage can cause this.`, { cause });
}
