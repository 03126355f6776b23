import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOnnxEncoder, type OnnxEncoder, type Vocabulary } from '../../encoder';
import type { ModelManifest } from './build-model';

/**
 * The browser's default encoder, in Node: the same int8 ONNX file and tokenizer on onnxruntime-web's WASM
 * backend, so catalogue vectors built here and query vectors made in the browser share one space.
 */
export async function loadNodeEncoder(modelDir: string): Promise<OnnxEncoder | null> {
  return (await loadNodeEncoderWithVocabulary(modelDir))?.encoder ?? null;
}

/** `loadNodeEncoder`, with the vocabulary it tokenizes with (the build batches texts by their token count). */
export async function loadNodeEncoderWithVocabulary(modelDir: string): Promise<{ encoder: OnnxEncoder; vocabulary: Vocabulary } | null> {
  if (!existsSync(join(modelDir, 'manifest.json'))) return null;
  const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const ort = await loadNodeOrt();
  const [model, text] = await Promise.all([readFile(join(modelDir, manifest.files.int8.file)), readFile(join(modelDir, manifest.files.vocabulary.file), 'utf8')]);
  const vocabulary = JSON.parse(text) as Vocabulary;
  return { encoder: await createOnnxEncoder({ id: manifest.model, model: new Uint8Array(model), vocabulary }, { ort, devices: ['wasm'] }), vocabulary };
}

/** onnxruntime-web's WASM backend in Node, one thread, quiet: what the CLI runs models on. */
export async function loadNodeOrt(): Promise<typeof import('onnxruntime-web')> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}
