import type * as Ort from 'onnxruntime-web';
import { PocketRecError } from '../errors';
import { openDeviceSession, type DeviceSession, type Skipped } from '../onnx';
import { createSentencePieceTokenizer, type Vocabulary } from './sentencepiece';
import type { Device, TextEncoder } from './types';

export interface OnnxEncoderSource {
  /** Stable id of the model, stored with catalogue embeddings (e.g. `use-lite-int8@<sha256 prefix>`). */
  id: string;
  model: Uint8Array;
  vocabulary: Vocabulary;
}

export interface OnnxEncoderOptions {
  /** Devices to try, in order. @defaultValue ['webgpu', 'wasm'] */
  devices?: ReadonlyArray<Extract<Device, 'webgpu' | 'wasm'>>;
  /** The onnxruntime-web module; passed in so that importing this file loads no runtime. */
  ort: typeof Ort;
}

export interface OnnxEncoder extends TextEncoder {
  /** Devices tried before the one in use, with the reason each was skipped. */
  readonly skipped: readonly Skipped[];
}

const DIM = 512;
const BATCH = 32;
// Appended to every batch and dropped: the model sizes its output by the last row that has tokens, so a batch
// ending in empty texts would otherwise lose rows. It also gives empty texts the model's own "no tokens" vector.
const SENTINEL = '.';

/**
 * Universal Sentence Encoder Lite on ONNX Runtime Web. Devices are tried in order; a device counts only when a
 * session builds *and* a warm-up inference succeeds, because WebGPU can fail late (shader compilation, lost
 * device). Every reason is kept for `status()`.
 */
export async function createOnnxEncoder(source: OnnxEncoderSource, options: OnnxEncoderOptions): Promise<OnnxEncoder> {
  const { ort } = options;
  const tokenizer = createSentencePieceTokenizer(source.vocabulary);

  const run = async (session: Ort.InferenceSession, texts: readonly string[]): Promise<Float32Array[]> => {
    const rows = [...texts, SENTINEL].map((t) => tokenizer.encode(t));
    const count = rows.reduce((n, r) => n + r.length, 0);
    const indices = new BigInt64Array(count * 2);
    const values = new BigInt64Array(count);
    let k = 0;
    rows.forEach((ids, b) =>
      ids.forEach((id, p) => {
        indices[2 * k] = BigInt(b);
        indices[2 * k + 1] = BigInt(p);
        values[k++] = BigInt(id);
      }),
    );
    const feeds = { 'indices:0': new ort.Tensor('int64', indices, [count, 2]), 'values:0': new ort.Tensor('int64', values, [count]) };
    const result = await session.run(feeds);
    const out = Object.values(result)[0]!;
    const data = (await out.getData()) as Float32Array;
    out.dispose();
    return texts.map((_, i) => data.slice(i * DIM, (i + 1) * DIM));
  };

  let device: DeviceSession;
  try {
    device = await openDeviceSession({ ort, model: source.model, devices: options.devices ?? ['webgpu', 'wasm'], warmUp: (session) => run(session, ['warm up']) });
  } catch (error) {
    throw new PocketRecError('encoder-unavailable', `encoder: no device could run ${source.id} (${(error as Error).message}). The lexical encoder remains available.`, {
      details: { model: source.id },
    });
  }
  return {
    id: source.id,
    dim: DIM,
    // Universal Sentence Encoder Lite was trained on English text only.
    languages: ['en'],
    get device() {
      return device.device;
    },
    skipped: device.skipped,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH);
        out.push(...(await device.use((session) => run(session, batch))));
      }
      return out;
    },
    dispose: () => device.release(),
  };
}
