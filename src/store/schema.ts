import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { StoredEvent } from './types';

export const SCHEMA_VERSION = 2;

export interface PocketRecDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { 'by-ts': number } };
  settings: { key: string; value: unknown };
  caches: { key: string; value: { key: string; savedAt: number; value: unknown } };
}

type UpgradeTx = IDBPTransaction<PocketRecDB, StoreNames<PocketRecDB>[], 'versionchange'>;

/**
 * One step per schema version, applied in order from the version on disk. A step only adds or rewrites;
 * it never drops the visitor's history.
 */
const MIGRATIONS: ReadonlyArray<(db: IDBPDatabase<PocketRecDB>, tx: UpgradeTx) => Promise<void> | void> = [
  // v1: the first release kept events and settings only.
  (db) => {
    db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    db.createObjectStore('settings');
  },
  // v2: a time index for retention, a cache store for catalogues and vectors, and a session id on every event.
  async (db, tx) => {
    db.createObjectStore('caches', { keyPath: 'key' });
    const events = tx.objectStore('events');
    events.createIndex('by-ts', 'ts');
    for (let cursor = await events.openCursor(); cursor; cursor = await cursor.continue()) {
      if (!cursor.value.sessionId) await cursor.update({ ...cursor.value, sessionId: 'migrated-v1' });
    }
  },
];

export async function migrate(db: IDBPDatabase<PocketRecDB>, oldVersion: number, tx: UpgradeTx): Promise<void> {
  for (let v = oldVersion; v < SCHEMA_VERSION; v++) await MIGRATIONS[v]!(db, tx);
}
