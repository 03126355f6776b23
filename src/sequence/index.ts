export { writeInput, collapseRepeats, relativeProbabilities, sequenceHistory } from './input';
export { SEQUENCE_INPUT, SEQUENCE_OUTPUT } from './graph-names';
