export {
  buildSignals,
  countPopularity,
  streamNeighbors,
  DEFAULT_SIGNALS_OPTIONS,
  type NeighborLists,
  type NeighborSink,
  type Sequence,
  type Signals,
  type SignalsOptions,
} from './build-signals';
