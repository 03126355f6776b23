import { PocketRecError } from '../errors';
import { requireWebGpuAdapter } from '../onnx';
import type { Device, TextEncoder, TransformersDtype, TransformersModel } from './types';

/** Where hub ids are downloaded from: transformers.js' own default host. */
export const HUB_HOST = 'https://huggingface.co/';
const HUB_PATH_TEMPLATE = '{model}/resolve/{revision}/';

/** The outputs of a feature-extraction pipeline that this encoder reads. */
interface FeatureTensor {
  dims: number[];
  data: ArrayLike<number>;
}

interface FeatureExtractor {
  (texts: string[], options: { pooling: 'mean'; normalize: true }): Promise<FeatureTensor>;
  dispose(): Promise<unknown>;
}

type LoadProgress = { status: string; file?: string; loaded?: number; total?: number };

/**
 * The part of `@huggingface/transformers` this encoder uses. Declared here, not imported, so that importing this
 * file loads no runtime, and so that tests can pass a scripted stand-in; the real module must stay assignable to it.
 */
export interface TransformersLibrary {
  env: {
    allowRemoteModels: boolean;
    allowLocalModels: boolean;
    remoteHost: string;
    remotePathTemplate: string;
    useBrowserCache: boolean;
    useWasmCache: boolean;
    backends: { onnx: { wasm?: { wasmPaths?: string | { wasm?: string | URL; mjs?: string | URL }; numThreads?: number } } };
  };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { dtype: TransformersDtype; device: 'webgpu' | 'wasm'; progress_callback: (info: LoadProgress) => void },
  ): Promise<FeatureExtractor>;
}

export interface TransformersEncoderOptions {
  /** The loaded `@huggingface/transformers` module. */
  transformers: TransformersLibrary;
  /** Devices to try, in order. @defaultValue ['webgpu', 'wasm'] */
  devices?: ReadonlyArray<Extract<Device, 'webgpu' | 'wasm'>>;
  /** URLs of the self-hosted ONNX Runtime files that transformers.js' own runtime build loads. */
  wasmPaths: { wasm: string; mjs: string };
  /** ONNX Runtime WASM threads. @defaultValue 1 */
  numThreads?: number;
  /** Download progress over all of the model's files, in bytes. */
  onProgress?: (progress: { loaded: number; total: number }) => void;
  /**
   * Receives each device that was tried and failed, with the reason, in order: also when the call throws, so a
   * caller that falls back to another encoder can still report every reason.
   */
  skipped?: Array<{ device: Device; reason: string }>;
}

export interface TransformersEncoder extends TextEncoder {
  /** Devices tried before the one in use, with the reason each was skipped. */
  readonly skipped: ReadonlyArray<{ device: Device; reason: string }>;
}

const BATCH = 32;

/**
 * Any transformers.js feature-extraction model as a `TextEncoder`: mean pooling over the attention mask, then L2
 * normalisation. Devices are tried in order and one counts only when the pipeline loads *and* a warm-up embedding
 * succeeds; every skipped device keeps its reason for `status()`.
 * @throws `encoder-unavailable` listing each device's reason when none can run the model
 */
