import type * as Ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { createOnnxEncoder } from '../../src/encoder';

/**
 * The device-fallback logic against a scripted runtime: a WebGPU session that dies after its warm-up, the way a
 * lost GPU does. (The real devices run in the end-to-end tests; a real GPU cannot be made to fail on cue.)
 */
function scriptedRuntime(log: string[]): typeof Ort {
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: unknown,
      readonly dims: number[],
    ) {}
  }
  const session = (device: string) => {
    let runs = 0;
    return {
      run: async (feeds: Record<string, { dims: number[] }>) => {
        runs++;
        log.push(`${device} run ${runs}`);
        if (device === 'webgpu' && runs > 1) throw new Error('GPU device was lost');
        // One row per text: the sentinel row is the last batch index + 1; return that many rows of 512.
        const indices = (feeds['indices:0'] as unknown as { data: BigInt64Array }).data;
        const rows = Number(indices[indices.length - 2] ?? 0n) + 1;
        const data = new Float32Array(rows * 512).fill(device === 'webgpu' ? 1 : 2);
        return { out: { getData: async () => data, dispose: () => {} } };
      },
      release: async () => void log.push(`${device} released`),
    };
  };
  return {
    Tensor,
    InferenceSession: { create: async (_m: Uint8Array, o: { executionProviders: string[] }) => session(o.executionProviders[0]!) },
  } as unknown as typeof Ort;
}

describe('ONNX encoder device fallback', () => {
  const vocabulary: Array<[string, number]> = [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['a', 0], ['b', 0], ['c', 0], ['▁hello', -1], ['.', -1], ['▁', -2]];
  const gpu = { requestAdapter: async () => ({}) };

  it('answers the failing request on WASM when the GPU is lost mid-session, and says why', async () => {
    const log: string[] = [];
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    const encoder = await createOnnxEncoder({ id: 'm', model: new Uint8Array(), vocabulary }, { ort: scriptedRuntime(log), devices: ['webgpu', 'wasm'] });
    expect(encoder.device).toBe('webgpu');
    const [v] = await encoder.embed(['hello']);
    expect(v![0]).toBe(2);
    expect(encoder.device).toBe('wasm');
    expect(encoder.skipped).toEqual([{ device: 'webgpu', reason: 'failed while running: GPU device was lost' }]);
    expect(log).toEqual(['webgpu run 1', 'webgpu run 2', 'webgpu released', 'wasm run 1', 'wasm run 2']);
  });

  it('skips WebGPU with a reason when no adapter exists', async () => {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true });
    const encoder = await createOnnxEncoder({ id: 'm', model: new Uint8Array(), vocabulary }, { ort: scriptedRuntime([]), devices: ['webgpu', 'wasm'] });
    expect(encoder.device).toBe('wasm');
    expect(encoder.skipped).toEqual([{ device: 'webgpu', reason: 'no WebGPU adapter was found' }]);
  });

  it('throws encoder-unavailable listing every reason when no device works', async () => {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    await expect(createOnnxEncoder({ id: 'm', model: new Uint8Array(), vocabulary }, { ort: scriptedRuntime([]), devices: ['webgpu'] })).rejects.toMatchObject({
      code: 'encoder-unavailable',
      message: expect.stringContaining('webgpu: navigator.gpu is not available'),
    });
  });
});
