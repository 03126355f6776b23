// onnx-proto is CommonJS: Node's ESM loader sees only its default export.
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { SEQUENCE_INPUT, SEQUENCE_OUTPUT } from '../../sequence';
import { quantizeRows } from '../../vector';
import { LAYER_NORM_EPSILON, MASKED, parameterShapes, type SasrecConfig, type Weights } from './sasrec';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT8 = onnx.TensorProto.DataType.INT8;


/**
 * Writes the trained SASRec as an ONNX graph (opset 17) that maps `items` int64 [batch, maxLen] (left-padded
 * model ids) to `scores` float [batch, itemCount], the next-item score of every catalogue item. The graph
 * repeats `encode` + `scoreNext` of ./sasrec.ts operator for operator. With `int8`, the item table (almost all
 * of the bytes) is stored as int8 rows with one scale each behind DequantizeLinear; the rest stays float.
 */
export function exportSasrecOnnx(config: SasrecConfig, weights: Weights, dtype: 'float32' | 'int8'): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  const initializers: OnnxTypes.ITensorProto[] = [];
  let unique = 0;
  const fresh = (base: string) => `${base}_${unique++}`;
  const op = (type: string, inputs: string[], attribute: OnnxTypes.IAttributeProto[] = []): string => {
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
    initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values.map(String) as unknown as number[] });
    return name;
  };
  const attrInt = (name: string, i: number): OnnxTypes.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const attrInts = (name: string, values: number[]): OnnxTypes.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
  const attrFloat = (name: string, f: number): OnnxTypes.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });

  const d = config.dim;
  const L = config.maxLen;
  const shapes = new Map(parameterShapes(config));
  for (const [name, data] of weights) {
    if (name === 'item') continue;
    floats(name, data, shapes.get(name)!);
  }
  let table = 'item';
  if (dtype === 'int8') {
    const q = quantizeRows(weights.get('item')!, d);
    initializers.push({ name: 'item_int8', dataType: INT8, dims: [config.itemCount + 1, d], rawData: new Uint8Array(q.values.buffer) });
    floats('item_scale', q.scales, [config.itemCount + 1]);
    initializers.push({ name: 'item_zero', dataType: INT8, dims: [config.itemCount + 1], rawData: new Uint8Array(config.itemCount + 1) });
    table = op('DequantizeLinear', ['item_int8', 'item_scale', 'item_zero'], [attrInt('axis', 0)]);
  } else floats('item', weights.get('item')!, [config.itemCount + 1, d]);

  const layerNorm = (x: string, prefix: string) => op('LayerNormalization', [x, `${prefix}.gamma`, `${prefix}.beta`], [attrInt('axis', -1), attrFloat('epsilon', LAYER_NORM_EPSILON)]);
  const dense = (x: string, prefix: string) => op('Add', [op('MatMul', [x, `${prefix}.w`]), `${prefix}.b`]);

  const mask = op('Unsqueeze', [op('Cast', [op('Not', [op('Equal', [SEQUENCE_INPUT, ints([0])])])], [attrInt('to', FLOAT)]), ints([2])]);
  let x = op('Mul', [op('Add', [op('Mul', [op('Gather', [table, SEQUENCE_INPUT]), scalar(Math.sqrt(d))]), 'position']), mask]);
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
  const items = op('Slice', [table, ints([1]), ints([config.itemCount + 1]), ints([0])]);
  const scores = op('Gemm', [op('Squeeze', [last, ints([1])]), items], [attrInt('transB', 1)]);
  nodes.push({ opType: 'Identity', input: [scores], output: [SEQUENCE_OUTPUT], name: 'output' });

  const graph: OnnxTypes.IGraphProto = {
    name: 'pocketrec-sasrec',
    node: nodes,
    initializer: initializers,
    input: [{ name: SEQUENCE_INPUT, type: { tensorType: { elemType: INT64, shape: { dim: [{ dimParam: 'batch' }, { dimValue: L }] } } } }],
    output: [{ name: SEQUENCE_OUTPUT, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: config.itemCount }] } } } }],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'pocketrec', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
