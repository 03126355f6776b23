export { openStore, deleteStore, catalogFolderName } from './open-store';
export { createMemoryStore } from './memory-store';
export { SCHEMA_VERSION } from './schema';
export type { HistoryStore, PutCachedOptions, StoredEvent, Retention, HistoryExport } from './types';
