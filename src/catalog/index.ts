export type {
  Catalog,
  CatalogColumns,
  CatalogDelta,
  CatalogManifest,
  CatalogManifestV1,
  CatalogManifestV2,
  CatalogPart,
  CatalogSettings,
  CatalogSignals,
  CsrRows,
  DictionaryColumn,
  EmbeddingsRef,
  Item,
  ItemRecords,
  LexicalFit,
  LexicalIndex,
  LoadProgress,
  PartSection,
  ProjectionInfo,
  SequenceModelRef,
  SequenceTraining,
} from './types';
export { loadCatalog, reloadCatalog, type ReloadCatalogOptions, type ReloadedCatalog, type CacheWriteReport, type CatalogCache, type CatalogFiles, type LoadCatalogOptions, type LoadedCatalog, type CatalogSource } from './load';
export { parseItemsText, parseItemsBytes, validateItems, createItemValidator, validateManifest, validateSignals, decodeEmbeddings, checkNotEmpty, MAX_ITEM_DEPTH } from './validate';
export { columnsFromItems, createColumnsBuilder, type ColumnsBuilder, type FlatLists, type IndexedSignals } from './columns';
export { columnSections, encodeColumns, encodeSections, decodeColumns, layoutSections } from './binary';
export { recordsFromItems, encodeRecords, createNdjsonRecords } from './records';
export { itemText } from './item-text';
export { encodePartDelta, encodeDeltaPart, applyPartDelta, matchedUnits, type DeltaUnit, type PartDelta } from './part-delta';
export { CATALOG_RANK_SETTINGS, DELTA_PARTS } from './types';
