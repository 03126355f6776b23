export { buildCatalog, DEFAULT_EMBED_CACHE, type BuildOptions, type BuildReport } from './build-catalog';
export { AUTO_VECTORS, chooseVectors, parseVectorsChoice, shrinkVectors, type VectorsChoice, type VectorsPlan } from './vectors';
export { InputError, readRecords, parseCsvLine } from './read-records';
export { aggregateScript, aggregateStatements, type AggregateParams } from './sql/aggregates';
export { memoryBytes, signalsFromSequences } from './sql/duckdb-engine';
