import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import { MODEL_CACHE_NAME } from '../encoder';
import { PocketRecError } from '../errors';
import { createMemoryStore } from './memory-store';
import { createOpfsFiles } from './opfs-files';
import { withQuotaRecovery } from './quota';
import { migrate, SCHEMA_VERSION, type PocketRecDB } from './schema';
import type { HistoryStore, Retention, StoredEvent } from './types';

const DAY_MS = 86_400_000;

/**
 * Opens (and migrates) the visitor's database. When IndexedDB cannot be opened at all (private modes, disabled
 * storage, opaque origins) the store falls back to memory, warns once and reports `persistent: false`: the
 * recommender works for the visit instead of refusing to start.
 */
export function openStore(name: string, retention: Retention): HistoryStore {
  const durable = openIndexedDbStore(name, retention);
  let active: HistoryStore = durable;
  const use = async <T>(fn: (s: HistoryStore) => Promise<T>): Promise<T> => {
    try {
      return await fn(active);
    } catch (error) {
      if (active !== durable || !(error instanceof PocketRecError && error.details.operation === 'unavailable')) throw error;
      console.warn(`store: ${error.message} Keeping this visit's history in memory only.`);
      durable.close();
      active = createMemoryStore(retention);
      return fn(active);
    }
  };
  const store: HistoryStore = {
    get persistent() {
      return active.persistent;
    },
    append: (event, settings) => use((s) => s.append(event, settings)),
    events: () => use((s) => s.events()),
    eventsAfter: (seq) => use((s) => s.eventsAfter(seq)),
    prune: (now) => use((s) => s.prune(now)),
    getSetting: <T>(key: string) => use((s) => s.getSetting<T>(key)),
    putSetting: (key, value) => use((s) => s.putSetting(key, value)),
    getCached: <T>(key: string) => use((s) => s.getCached<T>(key)),
    putCached: (key, value, options) => use((s) => s.putCached(key, value, options)),
    catalogCache: {
      get: (key) => use((s) => s.catalogCache.get(key)),
      put: (key, value) => use((s) => s.catalogCache.put(key, value)),
      delete: (keys) => use((s) => s.catalogCache.delete(keys)),
      // Files belong to the durable store: after a fall back to memory the cache entries naming them are gone too.
      files: durable.catalogCache.files ?? null,
    },
    exportHistory: () => use((s) => s.exportHistory()),
    forget: () => use((s) => s.forget()),
    close: () => active.close(),
  };
  return store;
}

/**
 * The IndexedDB store. The connection is opened lazily and dropped when another tab needs to upgrade the schema
 * or delete the database, so an old tab never blocks a new release or a `forget()`; the next call reopens.
 */
