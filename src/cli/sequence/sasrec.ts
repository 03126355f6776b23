import type { Scalar, Tensor, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from './tf';

/**
 * A self-attentive sequential recommender (SASRec, Kang & McAuley 2018): item embeddings plus learned positions,
 * causal self-attention blocks with layer norm and a point-wise feed-forward part, and scores that are the last
 * hidden state's dot product with every item embedding. Model ids are 1…itemCount in catalogue order; 0 pads.
 */
export interface SasrecConfig {
  itemCount: number;
  /** Events the model looks at; shorter histories are padded on the left. */
  maxLen: number;
  dim: number;
  blocks: number;
  dropout: number;
}

export const DEFAULT_SASREC: Omit<SasrecConfig, 'itemCount'> = Object.freeze({ maxLen: 50, dim: 64, blocks: 2, dropout: 0.2 });

/** Also written into the ONNX graph: both sides must normalise identically. */
export const LAYER_NORM_EPSILON = 1e-6;
/** Added to attention logits that must get no weight; finite, so a row with nothing to attend to stays defined. */
export const MASKED = -1e9;

export type Weights = Map<string, Float32Array>;
export type Params = Map<string, Variable>;

/** Every parameter with its shape, in a fixed order that checkpoints and the ONNX export share. */
export function parameterShapes(c: SasrecConfig): Array<[string, number[]]> {
  const d = c.dim;
  const shapes: Array<[string, number[]]> = [
    ['item', [c.itemCount + 1, d]],
    ['position', [c.maxLen, d]],
  ];
  for (let b = 0; b < c.blocks; b++) {
    for (const part of ['norm1', 'norm2']) shapes.push([`block${b}.${part}.gamma`, [d]], [`block${b}.${part}.beta`, [d]]);
    for (const part of ['query', 'key', 'value', 'out', 'ff1', 'ff2']) shapes.push([`block${b}.${part}.w`, [d, d]], [`block${b}.${part}.b`, [d]]);
  }
  shapes.push(['final.gamma', [d]], ['final.beta', [d]]);
  return shapes;
}

/** Xavier-uniform matrices, unit gains, zero biases: the usual start, drawn from a seeded generator. */
export function initialWeights(c: SasrecConfig, random: () => number): Weights {
  const weights: Weights = new Map();
  for (const [name, shape] of parameterShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < size; i++) data[i] = (2 * random() - 1) * limit;
    } else if (name.endsWith('.gamma')) data.fill(1);
    weights.set(name, data);
  }
  return weights;
}

export function toParams(tf: Tf, c: SasrecConfig, weights: Weights): Params {
  const params: Params = new Map();
  for (const [name, shape] of parameterShapes(c)) params.set(name, tf.variable(tf.tensor(weights.get(name)!, shape), true));
  return params;
}

export function readWeights(params: Params): Weights {
  const out: Weights = new Map();
  for (const [name, v] of params) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
  return out;
}

/**
 * Row lookup whose gradient is accumulated here in JS: the WASM backend has no `UnsortedSegmentSum`, which is
 * what TF.js' own `gather` gradient needs.
 */
export function gatherRows(tf: Tf, table: Tensor2D, indices: Int32Array): Tensor2D {
  const [rows, width] = table.shape;
  const index = tf.tensor1d(indices, 'int32');
  const lookup = tf.customGrad(((t: Tensor) => ({
    value: tf.gather(t, index),
    gradFunc: (dy: Tensor) => {
      const upstream = dy.dataSync() as Float32Array;
      const grad = new Float32Array(rows * width);
      for (let m = 0; m < indices.length; m++) {
        const to = indices[m]! * width;
        const from = m * width;
        for (let j = 0; j < width; j++) grad[to + j]! += upstream[from + j]!;
      }
      return tf.tensor2d(grad, [rows, width]);
    },
  })) as never);
  return lookup(table) as Tensor2D;
}

/**
 * Mean full-softmax cross-entropy of `hidden · itemsᵀ` against `targets`, with a hand-written gradient: TF.js
 * differentiates `matMul` through transpose flags, which its WASM backend runs about 10× slower than a matMul of
 * operands transposed beforehand.
 */
export function softmaxCrossEntropy(tf: Tf, hidden: Tensor2D, items: Tensor2D, targets: Int32Array): Scalar {
  const count = targets.length;
  const vocabulary = items.shape[0];
  const flat = tf.tensor1d(
    targets.map((t, i) => i * vocabulary + t),
    'int32',
  );
  const loss = tf.customGrad(((h: Tensor, e: Tensor, save: (tensors: Tensor[]) => void) => {
    const logits = tf.matMul(h as Tensor2D, tf.transpose(e as Tensor2D));
    const logZ = tf.logSumExp(logits, 1, true);
    save([h, e, logits, logZ]);
    const picked = tf.gather(tf.reshape(logits, [-1]), flat);
    return {
      value: tf.mean(tf.sub(tf.reshape(logZ, [-1]), picked)),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [hs, es, ls, zs] = saved as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
        // Made here, not captured: tensors a closure holds from the forward pass are disposed before this runs.
        // Built as int32 and cast: the WASM backend's float32 oneHot writes integer bit patterns (1 → 1.4e-45).
        const labels = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), vocabulary), 'float32');
        const g = tf.mul(tf.sub(tf.exp(tf.sub(ls, zs)), labels), tf.div(dy, count)) as Tensor2D;
        return [tf.matMul(g, es), tf.matMul(tf.transpose(g), hs)];
      },
    };
  }) as never);
  return loss(hidden, items) as Scalar;
}

