import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createSentencePieceTokenizer, type Vocabulary } from '../../encoder';
import { quantizeRows } from '../../vector';
import { loadNodeEncoder, type ModelManifest } from '../model';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './embed-pool';

/**
 * One thread of the embedding pool (see embed-pool.ts): the neural encoder on one WASM thread, answering jobs of
 * texts with their int8 rows.
 */
const port = parentPort!;
const { modelDir } = workerData as PoolWorkerData;
const post = (message: PoolResponse, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const encoder = await loadNodeEncoder(modelDir);
  if (!encoder) throw new Error(`${join(modelDir, 'manifest.json')} is missing`);
  const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const tokenizer = createSentencePieceTokenizer(JSON.parse(await readFile(join(modelDir, manifest.files.vocabulary.file), 'utf8')) as Vocabulary);
  const dim = encoder.dim;

  /**
   * The model pads a batch to its longest text, and that padding moves the last bits of every vector in it. Texts
   * are therefore embedded only beside texts of their own token count: a vector then depends on its text alone
   * (not on the job, the thread or what the cache left to embed), and equals the one a browser makes for it alone.
   */
  const embed = async (texts: readonly string[]) => {
    const lengths = texts.map((t) => tokenizer.encode(t).length);
    const order = texts.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    const scales = new Float32Array(texts.length);
    const values = new Int8Array(texts.length * dim);
    for (let start = 0; start < order.length; ) {
      let end = start + 1;
      while (end < order.length && lengths[order[end]!] === lengths[order[start]!]) end++;
      const group = order.slice(start, end);
      const vectors = await encoder.embed(group.map((i) => texts[i]!));
      vectors.forEach((v, k) => {
        const q = quantizeRows(v, dim);
        scales[group[k]!] = q.scales[0]!;
        values.set(q.values, group[k]! * dim);
      });
      start = end;
    }
    return { scales, values };
  };

  // The pool sends a second job before the first is done, so the thread never waits for the main one; the jobs
  // still run one after the other, as one ONNX session wants.
  let queue = Promise.resolve();
  port.on('message', (request: PoolRequest) => {
    queue = queue.then(() =>
      embed(request.texts).then(
        ({ scales, values }) => post({ type: 'rows', job: request.job, scales, values }, [scales.buffer, values.buffer]),
        (error: unknown) => post({ type: 'failed', job: request.job, message: (error as Error).message ?? String(error) }),
      ),
    );
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', job: -1, message: (error as Error).message ?? String(error) });
}
