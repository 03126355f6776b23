export { writeInput, writeEmbedded, collapseRepeats, relativeProbabilities, sequenceHistory } from './input';
export { SEQUENCE_INPUT, SEQUENCE_MASK, SEQUENCE_OUTPUT } from './graph-names';