export async function createTransformersEncoder(model: TransformersModel, options: TransformersEncoderOptions): Promise<TransformersEncoder> {
  const lib = options.transformers;
  const modelId = pointAtHost(lib, model);
  const wasm = (lib.env.backends.onnx.wasm ??= {});
  // transformers.js defaults to a CDN for these; ours are served next to the worker.
  wasm.wasmPaths = { ...options.wasmPaths };
  wasm.numThreads = options.numThreads ?? 1;
  // Model files and the runtime binary are kept in Cache Storage (keyed by URL), so a reload downloads nothing.
  lib.env.useBrowserCache = typeof globalThis.caches !== 'undefined';
  lib.env.useWasmCache = lib.env.useBrowserCache;

  const id = transformersEncoderId(model);
  const skipped = options.skipped ?? [];
  const files = new Map<string, { loaded: number; total: number }>();
  let reported = 0;
  const progress = (info: LoadProgress) => {
    if (info.status !== 'progress' || !info.file || !options.onProgress) return;
    files.set(info.file, { loaded: info.loaded ?? 0, total: info.total ?? 0 });
    let loaded = 0;
    let total = 0;
    for (const f of files.values()) (loaded += f.loaded), (total += Math.max(f.total, f.loaded));
    // Files are discovered one by one, so the total can grow; what was loaded never shrinks.
    reported = Math.max(reported, loaded);
    options.onProgress({ loaded: reported, total: Math.max(total, reported) });
  };

  const run = async (extractor: FeatureExtractor, texts: readonly string[]): Promise<Float32Array[]> => {
    const out = await extractor([...texts], { pooling: 'mean', normalize: true });
    const dim = out.dims[out.dims.length - 1]!;
    if (out.dims.length !== 2 || out.dims[0] !== texts.length) throw new Error(`${id} returned a tensor of shape [${out.dims.join(', ')}] for ${texts.length} texts`);
    const data = out.data instanceof Float32Array ? out.data : Float32Array.from(out.data);
    return texts.map((_, i) => data.slice(i * dim, (i + 1) * dim));
  };

  const open = async (device: Extract<Device, 'webgpu' | 'wasm'>): Promise<{ extractor: FeatureExtractor; dim: number }> => {
    let extractor: FeatureExtractor | undefined;
    try {
      if (device === 'webgpu') await requireWebGpuAdapter();
      extractor = await lib.pipeline('feature-extraction', modelId, { dtype: model.dtype, device, progress_callback: progress });
      const [warm] = await run(extractor, ['warm up']);
      return { extractor, dim: warm!.length };
    } catch (error) {
      await extractor?.dispose().catch(() => {});
      throw error;
    }
  };

  const devices = [...(options.devices ?? (['webgpu', 'wasm'] as const))];
  while (devices.length > 0) {
    const device = devices.shift()!;
    let opened: { extractor: FeatureExtractor; dim: number };
    try {
      opened = await open(device);
    } catch (error) {
      skipped.push({ device, reason: reasonOf(error) });
      continue;
    }
    let { extractor } = opened;
    const encoder: TransformersEncoder & { device: Device } = {
      id,
      dim: opened.dim,
      device,
      languages: model.languages,
      skipped,
      async embed(texts) {
        const out: Float32Array[] = [];
        for (let i = 0; i < texts.length; i += BATCH) {
          const batch = texts.slice(i, i + BATCH);
          try {
            out.push(...(await run(extractor, batch)));
          } catch (error) {
            // A GPU can be lost mid-session: move to the next device and answer this very request there.
            const next = devices.shift();
            if (encoder.device !== 'webgpu' || !next) throw error;
            skipped.push({ device: encoder.device, reason: `failed while running: ${reasonOf(error)}` });
            await extractor.dispose().catch(() => {});
            extractor = (await open(next)).extractor;
            encoder.device = next;
            out.push(...(await run(extractor, batch)));
          }
        }
        return out;
      },
      dispose: async () => void (await extractor.dispose()),
    };
    return encoder;
  }
  throw new PocketRecError('encoder-unavailable', `encoder: no device could run ${id} (${skipped.map((s) => `${s.device}: ${s.reason}`).join('; ')}). The lexical encoder remains available.`, {
    details: { model: model.model },
  });
}

/**
 * Points transformers.js at exactly one host: the hub for a hub id, or the site's own folder for a URL. Local
 * lookups stay off, or transformers.js would first probe `/models/<id>/` on the page's origin.
 * Returns the model id to pass to `pipeline()`.
 */
function pointAtHost(lib: TransformersLibrary, model: TransformersModel): string {
  lib.env.allowLocalModels = false;
  lib.env.allowRemoteModels = true;
  if (model.folderUrl === null) {
    lib.env.remoteHost = HUB_HOST;
    lib.env.remotePathTemplate = HUB_PATH_TEMPLATE;
    return model.model;
  }
  // Files resolve as remoteHost + remotePathTemplate + file. A template without `{model}` makes the folder the
  // whole path, so the id below only names the model inside transformers.js' memo caches; it must look like a
  // hub id, or transformers.js refuses to fetch. (`.` keeps a folder at the origin's root from giving `//`.)
  const url = new URL(model.folderUrl);
  lib.env.remoteHost = `${url.origin}/`;
  lib.env.remotePathTemplate = url.pathname.slice(1) || '.';
  return `self-hosted-${fnv1a(model.folderUrl)}`;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The id a transformers.js encoder reports, known before it loads: catalogue embeddings made by it carry the same. */
export function transformersEncoderId(model: Pick<TransformersModel, 'model' | 'dtype'>): string {
  return `transformers:${model.model}@${model.dtype}`;
}
