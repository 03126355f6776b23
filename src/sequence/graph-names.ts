/** The sequence model graph's input and output names; `pocketrec build` writes them and the runner reads them. */
export const SEQUENCE_INPUT = 'items';
export const SEQUENCE_OUTPUT = 'scores';
