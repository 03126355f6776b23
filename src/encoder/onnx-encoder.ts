import type * as Ort from 'onnxruntime-web';
import { PocketRecError } from '../errors';
import { requireWebGpuAdapter } from './device-probe';
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
  readonly skipped: ReadonlyArray<{ device: Device; reason: string }>;
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
  const skipped: Array<{ device: Device; reason: string }> = [];

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

  const open = async (device: Extract<Device, 'webgpu' | 'wasm'>): Promise<Ort.InferenceSession> => {
    let session: Ort.InferenceSession | undefined;
    try {
      if (device === 'webgpu') await requireWebGpuAdapter();
      session = await ort.InferenceSession.create(source.model, {
        executionProviders: [device],
        graphOptimizationLevel: 'all',
        // The int8 weights exist to make the download small. Treating DequantizeLinear as a plain operator lets
        // constant folding turn them back into float weights once, at load, instead of on every run (10× faster).
        extra: { session: { disable_quant_qdq: '1' } },
      });
      await run(session, ['warm up']);
      return session;
    } catch (error) {
      await session?.release().catch(() => {});
      throw error;
    }
  };

  const devices = [...(options.devices ?? (['webgpu', 'wasm'] as const))];
  while (devices.length > 0) {
    const device = devices.shift()!;
    let session: Ort.InferenceSession;
    try {
      session = await open(device);
    } catch (error) {
      skipped.push({ device, reason: (error as Error).message ?? String(error) });
      continue;
    }
    const encoder: OnnxEncoder & { device: Device } = {
      id: source.id,
      dim: DIM,
      device,
      skipped,
      async embed(texts) {
        const out: Float32Array[] = [];
        for (let i = 0; i < texts.length; i += BATCH) {
          const batch = texts.slice(i, i + BATCH);
          try {
            out.push(...(await run(session, batch)));
          } catch (error) {
            // A GPU can be lost mid-session: move to the next device and answer this very request there.
            const next = devices.shift();
            if (encoder.device !== 'webgpu' || !next) throw error;
            skipped.push({ device: encoder.device, reason: `failed while running: ${(error as Error).message ?? String(error)}` });
            await session.release().catch(() => {});
            session = await open(next);
            encoder.device = next;
            out.push(...(await run(session, batch)));
          }
        }
        return out;
      },
      dispose: () => session.release(),
    };
    return encoder;
  }
  throw new PocketRecError('encoder-unavailable', `encoder: no device could run ${source.id} (${skipped.map((s) => `${s.device}: ${s.reason}`).join('; ')}). The lexical encoder remains available.`, {
    details: { model: source.id },
  });
}
