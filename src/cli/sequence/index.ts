export { trainSasrec, DEFAULT_TRAINING, type TrainData, type TrainOptions, type TrainResult } from './train';
export { DEFAULT_SASREC, type SasrecConfig, type Weights } from './sasrec';
export { chooseSequenceSettings, FULL_SOFTMAX_ITEMS, type AutoSequenceSettings, type SequenceLogShape } from './auto-settings';
