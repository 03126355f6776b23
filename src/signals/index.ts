export {
  buildSignals,
  countPopularity,
  countTrendingWindows,
  streamNeighbors,
  DEFAULT_SIGNALS_OPTIONS,
  type NeighborKind,
  type NeighborLists,
  type NeighborSink,
  type Sequence,
  type Signals,
  type SignalsOptions,
} from './build-signals';
