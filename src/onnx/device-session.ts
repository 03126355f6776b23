import type * as Ort from 'onnxruntime-web';
import { requireWebGpuAdapter } from './device-probe';

/** Where an ONNX model can run in the browser, in order of preference. */
export type OnnxDevice = 'webgpu' | 'wasm';

export interface Skipped {
  device: OnnxDevice;
  reason: string;
}

/** An inference session that stays answerable when its device fails: see `openDeviceSession`. */
export interface DeviceSession {
  readonly device: OnnxDevice;
  /** Devices given up on so far, with the reason for each. */
  readonly skipped: readonly Skipped[];
  /**
   * Runs `work` on the session. When it fails on WebGPU (a lost device, a shader that does not compile), the model
   * moves to the next device and `work` runs again there, so the caller's request is still answered.
   */
  use<T>(work: (session: Ort.InferenceSession) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

export interface DeviceSessionOptions {
  /** The onnxruntime-web module; passed in so that importing this file loads no runtime. */
  ort: typeof Ort;
  model: Uint8Array;
  devices: readonly OnnxDevice[];
  /** A first inference: a device counts only once a session built on it has also run, since WebGPU can fail late. */
  warmUp: (session: Ort.InferenceSession) => Promise<unknown>;
}

/**
 * Opens `model` on the first device of `devices` that builds a session and survives a warm-up run; each device
 * skipped on the way keeps its reason for `status()`. Rejects with every reason when none does.
 */
export async function openDeviceSession({ ort, model, devices, warmUp }: DeviceSessionOptions): Promise<DeviceSession> {
  const skipped: Skipped[] = [];
  const remaining = [...devices];

  const open = async (device: OnnxDevice): Promise<Ort.InferenceSession> => {
    let session: Ort.InferenceSession | undefined;
    try {
      if (device === 'webgpu') await requireWebGpuAdapter();
      session = await ort.InferenceSession.create(model, {
        executionProviders: [device],
        graphOptimizationLevel: 'all',
        // int8 weights exist to make the download small. Where a model dequantizes them (embedding tables),
        // treating DequantizeLinear as a plain operator lets constant folding turn them back into float weights
        // once, at load, instead of on every run (10× faster). The sentence encoder's MatMul weights stay int8
        // and feed integer MatMuls instead (see src/cli/model/tfjs-to-onnx.ts).
        extra: { session: { disable_quant_qdq: '1' } },
      });
      await warmUp(session);
      return session;
    } catch (error) {
      await session?.release().catch(() => {});
      throw error;
    }
  };

  const next = async (): Promise<{ device: OnnxDevice; session: Ort.InferenceSession }> => {
    while (remaining.length > 0) {
      const device = remaining.shift()!;
      try {
        return { device, session: await open(device) };
      } catch (error) {
        skipped.push({ device, reason: messageOf(error) });
      }
    }
    throw new Error(skipped.map((s) => `${s.device}: ${s.reason}`).join('; ') || 'no device was allowed');
  };

  let current = await next();
  return {
    get device() {
      return current.device;
    },
    skipped,
    async use(work) {
      try {
        return await work(current.session);
      } catch (error) {
        if (current.device !== 'webgpu' || remaining.length === 0) throw error;
        skipped.push({ device: current.device, reason: `failed while running: ${messageOf(error)}` });
        await current.session.release().catch(() => {});
        current = await next();
        return work(current.session);
      }
    },
    release: () => current.session.release(),
  };
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
