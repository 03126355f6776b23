/**
 * Throws, with a reason fit for `status().encoder.skipped`, unless this context can hand out a WebGPU adapter.
 * Asked before a runtime tries WebGPU: a missing adapter is the common case and its runtime error is less clear.
 */
export async function requireWebGpuAdapter(): Promise<void> {
  const gpu = (globalThis.navigator as (Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }) | undefined)?.gpu;
  if (!gpu) throw new Error('navigator.gpu is not available');
  if (!(await gpu.requestAdapter())) throw new Error('no WebGPU adapter was found');
}
