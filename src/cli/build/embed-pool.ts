import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PocketRecError } from '../../errors';
import type { Int8Rows } from '../../vector';
import { loadNodeOrt, type ModelManifest } from '../model';
import { loadNeuralRows } from './neural-rows';
import type { RowEncoder } from './write-embeddings';

/** What a pool thread is started with. */
export interface PoolWorkerData {
  modelDir: string;
}
/** Main → thread: one job of texts. */
export interface PoolRequest {
  job: number;
  texts: string[];
}
/** Thread → main: started (`ready`), a job's rows, or a failure (`job` -1: the encoder did not load). */
export type PoolResponse = { type: 'ready' } | { type: 'rows'; job: number; scales: Float32Array; values: Int8Array } | { type: 'failed'; job: number; message: string };

/** The threads' script, a separate entry of the CLI bundle (vite.cli.config.ts). */
const WORKER = new URL('./embed-worker.js', import.meta.url);
/** Bump when the rows of a text change for the same model (batching, quantisation): old cached rows then miss. */
const ROWS_VERSION = 'rows-1: equal-token-count batches, int8 per row';
/** Texts a job at most: enough for full batches of each token count. */
const MAX_JOB = 1024;
/** Texts a thread at least: starting one (loading the model, compiling the runtime) costs seconds and memory. */
const MIN_PER_THREAD = 32;
/** Jobs in flight per thread: the second one waits in the thread while the first runs. */
const PER_THREAD = 2;

/** `embedThreads` of the build, validated. @defaultValue every core (`os.availableParallelism()`) */
export function resolveEmbedThreads(value: number | undefined): number {
  if (value === undefined) return availableParallelism();
  if (!Number.isInteger(value) || value < 1) {
    throw new PocketRecError('invalid-option', `build: --embed-threads (embedThreads) must be a whole number of threads ≥ 1, not ${value}. Leave it out for one a core.`, { details: { option: 'embedThreads', value: String(value) } });
  }
  return value;
}

/**
 * The neural encoder of `modelDir` in `threads` worker threads (`embed-worker.js`, beside this module in the
 * CLI bundle). Texts go out in jobs and rows come back in job order, so the output does not depend on the number
 * of threads; threads start only when there is something to embed, one for every 32 texts at most.
 * Run from source (tests), where no thread script was built, the encoder runs on the main thread: the same rows.
 * Null when `modelDir` has no model.
 */
export async function createEmbedPool(modelDir: string, threads: number): Promise<RowEncoder | null> {
  if (!existsSync(join(modelDir, 'manifest.json'))) return null;
  const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  // The rows depend on the model's bytes, its vocabulary and the runtime's kernels, not only on the model's name.
  const fingerprint = createHash('sha256').update(`${ROWS_VERSION}\0${manifest.model}\0onnxruntime-web ${(await loadNodeOrt()).env.versions.web}\0`);
  for (const file of [manifest.files.int8.file, manifest.files.vocabulary.file]) fingerprint.update(await readFile(join(modelDir, file)));
  return {
    id: manifest.model,
    dim: manifest.dim,
    fingerprint: fingerprint.digest('hex'),
    embed: (texts, onRows) => (existsSync(fileURLToPath(WORKER)) ? runJobs(modelDir, threads, texts, manifest.dim, onRows) : runHere(modelDir, texts, onRows)),
  };
}

async function runHere(modelDir: string, texts: readonly string[], onRows: (start: number, rows: Int8Rows) => void): Promise<number> {
  if (!texts.length) return 0;
  const rows = await loadNeuralRows(modelDir);
  try {
    for (let start = 0; start < texts.length; start += MAX_JOB) onRows(start, await rows.embed(texts.slice(start, start + MAX_JOB)));
  } finally {
    await rows.dispose();
  }
  return 1;
}

function runJobs(modelDir: string, threads: number, texts: readonly string[], dim: number, onRows: (start: number, rows: Int8Rows) => void): Promise<number> {
  if (!texts.length) return Promise.resolve(0);
  const count = Math.min(threads, Math.ceil(texts.length / MIN_PER_THREAD));
  // Small enough to keep every thread busy to the end, big enough for full batches of one token count.
  const jobSize = Math.min(MAX_JOB, Math.max(8, Math.ceil(texts.length / (count * 4))));
  const jobs = Math.ceil(texts.length / jobSize);
  const workerData: PoolWorkerData = { modelDir };
  const workers = Array.from({ length: count }, () => ({ thread: new Worker(WORKER, { workerData }), ready: false, inFlight: 0 }));
  const finished = new Map<number, Int8Rows>();
  let sent = 0;
  let delivered = 0;
  let settled = false;
  return new Promise<number>((resolve, reject) => {
    const fail = (error: Error) => {
      if (!settled) ((settled = true), reject(error));
    };
    // Rows wait for the jobs before them at most a few jobs a thread deep, which bounds their memory.
    const dispatch = () => {
      for (const w of workers) {
        while (w.ready && w.inFlight < PER_THREAD && sent < jobs && sent < delivered + count * (PER_THREAD + 1)) {
          const request: PoolRequest = { job: sent, texts: texts.slice(sent * jobSize, (sent + 1) * jobSize) };
          w.thread.postMessage(request);
          w.inFlight++;
          sent++;
        }
      }
    };
    workers.forEach((w, k) => {
      w.thread.on('message', (message: PoolResponse) => {
        if (settled) return;
        if (message.type === 'ready') w.ready = true;
        else if (message.type === 'failed') {
          return fail(
            message.job < 0
              ? new PocketRecError('encoder-unavailable', `build: the encoder in ${modelDir} did not start in embedding thread ${k} (${message.message}). Reinstall the CLI, or pass --encoder lexical.`, { details: { modelDir } })
              : new PocketRecError('worker-crashed', `build: embedding thread ${k} failed on texts ${message.job * jobSize}–${Math.min(texts.length, (message.job + 1) * jobSize) - 1} (${message.message})`, { details: { job: message.job } }),
          );
        } else {
          w.inFlight--;
          finished.set(message.job, { dim, scales: message.scales, values: message.values });
          try {
            for (let rows = finished.get(delivered); rows; rows = finished.get(delivered)) {
              finished.delete(delivered);
              onRows(delivered * jobSize, rows);
              delivered++;
            }
          } catch (error) {
            return fail(error as Error);
          }
          if (delivered === jobs) return ((settled = true), resolve(count));
        }
        dispatch();
      });
      w.thread.on('error', (error) => fail(new PocketRecError('worker-crashed', `build: embedding thread ${k} crashed (${error.message})`, { cause: error })));
      w.thread.on('exit', (code) => fail(new PocketRecError('worker-crashed', `build: embedding thread ${k} exited (code ${code}) before the embeddings were done`, { details: { code } })));
    });
  }).finally(() => Promise.all(workers.map((w) => w.thread.terminate())));
}
