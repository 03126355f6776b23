import { parentPort, workerData } from 'node:worker_threads';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './embed-pool';
import { loadNeuralRows } from './neural-rows';

/** One thread of the embedding pool (see embed-pool.ts): the neural encoder on one WASM thread, job after job. */
const port = parentPort!;
const { modelDir } = workerData as PoolWorkerData;
const post = (message: PoolResponse, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const rows = await loadNeuralRows(modelDir);
  // The pool sends a second job before the first is done, so the thread never waits for the main one; the jobs
  // still run one after the other, as one ONNX session wants.
  let queue = Promise.resolve();
  port.on('message', (request: PoolRequest) => {
    queue = queue.then(() =>
      rows.embed(request.texts).then(
        // Fresh arrays of loadNeuralRows: plain ArrayBuffers, handed over rather than copied.
        ({ scales, values }) => post({ type: 'rows', job: request.job, scales, values }, [scales.buffer as ArrayBuffer, values.buffer as ArrayBuffer]),
        (error: unknown) => post({ type: 'failed', job: request.job, message: (error as Error).message ?? String(error) }),
      ),
    );
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', job: -1, message: (error as Error).message ?? String(error) });
}
