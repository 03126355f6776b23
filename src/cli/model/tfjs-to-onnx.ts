import { AttributeType, DataType, encodeOnnxModel, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '../onnx-model';
import type { TfGraph, TfNode, TfWeight } from './tfjs-graph';

export interface ConvertOptions {
  /**
   * Store large float matrices as int8 with per-channel scales: MatMul weights feed integer MatMuls, the embedding
   * table sits behind DequantizeLinear.
   */
  int8: boolean;
  /** Graph inputs and output, by TF node name. */
  inputs: string[];
  output: string;
}

type Kind = 'float' | 'int' | 'bool';
const ONNX_TYPE: Record<Kind, number> = { float: DataType.FLOAT, int: DataType.INT64, bool: DataType.BOOL };
// TF DataType enum values met in this graph.
const TF_KIND: Record<number, Kind> = { 1: 'float', 3: 'int', 9: 'int', 10: 'bool' };
const INT64_MAX = 9223372036854775807n;
const QUANTIZE_MIN_ELEMENTS = 4096;

/**
 * Translates a TF.js graph model op by op into an ONNX graph (opset 17). Every integer tensor becomes int64, which
 * is what ONNX's shape and index operators want; 1×1 convolutions become MatMuls. Written for the operators that
 * Universal Sentence Encoder Lite uses, and strict about anything else: an unknown operator fails the conversion.
 */
export function convertTfjsToOnnx(graph: TfGraph, options: ConvertOptions): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const kinds = new Map<string, Kind>();
  const constValues = new Map<string, TfWeight>();
  // Float weight name → its int8 values and per-column scales, for weights that feed MatMuls.
  const quantized = new Map<string, { values: string; scale: string; shape: number[] }>();
  let unique = 0;
  const fresh = (base: string) => `${base}__${unique++}`;
  const ref = (input: string) => (input.includes(':') ? input : `${input}:0`);
  const out = (node: TfNode, i = 0) => `${node.name}:${i}`;
  const emit = (op: string, inputs: string[], outputs: string[], attribute: OnnxAttribute[] = []) => nodes.push({ opType: op, input: inputs, output: outputs, attribute, name: fresh(op) });
  const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints: values });
  const int = (name: string, value: number): OnnxAttribute => ({ name, type: AttributeType.INT, i: value });
  const int64Const = (values: bigint[] | number[], dims = [values.length]) => {
    const name = fresh('const');
    initializers.push({ name, dataType: ONNX_TYPE.int, dims, int64Data: values });
    kinds.set(name, 'int');
    return name;
  };
  const constOf = (input: string): number[] => {
    const w = constValues.get(input.split(':')[0]!);
    if (!w) throw new Error(`convert: ${input} must be a constant`);
    return Array.from(w.data);
  };
  const attr = (node: TfNode, key: string) => node.attr?.[key];
  const attrInt = (node: TfNode, key: string) => Number(attr(node, key)?.i ?? 0);

  for (const node of graph.nodes) {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^')).map(ref);
    const y = out(node);
    const kindOf = (i: number) => kinds.get(inputs[i]!) ?? 'float';
    const set = (k: Kind, name = y) => kinds.set(name, k);
    switch (node.op) {
      case 'Placeholder':
        set('int');
        break;
      case 'Const': {
        const w = graph.weights.get(node.name);
        if (!w) throw new Error(`convert: no weights for constant ${node.name}`);
        constValues.set(node.name, w);
        if (w.dtype === 'int32') {
          initializers.push({ name: y, dataType: ONNX_TYPE.int, dims: w.shape, int64Data: Array.from(w.data, (v) => v.toString()) as unknown as number[] });
          set('int');
        } else {
          addFloat(y, w);
          set('float');
        }
        break;
      }
      case 'Identity':
        emit('Identity', [inputs[0]!], [y]), set(kindOf(0));
        break;
      case 'Add':
      case 'BiasAdd':
      case 'AddV2':
        emit('Add', inputs.slice(0, 2), [y]), set(kindOf(0));
        break;
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum': {
        const op = { Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max' }[node.op]!;
        emit(op, inputs.slice(0, 2), [y]), set(kindOf(0));
        break;
      }
      case 'Less':
      case 'Greater':
        emit(node.op, inputs.slice(0, 2), [y]), set('bool');
        break;
      case 'LogicalNot':
        emit('Not', [inputs[0]!], [y]), set('bool');
        break;
      case 'Square':
        emit('Mul', [inputs[0]!, inputs[0]!], [y]), set(kindOf(0));
        break;
      case 'Rsqrt': {
        const s = fresh('sqrt');
        emit('Sqrt', [inputs[0]!], [s]);
        emit('Reciprocal', [s], [y]), set('float');
        break;
      }
      case 'Sin':
      case 'Cos':
      case 'Tanh':
      case 'Relu':
        emit(node.op, [inputs[0]!], [y]), set('float');
        break;
      case 'Softmax':
        emit('Softmax', [inputs[0]!], [y], [int('axis', -1)]), set('float');
        break;
      case 'Cast': {
        const to = TF_KIND[attr(node, 'DstT')?.type ?? 1];
        if (!to) throw new Error(`convert: Cast to TF type ${attr(node, 'DstT')?.type} in ${node.name}`);
        emit('Cast', [inputs[0]!], [y], [int('to', ONNX_TYPE[to])]), set(to);
        break;
      }
      case 'Shape':
        emit('Shape', [inputs[0]!], [y]), set('int');
        break;
      case 'Reshape':
        emit('Reshape', inputs.slice(0, 2), [y]), set(kindOf(0));
        break;
      case 'Transpose':
        emit('Transpose', [inputs[0]!], [y], [ints('perm', constOf(inputs[1]!))]), set(kindOf(0));
        break;
      case 'ExpandDims':
        emit('Unsqueeze', [inputs[0]!, int64Const(constOf(inputs[1]!))], [y]), set(kindOf(0));
        break;
      case 'Squeeze':
        emit('Squeeze', [inputs[0]!, int64Const((attr(node, 'squeeze_dims')?.list?.i ?? []).map(Number))], [y]), set(kindOf(0));
        break;
      case 'GatherV2':
        emit('Gather', inputs.slice(0, 2), [y], [int('axis', constOf(inputs[2]!)[0]!)]), set(kindOf(0));
        break;
      case 'GatherNd':
        emit('GatherND', inputs.slice(0, 2), [y]), set(kindOf(0));
        break;
      case 'ConcatV2': {
        const axis = constOf(inputs[inputs.length - 1]!)[0]!;
        emit('Concat', inputs.slice(0, -1), [y], [int('axis', axis)]), set(kindOf(0));
        break;
      }
      case 'Pack': {
        const axis = attrInt(node, 'axis');
        const parts = inputs.map((i) => {
          const u = fresh('pack');
          emit('Unsqueeze', [i, int64Const([axis])], [u]);
          return u;
        });
        emit('Concat', parts, [y], [int('axis', axis)]), set(kindOf(0));
        break;
      }
      case 'Mean':
      case 'Max':
      case 'Prod': {
        const op = { Mean: 'ReduceMean', Max: 'ReduceMax', Prod: 'ReduceProd' }[node.op]!;
        emit(op, [inputs[0]!], [y], [ints('axes', constOf(inputs[1]!)), int('keepdims', attr(node, 'keep_dims')?.b ? 1 : 0)]), set(kindOf(0));
        break;
      }
      case 'Sum':
        emit('ReduceSum', [inputs[0]!, int64Const(constOf(inputs[1]!))], [y], [int('keepdims', attr(node, 'keep_dims')?.b ? 1 : 0)]), set(kindOf(0));
        break;
      case 'Where': {
        const nz = fresh('nonzero');
        emit('NonZero', [inputs[0]!], [nz]);
        emit('Transpose', [nz], [y], [ints('perm', [1, 0])]), set('int');
        break;
      }
      case 'SparseToDense': {
        // Dense tensor of the default value, then the sparse values written in at their indices.
        const dense = fresh('dense');
        emit('Expand', [inputs[3]!, inputs[1]!], [dense]);
        emit('ScatterND', [dense, inputs[0]!, inputs[2]!], [y]), set(kindOf(2));
        break;
      }
      case 'ScatterNd': {
        const zeros = fresh('zeros');
        emit('ConstantOfShape', [inputs[2]!], [zeros], [{ name: 'value', type: AttributeType.TENSOR, t: { dataType: ONNX_TYPE[kindOf(1)], dims: [1], ...(kindOf(1) === 'float' ? { floatData: [0] } : { int64Data: [0] }) } }]);
        emit('ScatterND', [zeros, inputs[0]!, inputs[1]!], [y]), set(kindOf(1));
        break;
      }
      case 'StridedSlice': {
        const begin = constOf(inputs[1]!);
        const end = constOf(inputs[2]!);
        const strides = constOf(inputs[3]!);
        if (attrInt(node, 'ellipsis_mask') || attrInt(node, 'new_axis_mask')) throw new Error(`convert: ${node.name} uses ellipsis or new-axis masks`);
        const bm = attrInt(node, 'begin_mask');
        const em = attrInt(node, 'end_mask');
        const shrink = attrInt(node, 'shrink_axis_mask');
        const starts = begin.map((b, d) => (bm & (1 << d) ? (strides[d]! > 0 ? 0n : INT64_MAX) : BigInt(b)));
        const ends = end.map((e, d) => (shrink & (1 << d) ? BigInt(begin[d]! + 1 === 0 ? INT64_MAX : begin[d]! + 1) : em & (1 << d) ? (strides[d]! > 0 ? INT64_MAX : -INT64_MAX) : BigInt(e)));
        const axes = begin.map((_, d) => d);
        const sliced = shrink ? fresh('sliced') : y;
        emit('Slice', [inputs[0]!, int64Const(starts), int64Const(ends), int64Const(axes), int64Const(strides)], [sliced]);
        const squeeze = axes.filter((d) => shrink & (1 << d));
        if (squeeze.length) emit('Squeeze', [sliced, int64Const(squeeze)], [y]);
        set(kindOf(0));
        break;
      }
      case 'Slice': {
        const begin = constOf(inputs[1]!);
        const size = constOf(inputs[2]!);
        const ends = size.map((s, d) => (s === -1 ? INT64_MAX : BigInt(begin[d]! + s)));
        emit('Slice', [inputs[0]!, int64Const(begin), int64Const(ends)], [y]), set(kindOf(0));
        break;
      }
      case 'SplitV': {
        const axis = constOf(inputs[2]!)[0]!;
        const n = attrInt(node, 'num_split');
        emit('Split', [inputs[0]!, int64Const(constOf(inputs[1]!))], Array.from({ length: n }, (_, i) => out(node, i)), [int('axis', axis)]);
        for (let i = 0; i < n; i++) set(kindOf(0), out(node, i));
        break;
      }
      case 'Range':
        emit('Range', inputs.slice(0, 3), [y]), set('int');
        break;
      case 'MatMul':
      case 'BatchMatMul':
      case 'BatchMatMulV2': {
        const ta = attr(node, 'transpose_a')?.b || attr(node, 'adj_x')?.b;
        const tb = attr(node, 'transpose_b')?.b || attr(node, 'adj_y')?.b;
        const t = (input: string, on: boolean | undefined) => {
          if (!on) return input;
          const name = fresh('t');
          // Swap the last two axes whatever the rank: Transpose needs the rank, so use the einsum-free route.
          emit('Einsum', [input], [name], [{ name: 'equation', type: AttributeType.STRING, s: new TextEncoder().encode('...ij->...ji') }]);
          return name;
        };
        matMul(t(inputs[0]!, ta), t(inputs[1]!, tb), y), set('float');
        break;
      }
      case 'Conv2D': {
        // Only 1×1 kernels with stride 1 occur: over NHWC input that is a MatMul over the channel axis.
        const kernel = constValues.get(inputs[1]!.split(':')[0]!);
        if (!kernel || kernel.shape[0] !== 1 || kernel.shape[1] !== 1) throw new Error(`convert: ${node.name} is not a 1×1 convolution`);
        const reshaped = `${inputs[1]!}__2d`;
        addFloat(reshaped, { ...kernel, shape: [kernel.shape[2]!, kernel.shape[3]!] });
        matMul(inputs[0]!, reshaped, y), set('float');
        break;
      }
      default:
        throw new Error(`convert: TF operator ${node.op} (${node.name}) is not supported`);
    }
  }

  /**
   * A MatMul; by an int8 weight it becomes an integer one. Each row of the activations (one token) is quantized on
   * its own to uint8 around 128 with scale max|row| / 127, multiplied in int32 against the int8 weight by an integer
   * GEMM (2.5× the float one's speed in WASM), then scaled back by row scale × column scale. Per row, not per
   * tensor, so that a text's vector never depends on the other texts in its batch.
   */
  function matMul(a: string, b: string, y: string): void {
    const w = quantized.get(b);
    if (!w) {
      emit('MatMul', [a, b], [y]);
      return;
    }
    const [k, n] = w.shape as [number, number];
    const names = (...bases: string[]) => bases.map(fresh);
    const rows = fresh('rows');
    emit('Reshape', [a, int64Const([-1, k])], [rows]);
    const [high, low, negLow, peak, scaleRaw, scale] = names('high', 'low', 'neglow', 'peak', 'scaleraw', 'scale') as [string, string, string, string, string, string];
    emit('ReduceMax', [rows], [high], [ints('axes', [1]), int('keepdims', 0)]);
    emit('ReduceMin', [rows], [low], [ints('axes', [1]), int('keepdims', 0)]);
    emit('Neg', [low], [negLow]);
    emit('Max', [high, negLow], [peak]);
    emit('Mul', [peak, floatConst([1 / 127], [])], [scaleRaw]);
    // An all-zero row still needs a positive scale.
    emit('Max', [scaleRaw, floatConst([1e-20], [])], [scale]);
    const [zeros, quantizedRows, product, productF, rowScale, outer, flat] = names('zeros', 'rowsq', 'imm', 'immf', 'rowscale', 'outer', 'flat') as [string, string, string, string, string, string, string];
    // QuantizeLinear wants one zero point per row when it has one scale per row.
    emit('Expand', [uint8Const([128], [1]), shapeOf(scale)], [zeros]);
    emit('QuantizeLinear', [rows, scale, zeros], [quantizedRows], [int('axis', 0)]);
    emit('MatMulInteger', [quantizedRows, w.values, uint8Const([128], [])], [product]);
    emit('Cast', [product], [productF], [int('to', ONNX_TYPE.float)]);
    emit('Unsqueeze', [scale, int64Const([1])], [rowScale]);
    emit('Mul', [rowScale, w.scale], [outer]);
    emit('Mul', [productF, outer], [flat]);
    // Back to the input's leading axes, with n columns.
    const [inputShape, lead, outShape] = names('inshape', 'lead', 'outshape') as [string, string, string];
    emit('Shape', [a], [inputShape]);
    emit('Slice', [inputShape, int64Const([0]), int64Const([-1])], [lead]);
    emit('Concat', [lead, int64Const([n])], [outShape], [int('axis', 0)]);
    emit('Reshape', [flat, outShape], [y]);
  }

  function shapeOf(input: string): string {
    const name = fresh('shape');
    emit('Shape', [input], [name]);
    return name;
  }

  function floatConst(values: number[], dims: number[]): string {
    const name = fresh('fconst');
    initializers.push({ name, dataType: ONNX_TYPE.float, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  function uint8Const(values: number[], dims: number[]): string {
    const name = fresh('u8const');
    initializers.push({ name, dataType: DataType.UINT8, dims, rawData: Uint8Array.from(values) });
    return name;
  }

  function addFloat(name: string, w: TfWeight): void {
    const data = w.data as Float32Array;
    if (!options.int8 || w.shape.length < 2 || data.length < QUANTIZE_MIN_ELEMENTS) {
      initializers.push({ name, dataType: ONNX_TYPE.float, dims: w.shape, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
      return;
    }
    // Per-channel symmetric int8: one scale per output column (per row for the embedding table, read by Gather).
    const isTable = w.shape.length === 2 && w.shape[0]! > w.shape[1]! * 8;
    const axis = isTable ? 0 : w.shape.length - 1;
    const channels = w.shape[axis]!;
    const stride = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const scales = new Float32Array(channels);
    for (let i = 0; i < data.length; i++) {
      const c = Math.floor(i / stride) % channels;
      scales[c] = Math.max(scales[c]!, Math.abs(data[i]!) / 127);
    }
    const q = new Int8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const s = scales[Math.floor(i / stride) % channels]!;
      q[i] = s === 0 ? 0 : Math.round(data[i]! / s);
    }
    const qName = `${name}__int8`;
    const sName = `${name}__scale`;
    const zName = `${name}__zero`;
    initializers.push({ name: qName, dataType: DataType.INT8, dims: w.shape, rawData: new Uint8Array(q.buffer) });
    initializers.push({ name: sName, dataType: ONNX_TYPE.float, dims: [channels], rawData: new Uint8Array(scales.buffer) });
    initializers.push({ name: zName, dataType: DataType.INT8, dims: [channels], rawData: new Uint8Array(channels) });
    emit('DequantizeLinear', [qName, sName, zName], [name], [int('axis', axis)]);
    if (!isTable && w.shape.length === 2) quantized.set(name, { values: qName, scale: sName, shape: w.shape });
  }

  const valueInfo = (name: string, kind: Kind, dims: Array<number | string>): OnnxValueInfo => ({
    name,
    type: { tensorType: { elemType: ONNX_TYPE[kind], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  // Whatever the output does not depend on (a convolution kernel before its 2-D copy, say) is dropped.
  const live = new Set([`${options.output}:0`]);
  const kept: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!(n.output ?? []).some((o) => live.has(o))) continue;
    kept.unshift(n);
    for (const input of n.input ?? []) live.add(input);
  }
  const used = live;
  const graphProto: OnnxModel['graph'] = {
    name: 'use-lite',
    node: kept,
    initializer: initializers.filter((t) => used.has(t.name!)),
    input: options.inputs.map((name) => valueInfo(`${name}:0`, 'int', name === 'indices' ? ['tokens', 2] : ['tokens'])),
    output: [valueInfo(`${options.output}:0`, 'float', ['batch', 512])],
  };
  const model: OnnxModel = {
    irVersion: 8,
    producerName: 'pocketrec',
    opsetImport: [{ domain: '', version: 17 }],
    graph: graphProto,
  };
  return encodeOnnxModel(model);
}
