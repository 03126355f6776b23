export type { Catalog, CatalogManifest, CatalogSignals, EmbeddingsRef, Item, LoadProgress, SequenceModelRef, SequenceTraining } from './types';
export { loadCatalog, type CatalogCache, type CachedCatalog, type LoadCatalogOptions, type LoadedCatalog, type CatalogSource } from './load';
export { parseItemsText, validateItems, createItemValidator, validateManifest, validateSignals, decodeEmbeddings, checkNotEmpty, MAX_ITEM_DEPTH } from './validate';
export { itemText } from './item-text';
