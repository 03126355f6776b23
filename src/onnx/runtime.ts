import type * as Ort from 'onnxruntime-web';
import { requireWebGpuAdapter } from './device-probe';
import type { OnnxDevice, Skipped } from './device-session';

/** An onnxruntime-web build and the devices it will be asked to use, with why any device was left out. */
export interface Runtime {
  ort: typeof Ort;
  devices: OnnxDevice[];
  skipped: Skipped[];
}

const loaded = new Map<string, Promise<Runtime>>();

/** Bytes of the runtime's `.wasm` as it downloads; `total` is its Content-Length, fixed from the first event. */
export type RuntimeProgress = { phase: 'runtime-download'; loaded: number; total: number };

/** The WebGPU-capable runtime binary, which a site serves next to the worker when it wants WebGPU. */
export const JSEP_WASM_FILE = 'ort-wasm-simd-threaded.jsep.wasm';

/**
 * onnxruntime-web, imported on first use (the runtime is most of the worker's weight) and pointed at the site's own
 * copy of its `.wasm` files: nothing is fetched from a CDN. The build depends on the browser: only where WebGPU
 * hands out an adapter *and* the site serves the WebGPU-capable build (JSEP) is that build loaded; everywhere else
 * the plain WASM build, which runs a short query about 5× faster than JSEP's WASM path (3 against 17 ms in the
 * bench) and is half the download. The published package ships only the plain build (the JSEP one alone is 28 MB),
 * so WebGPU is the site's choice: serving `JSEP_WASM_FILE` and its `.mjs` next to the worker turns it on.
 * One runtime per worker: the text encoder and the sequence model share it.
 */
export function loadRuntime(devices: readonly OnnxDevice[], onProgress?: (p: RuntimeProgress) => void): Promise<Runtime> {
  const key = devices.join(',');
  let runtime = loaded.get(key);
  // The first caller's progress sink hears the download: there is only one.
  if (!runtime) loaded.set(key, (runtime = pickRuntime(devices, onProgress)));
  return runtime;
}

/**
 * The plain WASM build's two files, which the package ships next to the worker (all its chunks share one folder).
 * Literal `new URL('./…', import.meta.url)` so that a bundler that bundles the worker (webpack 5) emits them and
 * rewrites the URLs; `@vite-ignore` keeps this library's own build from resolving them against src/.
 */
function plainRuntimeFiles(): { wasm: string; mjs: string } {
  return {
    wasm: new URL(/* @vite-ignore */ './ort-wasm-simd-threaded.wasm', import.meta.url).href,
    mjs: new URL(/* @vite-ignore */ './ort-wasm-simd-threaded.mjs', import.meta.url).href,
  };
}

async function pickRuntime(devices: readonly OnnxDevice[], onProgress?: (p: RuntimeProgress) => void): Promise<Runtime> {
  const blocked = wasmBlockedReason();
  if (blocked) {
    // No device can run: callers fall back (lexical encoder, ranking without the sequence model) and report why.
    const ort = await import('onnxruntime-web/wasm');
    return { ort, devices: [], skipped: devices.map((device) => ({ device, reason: blocked })) };
  }
  const skipped: Skipped[] = [];
  let webgpu = devices.includes('webgpu');
  if (webgpu) {
    try {
      await requireWebGpuAdapter();
      await requireServed(new URL(JSEP_WASM_FILE, self.location.href).href);
    } catch (error) {
      webgpu = false;
      skipped.push({ device: 'webgpu', reason: (error as Error).message });
    }
  }
  const ort = webgpu ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  // The WebGPU build's files are the site's own, next to the worker script; the plain build's are the package's.
  const plain = plainRuntimeFiles();
  ort.env.wasm.wasmPaths = webgpu ? new URL('./', self.location.href).href : plain;
  // The binary is most of the download (14 MB plain, 28 MB JSEP): fetched here, so that its bytes reach
  // `onProgress`, and handed to the runtime, which then does not fetch it again.
  const binary = await fetchWithProgress(webgpu ? new URL(JSEP_WASM_FILE, self.location.href).href : plain.wasm, onProgress).catch((error: unknown) => {
    console.warn(`onnx: could not prefetch the runtime binary (${(error as Error).message}); the runtime fetches it itself.`);
    return null;
  });
  if (binary) ort.env.wasm.wasmBinary = binary;
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.logLevel = 'error';
  return { ort, devices: devices.filter((d) => webgpu || d !== 'webgpu'), skipped };
}

async function fetchWithProgress(url: string, onProgress?: (p: RuntimeProgress) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  const announced = Number(response.headers.get('Content-Length')) || 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ phase: 'runtime-download', loaded: 0, total: announced });
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks.push(r.value);
    loaded += r.value.byteLength;
    onProgress?.({ phase: 'runtime-download', loaded, total: Math.max(announced, loaded) });
  }
  const data = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) (data.set(c, offset), (offset += c.byteLength));
  return data;
}

/** Threads need SharedArrayBuffer, which exists only on cross-origin isolated pages. */
export function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}

/** A HEAD request, so that a site without the optional WebGPU runtime costs one small request, not a failed 28 MB one. */
async function requireServed(url: string): Promise<void> {
  let status: number;
  try {
    status = (await fetch(url, { method: 'HEAD' })).status;
  } catch (error) {
    throw new Error(`the WebGPU runtime ${url} could not be requested (${(error as Error).message}); the plain WASM runtime is used`);
  }
  if (status < 200 || status >= 300) {
    throw new Error(`the WebGPU runtime is not served (${url} answered HTTP ${status}); copy ort-wasm-simd-threaded.jsep.wasm and .mjs from onnxruntime-web/dist next to the worker to use WebGPU`);
  }
}

/** The smallest valid WebAssembly module: the magic number and version, no sections. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * A Content-Security-Policy without `'wasm-unsafe-eval'` (or `'unsafe-eval'`) in `script-src` forbids compiling
 * WebAssembly, and ONNX Runtime would then fail deep inside its loader with a message that never says why. Compiling
 * an empty module first turns that into a reason a site owner can act on.
 */
export function wasmBlockedReason(): string | null {
  try {
    new WebAssembly.Module(EMPTY_MODULE);
    return null;
  } catch (error) {
    return `the page's Content-Security-Policy forbids WebAssembly (${(error as Error).message}); add 'wasm-unsafe-eval' to script-src to run the neural encoder and the sequence model`;
  }
}
