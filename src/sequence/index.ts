export { writeInput, collapseRepeats, relativeProbabilities, sequenceHistory } from './input';
export { createSequenceModel, SEQUENCE_INPUT, SEQUENCE_OUTPUT, type SequenceModel, type SequenceModelSource } from './sequence-model';
