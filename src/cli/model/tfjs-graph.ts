import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A TF.js graph-model node, as `model.json` stores it. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { i?: string; b?: boolean; s?: number[] | string; type?: number; list?: { i?: string[] }; shape?: unknown }>;
}

export interface TfWeight {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
}

/** Reads `model.json` and its weight shards (concatenated in manifest order, as TF.js does). */
export async function readTfjsGraph(modelJson: string): Promise<TfGraph> {
  const model = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: { node: TfNode[] };
    weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }> }>;
  };
  const weights = new Map<string, TfWeight>();
  for (const group of model.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJson), p))));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const slice = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4);
      weights.set(w.name, { dtype: w.dtype, shape: w.shape, data: w.dtype === 'float32' ? new Float32Array(slice) : new Int32Array(slice) });
      offset += count * 4;
    }
  }
  return { nodes: model.modelTopology.node, weights };
}
