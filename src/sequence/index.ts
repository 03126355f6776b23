export { writeInput, writeEmbedded, collapseRepeats, relativeProbabilities, sequenceHistory } from './input';
export { createSequenceModel, SEQUENCE_INPUT, SEQUENCE_MASK, SEQUENCE_OUTPUT, type SequenceModel, type SequenceModelSource } from './sequence-model';
