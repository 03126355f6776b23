import { SEQUENCE_INPUT, SEQUENCE_MASK, SEQUENCE_OUTPUT } from '../../sequence';
import { quantizeRows } from '../../vector';
import { AttributeType, DataType, encodeOnnxModel, type OnnxAttribute, type OnnxNode, type OnnxTensor } from '../onnx-model';
import { LAYER_NORM_EPSILON, MASKED, parameterShapes, type SasrecConfig, type Weights } from './sasrec';

const { FLOAT, INT64 } = DataType;

/**
 * Writes the trained SASRec's encoder as an ONNX graph (opset 17) that maps `embedded` float [batch, maxLen, dim]
 * (the history's item rows, left-padded, scaled by sqrt(dim); see `writeEmbedded`) and `mask` float [batch,
 * maxLen] (1 = an item) to `hidden` float [batch, dim], the final layer-normed state of the last position. The
 * graph repeats `encode` of ./sasrec.ts operator for operator from the gathered rows on. It holds no item table:
 * item scoring (hidden · row) is the int8 kernel's scan over the table `exportItemTable` writes.
 */
export function exportSasrecOnnx(config: SasrecConfig, weights: Weights): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let unique = 0;
  const fresh = (base: string) => `${base}_${unique++}`;
  const op = (type: string, inputs: string[], attribute: OnnxAttribute[] = []): string => {
    const output = fresh(type);
    nodes.push({ opType: type, input: inputs, output: [output], attribute, name: output });
    return output;
  };
  const floats = (name: string, data: Float32Array, dims: number[]) => {
    initializers.push({ name, dataType: FLOAT, dims, rawData: bytesOf(data) });
    return name;
  };
  const scalar = (value: number) => floats(fresh('scalar'), Float32Array.of(value), []);
  const ints = (values: number[]) => {
    const name = fresh('ints');
    initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values });
    return name;
  };
  const attrInt = (name: string, i: number): OnnxAttribute => ({ name, type: AttributeType.INT, i });
  const attrInts = (name: string, values: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints: values });
  const attrFloat = (name: string, f: number): OnnxAttribute => ({ name, type: AttributeType.FLOAT, f });

  const d = config.dim;
  const L = config.maxLen;
  const shapes = new Map(parameterShapes(config));
  for (const [name, data] of weights) {
    if (name === 'item') continue;
    floats(name, data, shapes.get(name)!);
  }

  const layerNorm = (x: string, prefix: string) => op('LayerNormalization', [x, `${prefix}.gamma`, `${prefix}.beta`], [attrInt('axis', -1), attrFloat('epsilon', LAYER_NORM_EPSILON)]);
  const dense = (x: string, prefix: string) => op('Add', [op('MatMul', [x, `${prefix}.w`]), `${prefix}.b`]);

  const mask = op('Unsqueeze', [SEQUENCE_MASK, ints([2])]);
  let x = op('Mul', [op('Add', [SEQUENCE_INPUT, 'position']), mask]);
  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) causal[i * L + j] = MASKED;
  // [batch, 1, maxLen] key-padding bias plus the [maxLen, maxLen] causal one: broadcast to [batch, maxLen, maxLen].
  const keyMask = op('Transpose', [mask], [attrInts('perm', [0, 2, 1])]);
  const bias = op('Add', [op('Mul', [op('Sub', [scalar(1), keyMask]), scalar(MASKED)]), floats('causal', causal, [L, L])]);
  for (let b = 0; b < config.blocks; b++) {
    const p = `block${b}`;
    const q = layerNorm(x, `${p}.norm1`);
    const query = dense(q, `${p}.query`);
    const key = dense(x, `${p}.key`);
    const value = dense(x, `${p}.value`);
    const logits = op('Add', [op('Mul', [op('MatMul', [query, op('Transpose', [key], [attrInts('perm', [0, 2, 1])])]), scalar(1 / Math.sqrt(d))]), bias]);
    const attended = dense(op('MatMul', [op('Softmax', [logits], [attrInt('axis', -1)]), value]), `${p}.out`);
    x = layerNorm(op('Add', [q, attended]), `${p}.norm2`);
    const ff = dense(op('Relu', [dense(x, `${p}.ff1`)]), `${p}.ff2`);
    x = op('Mul', [op('Add', [x, ff]), mask]);
  }
  const last = op('Gather', [layerNorm(x, 'final'), ints([L - 1])], [attrInt('axis', 1)]);
  nodes.push({ opType: 'Squeeze', input: [last, ints([1])], output: [SEQUENCE_OUTPUT], name: 'output' });

  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'pocketrec',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'pocketrec-sasrec',
      node: nodes,
      initializer: initializers,
      input: [
        { name: SEQUENCE_INPUT, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: L }, { dimValue: d }] } } } },
        { name: SEQUENCE_MASK, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: L }] } } } },
      ],
      output: [{ name: SEQUENCE_OUTPUT, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: d }] } } } }],
    },
  });
}

/**
 * The item table the kernel scores with: the catalogue items' rows (model rows 1…itemCount; row 0, the padding
 * row, never scores and is left out, so table row i is catalogue item i) as int8 with one f32 scale per row,
 * laid out as an embeddings file: all scales, then all values (`decodeEmbeddings` reads it).
 */
export function exportItemTable(config: SasrecConfig, weights: Weights): Uint8Array {
  const d = config.dim;
  const n = config.itemCount;
  const item = weights.get('item')!;
  const q = quantizeRows(item.subarray(d, (n + 1) * d), d);
  const bytes = new Uint8Array(n * 4 + n * d);
  new Float32Array(bytes.buffer, 0, n).set(q.scales);
  new Int8Array(bytes.buffer, n * 4).set(q.values);
  return bytes;
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
