export type {
  Catalog,
  CatalogColumns,
  CatalogManifest,
  CatalogManifestV1,
  CatalogManifestV2,
  CatalogPart,
  CatalogSignals,
  CsrRows,
  DictionaryColumn,
  EmbeddingsRef,
  Item,
  ItemRecords,
  LexicalIndex,
  LoadProgress,
  PartSection,
  ProjectionInfo,
  SequenceModelRef,
  SequenceTraining,
} from './types';
export { loadCatalog, reloadCatalog, type ReloadCatalogOptions, type ReloadedCatalog, type CacheWriteReport, type CatalogCache, type LoadCatalogOptions, type LoadedCatalog, type CatalogSource } from './load';
export { parseItemsText, parseItemsBytes, validateItems, createItemValidator, validateManifest, validateSignals, decodeEmbeddings, checkNotEmpty, MAX_ITEM_DEPTH } from './validate';
export { columnsFromItems, createColumnsBuilder, type ColumnsBuilder, type IndexedSignals } from './columns';
export { encodeColumns, encodeSections, decodeColumns } from './binary';
export { recordsFromItems, encodeRecords, createNdjsonRecords } from './records';
export { itemText } from './item-text';
