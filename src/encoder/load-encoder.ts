import { PocketRecError } from '../errors';
import { loadRuntime, wasmThreads, type RuntimeProgress } from '../onnx';
import { createLexicalEncoder, lexicalModelFromCounts, type LexicalCounts } from './lexical-encoder';
import { createOnnxEncoder } from './onnx-encoder';
import type { Vocabulary } from './sentencepiece';
import { createTransformersEncoder, type TransformersLibrary } from './transformers-encoder';
import type { Device, TextEncoder, TransformersModel } from './types';

/**
 * Which encoder to run: the bundled neural model, a transformers.js model, or the lexical encoder alone. The
 * first two fall back to the lexical encoder when no device can run them.
 */
export type EncoderChoice = 'auto' | 'lexical' | TransformersModel;

/**
 * The ONNX Runtime files that transformers.js' own runtime (its WebGPU build, which also runs WASM) loads, served
 * from `transformers-ort/` next to the worker. transformers.js pins its own onnxruntime-web, whose files differ
 * from the bundled encoder's; finish-build.mjs copies these and fails if that build asks for other names.
 */
export const TRANSFORMERS_WASM_FILES = Object.freeze({
  folder: 'transformers-ort/',
  wasm: 'ort-wasm-simd-threaded.asyncify.wasm',
  mjs: 'ort-wasm-simd-threaded.asyncify.mjs',
});

export interface EncoderConfig {
  choice: EncoderChoice;
  /**
   * Folder (URL) holding `manifest.json` and the files it names, as written by `npm run build:model`; null for the
   * model the package ships next to the worker.
   */
  modelBaseUrl: string | null;
  devices: ReadonlyArray<Extract<Device, 'webgpu' | 'wasm'>>;
}

/**
 * The bundled model's files by name, next to the worker (its chunks share one folder). Literal
 * `new URL('./…', import.meta.url)` so that a bundler that bundles the worker (webpack 5) emits them under its own
 * names and rewrites the URLs; `@vite-ignore` keeps this library's own build from resolving them against src/.
 * finish-build.mjs fails when the built worker no longer names every file it copies to models/.
 */
function bundledModelFiles(): Record<string, string> {
  return {
    'manifest.json': new URL(/* @vite-ignore */ './models/manifest.json', import.meta.url).href,
    'use-lite-int8.onnx': new URL(/* @vite-ignore */ './models/use-lite-int8.onnx', import.meta.url).href,
    'use-lite-vocab.json': new URL(/* @vite-ignore */ './models/use-lite-vocab.json', import.meta.url).href,
  };
}

/** Where one model file is: in the host's `modelBaseUrl`, else among the bundled files. */
function modelFileUrl(file: string, modelBaseUrl: string | null): string {
  if (modelBaseUrl !== null) return new URL(file, modelBaseUrl).href;
  const url = bundledModelFiles()[file];
  if (url === undefined) throw new Error(`the bundled models/manifest.json names ${file}, which the worker does not ship; reinstall pocketrec, or set modelBaseUrl`);
  return url;
}

export interface LoadedEncoder {
  encoder: TextEncoder;
  skipped: Array<{ device: Device; reason: string }>;
}

export type ModelProgress = { phase: 'model-download'; loaded: number; total: number };

interface ModelManifest {
  model: string;
  files: { int8: { file: string; bytes: number; sha256: string }; vocabulary: { file: string; bytes: number; sha256: string } };
}

/** Cache Storage of the bundled model's files; `forget()` deletes it with the database. */
export const MODEL_CACHE_NAME = 'pocketrec-models-v1';

/**
 * Resolves the encoder in order — neural model on WebGPU, on WASM, then the lexical encoder — and records why
 * each skipped step failed. The lexical encoder cannot fail, so the engine always starts.
 */
