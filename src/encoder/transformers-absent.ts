import { PocketRecError } from '../errors';

/**
 * What `@huggingface/transformers` resolves to in the default worker bundle (see vite.config.ts): the library is an
 * optional peer dependency, so the worker a site serves by default neither carries nor needs it. Choosing
 * `encoder: { type: 'transformers' }` with that worker explains itself in `status()` instead of failing a download.
 */
const MESSAGE =
  'encoder: this worker bundle (pocketrec/worker) was built without transformers.js. Install @huggingface/transformers and set workerUrl to the pocketrec/worker-transformers bundle (see the README, "transformers.js models").';

export const env = { backends: { onnx: {} } };

export function pipeline(): never {
  throw new PocketRecError('encoder-unavailable', MESSAGE);
}
