export { buildCatalog, type BuildOptions, type BuildReport } from './build-catalog';
export { InputError, readRecords, parseCsvLine } from './read-records';
export { aggregateScript, aggregateStatements, type AggregateParams } from './sql/aggregates';
export { signalsFromSequences } from './sql/duckdb-engine';