function openIndexedDbStore(name: string, retention: Retention): HistoryStore {
  let connection: Promise<IDBPDatabase<PocketRecDB>> | undefined;
  // The large catalogue parts, read 2–4× faster from files than from IndexedDB; named after the database.
  const files = createOpfsFiles(catalogFolderName(name));
  let closed = false;
  let hasOpened = false;

  const db = (): Promise<IDBPDatabase<PocketRecDB>> => {
    if (closed) return Promise.reject(new PocketRecError('disposed', `store: database "${name}" was closed. Create a new recommender.`));
    // Through `then`: where IndexedDB is missing or forbidden, `indexedDB.open` throws synchronously.
    connection ??= Promise.resolve()
      .then(() =>
        openDB<PocketRecDB>(name, SCHEMA_VERSION, {
          upgrade: (database, oldVersion, _newVersion, tx) => migrate(database, oldVersion, tx),
          blocking: (_current, _blocked, event) => {
            // Another tab opened a newer schema or deletes the database: step aside, and reopen on the next call.
            (event.target as IDBDatabase).close();
            connection = undefined;
          },
          terminated: () => {
            connection = undefined;
          },
        }),
      )
      .then((d) => ((hasOpened = true), d))
      .catch((cause: unknown) => {
        connection = undefined;
        // Only a store that never opened falls back to memory: a later failure, or a newer schema left by another
        // tab (VersionError), must not silently split the history between disk and memory.
        const unavailable = !hasOpened && (cause as { name?: unknown } | null)?.name !== 'VersionError';
        throw wrap(cause, `open database "${name}"`, unavailable ? 'unavailable' : 'open');
      });
    return connection;
  };

  const run = async <T>(what: string, fn: (d: IDBPDatabase<PocketRecDB>) => Promise<T>): Promise<T> => {
    const d = await db();
    try {
      return await fn(d);
    } catch (cause) {
      throw wrap(cause, what, 'write');
    }
  };

  const clearCaches = () => run('free the caches', async (d) => void (await d.clear('caches')));
  const dropOldest = (fraction: number) =>
    run('free the oldest events', async (d) => {
      const tx = d.transaction('events', 'readwrite');
      let left = Math.max(1, Math.ceil((await tx.store.count()) * fraction));
      for (let c = await tx.store.openCursor(); c && left > 0; c = await c.continue(), left--) await c.delete();
      await tx.done;
    });
  // A full quota first costs what can be rebuilt (catalogue and vector caches), then what retention would drop
  // anyway, then the oldest quarter of the history; a new event is worth more than an old one.
  const historyWrite = <T>(what: string, write: () => Promise<T>) =>
    withQuotaRecovery(write, [clearCaches, () => store.prune(Date.now()), () => dropOldest(0.25)], what);

  const store: HistoryStore = {
    persistent: true,
    append: (event, settings = {}) =>
      historyWrite('append an event', () =>
        run('append an event', async (d) => {
          const record = { ...event };
          delete record.seq;
          const tx = d.transaction(['events', 'settings'], 'readwrite');
          const added = tx.objectStore('events').add(record as StoredEvent);
          let written: Array<Promise<unknown>>;
          try {
            written = Object.entries(settings).map(([key, value]) => tx.objectStore('settings').put(value, key));
          } catch (cause) {
            // A value IndexedDB cannot clone throws here, not in the request: the event must not commit alone.
            tx.abort();
            await Promise.allSettled([added, tx.done]);
            throw cause;
          }
          const [seq] = await Promise.all([added, ...written, tx.done]);
          return { ...record, seq };
        }),
      ),
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
    putSetting: (key, value) => historyWrite('write a setting', () => run('write a setting', async (d) => void (await d.put('settings', value, key)))),
    getCached: <T>(key: string) => run('read the cache', async (d) => (await d.get('caches', key))?.value as T | undefined),
    // A cache write never costs history: on a full quota it only frees other caches, then gives up (callers warn).
    putCached: (key, value, options = {}) =>
      withQuotaRecovery(
        () =>
          run('write the cache', async (d) => {
            const tx = d.transaction('caches', 'readwrite');
            const { replacesPrefix } = options;
            if (replacesPrefix !== undefined) {
              for (let c = await tx.store.openCursor(IDBKeyRange.bound(replacesPrefix, `${replacesPrefix}\uffff`)); c; c = await c.continue()) {
                if (c.key !== key) await c.delete();
              }
            }
            await tx.store.put({ key, savedAt: Date.now(), value });
            await tx.done;
          }),
        [clearCaches],
        'write the cache',
      ),
    // The loader names its own keys (a meta entry per URL, binary pieces per version); each piece is one value.
    catalogCache: {
      get: (key) => store.getCached(key),
      put: (key, value) => store.putCached(key, value),
      delete: (keys) =>
        run('evict old catalogue pieces', async (d) => {
          const tx = d.transaction('caches', 'readwrite');
          await Promise.all([...keys.map((k) => tx.store.delete(k)), tx.done]);
        }),
      files,
    },
    exportHistory: async () => ({ formatVersion: 1, exportedAt: Date.now(), events: await store.events() }),
    forget: async () => {
      // The database itself goes, not just its rows: nothing named after the site is left behind. Other tabs'
      // connections close on the version change (see `blocking`), and every store reopens an empty one on demand.
      const open = connection;
      connection = undefined;
      await open?.then((d) => d.close(), () => {});
      try {
        await deleteDB(name);
      } catch (cause) {
        throw wrap(cause, `delete database "${name}"`, 'write');
      }
      await files?.clear().catch((error: unknown) => console.warn(`store: could not delete the catalogue files of "${name}".`, error));
      await globalThis.caches?.delete(MODEL_CACHE_NAME).catch((error: unknown) => console.warn(`store: could not delete the model cache "${MODEL_CACHE_NAME}".`, error));
    },
    close: () => {
      closed = true;
      void connection?.then((d) => d.close(), () => {});
      connection = undefined;
    },
  };
  return store;
}

/** The origin-private folder holding a database's catalogue files. */
export const catalogFolderName = (dbName: string): string => `pocketrec-${dbName}`;

/** Deletes the database outright (tests, and hosts that want no trace at all). */
export async function deleteStore(name: string): Promise<void> {
  await deleteDB(name);
  await createOpfsFiles(catalogFolderName(name))?.clear();
}

function wrap(cause: unknown, what: string, operation: 'unavailable' | 'open' | 'write'): PocketRecError {
  if (cause instanceof PocketRecError) return cause;
  const name = (cause as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new PocketRecError('store-quota', `store: the browser's storage quota is full (could not ${what}). Lower retention.maxEvents or free site storage; stored history is unchanged.`, {
      details: { operation },
      cause,
    });
  }
  return new PocketRecError('store-unavailable', `store: IndexedDB failed to ${what} (${name ?? 'error'}: ${(cause as Error)?.message ?? String(cause)}). Private browsing or disabled storage can cause this.`, {
    details: { operation },
    cause,
  });
}