export async function loadEncoder(
  config: EncoderConfig,
  lexicalCounts: () => LexicalCounts | Promise<LexicalCounts>,
  onProgress: (p: ModelProgress | RuntimeProgress) => void,
): Promise<LoadedEncoder> {
  const skipped: LoadedEncoder['skipped'] = [];
  if (typeof config.choice === 'object') {
    try {
      return await loadTransformersEncoder(config.choice, config, skipped, onProgress);
    } catch (error) {
      // Devices that failed are in `skipped` already; anything else (the runtime chunk did not load) is added here.
      if (!(error instanceof PocketRecError && error.code === 'encoder-unavailable')) {
        skipped.push({ device: config.devices[0] ?? 'wasm', reason: `transformers.js: ${(error as Error).message ?? String(error)}` });
      }
    }
  } else if (config.choice === 'auto') {
    try {
      const manifest = (await (await fetchOrFail(modelFileUrl('manifest.json', config.modelBaseUrl))).json()) as ModelManifest;
      const { int8, vocabulary: vocabularyFile } = manifest.files;
      const [model, vocabularyBytes] = await Promise.all([
        fetchVerified(modelFileUrl(int8.file, config.modelBaseUrl), int8.sha256, int8.bytes, onProgress),
        fetchVerified(modelFileUrl(vocabularyFile.file, config.modelBaseUrl), vocabularyFile.sha256, vocabularyFile.bytes, () => {}),
      ]);
      const vocabulary = JSON.parse(new TextDecoder().decode(vocabularyBytes)) as Vocabulary;
      const runtime = await loadRuntime(config.devices, onProgress);
      skipped.push(...runtime.skipped);
      const encoder = await createOnnxEncoder({ id: manifest.model, model, vocabulary }, { ort: runtime.ort, devices: runtime.devices });
      return { encoder, skipped: [...skipped, ...encoder.skipped] };
    } catch (error) {
      const reasons = error instanceof PocketRecError && error.code === 'encoder-unavailable' ? error.message : `model: ${(error as Error).message ?? String(error)}`;
      skipped.push({ device: config.devices[config.devices.length - 1] ?? 'wasm', reason: reasons });
    }
  }
  // The counts may still be downloading (or be counted over the catalogue's texts): the engine loads both at once.
  return { encoder: createLexicalEncoder(lexicalModelFromCounts(await lexicalCounts())), skipped };
}

/** A transformers.js model; its runtime is a separate chunk, downloaded only when a host chooses this encoder. */
async function loadTransformersEncoder(
  model: TransformersModel,
  config: EncoderConfig,
  skipped: LoadedEncoder['skipped'],
  onProgress: (p: ModelProgress) => void,
): Promise<LoadedEncoder> {
  const transformers: TransformersLibrary = await import('@huggingface/transformers');
  const base = new URL(TRANSFORMERS_WASM_FILES.folder, self.location.href);
  const encoder = await createTransformersEncoder(model, {
    transformers,
    devices: config.devices,
    wasmPaths: { wasm: new URL(TRANSFORMERS_WASM_FILES.wasm, base).href, mjs: new URL(TRANSFORMERS_WASM_FILES.mjs, base).href },
    numThreads: wasmThreads(),
    onProgress: ({ loaded, total }) => onProgress({ phase: 'model-download', loaded, total }),
    skipped,
  });
  return { encoder, skipped };
}

async function fetchOrFail(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new PocketRecError('asset-failed', `encoder: the model file ${url} answered HTTP ${response.status}. Deploy the models/ folder next to the worker, or set modelBaseUrl.`, {
      details: { url, status: response.status },
    });
  }
  return response;
}

/**
 * A model file from Cache Storage when a verified copy is there, else from the network with progress; either way
 * its sha256 must match the manifest, so a truncated or stale file is never run.
 */
async function fetchVerified(url: string, sha256: string, bytes: number, onProgress: (p: ModelProgress) => void): Promise<Uint8Array> {
  const cache = await openCache();
  const key = `${url}#${sha256}`;
  const cached = await cache?.match(key).catch(() => undefined);
  if (cached) {
    const data = new Uint8Array(await cached.arrayBuffer());
    if ((await digest(data)) === sha256) {
      onProgress({ phase: 'model-download', loaded: bytes, total: bytes });
      return data;
    }
  }
  const response = await fetchOrFail(url);
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ phase: 'model-download', loaded: 0, total: bytes });
  if (reader) {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      loaded += r.value.byteLength;
      onProgress({ phase: 'model-download', loaded: Math.min(loaded, bytes), total: bytes });
    }
  } else chunks.push(new Uint8Array(await response.arrayBuffer()));
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) (data.set(c, offset), (offset += c.byteLength));
  const actual = await digest(data);
  if (actual !== sha256) throw new Error(`${url} has sha256 ${actual.slice(0, 12)}…, the manifest says ${sha256.slice(0, 12)}…; rebuild the model files together`);
  await cache?.put(key, new Response(data)).catch((error: unknown) => console.warn(`encoder: could not cache ${url}; the next visit downloads it again.`, error));
  return data;
}

async function openCache(): Promise<Cache | undefined> {
  try {
    return await globalThis.caches?.open(MODEL_CACHE_NAME);
  } catch {
    // Cache Storage is missing on insecure origins and in some private modes: a slower start, not a failure.
    return undefined;
  }
}

async function digest(data: Uint8Array): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', data as BufferSource);
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
}
