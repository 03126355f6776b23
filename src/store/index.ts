export { openStore, deleteStore, type HistoryStore } from './open-store';
export { SCHEMA_VERSION } from './schema';
export type { StoredEvent, Retention, HistoryExport } from './types';
