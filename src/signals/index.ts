export { buildSignals, DEFAULT_SIGNALS_OPTIONS, type Sequence, type Signals, type SignalsOptions, type NeighborLists } from './build-signals';
