import type { LanguageCoverage } from './languages';

/** Where a text encoder runs. Ordered by preference: the probe tries them in this order. */
export const DEVICES = Object.freeze(['webgpu', 'wasm', 'lexical'] as const);
export type Device = (typeof DEVICES)[number];

/**
 * Turns texts into unit-length vectors of one fixed dimension. Item vectors in the catalogue and query vectors
 * at run time must come from the same encoder (same `id`), or they do not live in one space.
 */
export interface TextEncoder {
  /** Stable identity of the model, e.g. `use-lite-int8@1` or `lexical-hash-512`. Stored in the catalogue manifest. */
  readonly id: string;
  readonly dim: number;
  readonly device: Device;
  /** Languages whose texts it understands; texts in other scripts take the lexical path (see `languages.ts`). */
  readonly languages: LanguageCoverage;
  /** One L2-normalised vector per text, in order. An empty text gets a defined vector, never an error. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/**
 * Weight precisions a transformers.js model folder may ship, each one file `onnx/model<suffix>.onnx`
 * (`fp32` → `model.onnx`, `q8` → `model_quantized.onnx`, `fp16` → `model_fp16.onnx`, …).
 */
export const TRANSFORMERS_DTYPES = Object.freeze(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const);
export type TransformersDtype = (typeof TRANSFORMERS_DTYPES)[number];

/** A transformers.js feature-extraction model, resolved by the client: what to load, from where, at which precision. */
export interface TransformersModel {
  type: 'transformers';
  /** The model as the host named it: a hub id (`Xenova/all-MiniLM-L6-v2`) or a folder URL. Part of the encoder id. */
  model: string;
  /** Absolute URL of a self-hosted model folder, ending in `/`; `null` when `model` is a hub id. */
  folderUrl: string | null;
  dtype: TransformersDtype;
  /** What the site declared the model covers. @defaultValue 'any' */
  languages: LanguageCoverage;
}