/**
 * `a · b` (2-D, or batched 3-D) whose gradient multiplies by operands transposed beforehand: TF.js' own matMul
 * gradient passes transpose flags, which its WASM backend runs about 10× slower.
 */
export function matMul(tf: Tf, a: Tensor, b: Tensor): Tensor {
  const flip = (t: Tensor) => (t.rank === 3 ? tf.transpose(t, [0, 2, 1]) : tf.transpose(t));
  const product = tf.customGrad(((x: Tensor, y: Tensor, save: (tensors: Tensor[]) => void) => {
    save([x, y]);
    return {
      value: tf.matMul(x as Tensor2D, y as Tensor2D),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ys] = saved as [Tensor2D, Tensor2D];
        return [tf.matMul(dy as Tensor2D, flip(ys) as Tensor2D), tf.matMul(flip(xs) as Tensor2D, dy as Tensor2D)];
      },
    };
  }) as never);
  return product(a, b);
}

/** Dropout with a fresh, reproducible seed per call; `null` at inference. */
export type Dropout = ((x: Tensor) => Tensor) | null;

function layerNorm(tf: Tf, x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta);
}

function dense(tf: Tf, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [batch, length, width] = x.shape as [number, number, number];
  return tf.reshape(tf.add(matMul(tf, tf.reshape(x, [batch * length, width]), w), b), [batch, length, -1]);
}

/**
 * Hidden states [batch, length, dim] of left-padded model-id sequences [batch, length]. `length` may be shorter
 * than maxLen when every sequence is: the rows then take the last `length` positions, and since padding is
 * masked out everywhere, the hidden states of real positions are exactly those of the full-length input.
 */
export function encode(tf: Tf, params: Params, c: SasrecConfig, input: Int32Array, batch: number, dropout: Dropout, length = c.maxLen): Tensor3D {
  const p = (name: string) => params.get(name)!;
  const L = length;
  const drop = (x: Tensor) => (dropout ? dropout(x) : x);
  const ids = tf.tensor2d(input, [batch, L], 'int32');
  const mask = tf.expandDims(tf.cast(tf.notEqual(ids, 0), 'float32'), 2);
  let x: Tensor = tf.reshape(gatherRows(tf, p('item') as Tensor2D, input), [batch, L, c.dim]);
  const positions = L === c.maxLen ? p('position') : tf.slice(p('position'), [c.maxLen - L, 0], [L, c.dim]);
  x = tf.mul(drop(tf.add(tf.mul(x, Math.sqrt(c.dim)), positions)), mask);
  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) causal[i * L + j] = MASKED;
  const bias = tf.add(tf.mul(tf.sub(1, tf.reshape(mask, [batch, 1, L])), MASKED), tf.tensor2d(causal, [L, L]));
  for (let b = 0; b < c.blocks; b++) {
    const w = (name: string) => p(`block${b}.${name}`);
    const q = layerNorm(tf, x, w('norm1.gamma'), w('norm1.beta'));
    const query = dense(tf, q, w('query.w'), w('query.b'));
    const key = dense(tf, x, w('key.w'), w('key.b'));
    const value = dense(tf, x, w('value.w'), w('value.b'));
    const logits = tf.add(tf.mul(matMul(tf, query, tf.transpose(key, [0, 2, 1])), 1 / Math.sqrt(c.dim)), bias);
    const attended = dense(tf, matMul(tf, drop(tf.softmax(logits)), value), w('out.w'), w('out.b'));
    x = layerNorm(tf, tf.add(q, attended), w('norm2.gamma'), w('norm2.beta'));
    const ff = drop(dense(tf, drop(tf.relu(dense(tf, x, w('ff1.w'), w('ff1.b')))), w('ff2.w'), w('ff2.b')));
    x = tf.mul(tf.add(x, ff), mask);
  }
  return layerNorm(tf, x, p('final.gamma'), p('final.beta')) as Tensor3D;
}

/** Scores [batch, itemCount] for the next item after each sequence: last hidden state · item embeddings. */
export function scoreNext(tf: Tf, params: Params, c: SasrecConfig, input: Int32Array, batch: number, length = c.maxLen): Tensor2D {
  return tf.tidy(() => {
    const hidden = encode(tf, params, c, input, batch, null, length);
    const last = tf.reshape(tf.slice(hidden, [0, length - 1, 0], [batch, 1, c.dim]), [batch, c.dim]) as Tensor2D;
    const items = tf.slice(params.get('item')!, [1, 0], [c.itemCount, c.dim]) as Tensor2D;
    return tf.matMul(last, tf.transpose(items));
  });
}
