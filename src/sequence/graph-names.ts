/**
 * The sequence model graph's input and output names; `pocketrec build` writes them and the runner reads them. The
 * graph encodes a history given as its item rows (`embedded` [batch, maxLen, dim] with `mask` [batch, maxLen]) into
 * `hidden` [batch, dim]; scoring the catalogue against it is the int8 kernel's job, so the graph holds no item table.
 */
export const SEQUENCE_INPUT = 'embedded';
export const SEQUENCE_MASK = 'mask';
export const SEQUENCE_OUTPUT = 'hidden';
