import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * Where WebAssembly is missing (a locked-down embed, `--no-expose-wasm`), loading falls back to the JS kernel and
 * says why instead of throwing. The kernel module is imported afresh so that its memoised probe runs again.
 */
describe('loadVectorKernel without WebAssembly', () => {
  const wasm = globalThis.WebAssembly;
  afterEach(() => {
    globalThis.WebAssembly = wasm;
  });

  it('returns the JS kernel with the reason, and it still scores', async () => {
    vi.resetModules();
    const { loadVectorKernel } = await import('../../src/vector');
    Reflect.deleteProperty(globalThis, 'WebAssembly');
    const kernel = await loadVectorKernel();
    globalThis.WebAssembly = wasm;
    expect(kernel.kind).toBe('js');
    expect(kernel.fallbackReason).toMatch(/WebAssembly is not available/);
    const rows = kernel.allocate(3, 2);
    rows.values.set([1, 0, 0, 1, -1, 0]);
    rows.scales.fill(1);
    expect(Array.from(kernel.topK(rows, [{ vector: Float32Array.of(1, 0.5), weight: 1 }], 2).indices)).toEqual([0, 1]);
  });
});
