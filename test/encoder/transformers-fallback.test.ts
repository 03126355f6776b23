import { afterEach, describe, expect, it } from 'vitest';
import { createTransformersEncoder, HUB_HOST, type Device, type TransformersLibrary, type TransformersModel } from '../../src/encoder';

/**
 * The transformers encoder's device logic and transformers.js set-up, against a scripted library. (The real
 * library runs in Chromium in e2e/transformers-encoder.spec.ts.)
 */
function scriptedLibrary(script: { failLoad?: Record<string, string>; failRunAfter?: Record<string, number> } = {}) {
  const calls: Array<{ model: string; dtype: string; device: string }> = [];
  const log: string[] = [];
  const env = {
    allowRemoteModels: false,
    allowLocalModels: true,
    remoteHost: 'https://cdn.example/',
    remotePathTemplate: '{model}/',
    useBrowserCache: false,
    useWasmCache: false,
    backends: { onnx: { wasm: { wasmPaths: 'https://cdn.jsdelivr.net/npm/onnxruntime-web/dist/' as unknown, numThreads: 4 } } },
  };
  const lib = {
    env,
    async pipeline(_task: string, model: string, options: { dtype: string; device: string; progress_callback: (i: object) => void }) {
      calls.push({ model, dtype: options.dtype, device: options.device });
      options.progress_callback({ status: 'progress', file: 'config.json', loaded: 10, total: 10 });
      options.progress_callback({ status: 'progress', file: 'onnx/model.onnx', loaded: 50, total: 100 });
      options.progress_callback({ status: 'progress', file: 'onnx/model.onnx', loaded: 100, total: 100 });
      const reason = script.failLoad?.[options.device];
      if (reason) throw new Error(reason);
      let runs = 0;
      const extractor = async (texts: string[]) => {
        runs++;
        log.push(`${options.device} run ${runs}`);
        if (runs > (script.failRunAfter?.[options.device] ?? Infinity)) throw new Error('GPU device was lost');
        // Row i is the unit vector e_(i mod 3) in 3 dims, so results can be traced back to their text.
        const data = new Float32Array(texts.length * 3);
        texts.forEach((_, i) => (data[i * 3 + (i % 3)] = options.device === 'webgpu' ? 1 : -1));
        return { dims: [texts.length, 3], data };
      };
      return Object.assign(extractor, { dispose: async () => void log.push(`${options.device} disposed`) });
    },
  };
  return { lib: lib as unknown as TransformersLibrary, env, calls, log };
}

const SELF_HOSTED: TransformersModel = { type: 'transformers', model: '/models/mini/', folderUrl: 'https://shop.example/models/mini/', dtype: 'q8', languages: 'any' };
const HUB: TransformersModel = { type: 'transformers', model: 'Xenova/all-MiniLM-L6-v2', folderUrl: null, dtype: 'fp32', languages: 'any' };
const wasmPaths = { wasm: 'https://shop.example/pr/transformers-ort/x.wasm', mjs: 'https://shop.example/pr/transformers-ort/x.mjs' };
const setGpu = (gpu: unknown) => Object.defineProperty(globalThis, 'navigator', { value: gpu === undefined ? {} : { gpu }, configurable: true });

afterEach(() => setGpu(undefined));

describe('transformers encoder', () => {
  it('loads a self-hosted folder from that folder only, with the site\'s own WASM files', async () => {
    setGpu({ requestAdapter: async () => null });
    const { lib, env, calls } = scriptedLibrary();
    const progress: Array<{ loaded: number; total: number }> = [];
    const encoder = await createTransformersEncoder(SELF_HOSTED, { transformers: lib, wasmPaths, onProgress: (p) => progress.push(p) });
    expect(env).toMatchObject({ allowLocalModels: false, allowRemoteModels: true, remoteHost: 'https://shop.example/', remotePathTemplate: 'models/mini/' });
    expect(env.backends.onnx.wasm).toEqual({ wasmPaths, numThreads: 1 });
    expect(calls[0]).toEqual({ model: expect.stringMatching(/^self-hosted-[0-9a-f]{8}$/), dtype: 'q8', device: 'wasm' });
    expect(encoder).toMatchObject({ id: 'transformers:/models/mini/@q8', dim: 3, device: 'wasm' });
    expect(encoder.skipped).toEqual([{ device: 'webgpu', reason: 'no WebGPU adapter was found' }]);
    // Per-file byte counts add up; what was loaded never goes back.
    expect(progress).toEqual([
      { loaded: 10, total: 10 },
      { loaded: 60, total: 110 },
      { loaded: 110, total: 110 },
    ]);
  });

  it('loads a hub id from the hub', async () => {
    setGpu({ requestAdapter: async () => ({}) });
    const { lib, env, calls } = scriptedLibrary();
    const encoder = await createTransformersEncoder(HUB, { transformers: lib, wasmPaths, devices: ['webgpu', 'wasm'] });
    expect(env).toMatchObject({ remoteHost: HUB_HOST, remotePathTemplate: '{model}/resolve/{revision}/', allowLocalModels: false });
    expect(calls).toEqual([{ model: 'Xenova/all-MiniLM-L6-v2', dtype: 'fp32', device: 'webgpu' }]);
    expect(encoder).toMatchObject({ id: 'transformers:Xenova/all-MiniLM-L6-v2@fp32', device: 'webgpu', skipped: [] });
    const vectors = await encoder.embed(['a', 'b', 'c', 'd']);
    expect(vectors.map((v) => Array.from(v))).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    expect(await encoder.embed([])).toEqual([]);
  });

  it('answers the failing request on WASM when the GPU is lost mid-session, and says why', async () => {
    setGpu({ requestAdapter: async () => ({}) });
    const { lib, log } = scriptedLibrary({ failRunAfter: { webgpu: 1 } });
    const encoder = await createTransformersEncoder(HUB, { transformers: lib, wasmPaths });
    const [v] = await encoder.embed(['hello']);
    expect(Array.from(v!)).toEqual([-1, 0, 0]);
    expect(encoder.device).toBe('wasm');
    expect(encoder.skipped).toEqual([{ device: 'webgpu', reason: 'failed while running: GPU device was lost' }]);
    expect(log).toEqual(['webgpu run 1', 'webgpu run 2', 'webgpu disposed', 'wasm run 1', 'wasm run 2']);
  });

  it('throws encoder-unavailable when no device loads the model, and hands back every reason', async () => {
    setGpu({ requestAdapter: async () => ({}) });
    const { lib } = scriptedLibrary({ failLoad: { webgpu: 'Could not locate file: "https://shop.example/models/mini/onnx/model_quantized.onnx".', wasm: 'Unsupported model type: llama' } });
    const skipped: Array<{ device: Device; reason: string }> = [];
    await expect(createTransformersEncoder(SELF_HOSTED, { transformers: lib, wasmPaths, skipped })).rejects.toMatchObject({
      code: 'encoder-unavailable',
      message: expect.stringContaining('no device could run transformers:/models/mini/@q8 (webgpu: Could not locate file'),
    });
    expect(skipped).toEqual([
      { device: 'webgpu', reason: 'Could not locate file: "https://shop.example/models/mini/onnx/model_quantized.onnx".' },
      { device: 'wasm', reason: 'Unsupported model type: llama' },
    ]);
  });
});
