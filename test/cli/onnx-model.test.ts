import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { AttributeType, DataType, encodeOnnxModel, type OnnxModel } from '../../src/cli/onnx-model';

const { onnx } = onnxProto;

/** Every field the writer knows, with the awkward values: zero, negatives, empty strings, int64 beyond 2^53. */
const model: OnnxModel = {
  irVersion: 8,
  producerName: 'pocketrec',
  opsetImport: [
    { domain: '', version: 17 },
    { domain: 'com.microsoft', version: 1 },
  ],
  graph: {
    name: 'every-field',
    node: [
      {
        opType: 'Gather',
        input: ['table', 'indices'],
        output: ['rows'],
        name: 'gather_0',
        attribute: [
          { name: 'axis', type: AttributeType.INT, i: 0 },
          { name: 'negative', type: AttributeType.INT, i: -1 },
          { name: 'epsilon', type: AttributeType.FLOAT, f: 1e-5 },
          { name: 'perm', type: AttributeType.INTS, ints: [0, 2, -1, 300] },
          { name: 'scales', type: AttributeType.FLOATS, floats: [0.5, -2, 3.25] },
          { name: 'equation', type: AttributeType.STRING, s: new TextEncoder().encode('...ij->...ji') },
          { name: 'value', type: AttributeType.TENSOR, t: { dataType: DataType.INT64, dims: [1], int64Data: [0] } },
        ],
      },
      { opType: 'Identity', input: ['rows'], output: ['out'] },
    ],
    initializer: [
      { name: 'table', dataType: DataType.FLOAT, dims: [2, 3], rawData: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, -6]).buffer) },
      { name: 'big', dataType: DataType.INT64, dims: [3], int64Data: [9223372036854775807n, -9223372036854775808n, 42] },
      { name: 'floats', dataType: DataType.FLOAT, dims: [2], floatData: [0, 1.5] },
      { name: 'empty', dataType: DataType.INT8, dims: [0], rawData: new Uint8Array(0) },
    ],
    input: [{ name: 'indices', type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 2 }] } } } }],
    output: [{ name: 'out', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 2 }, { dimValue: 3 }] } } } }],
  },
};

describe('encodeOnnxModel', () => {
  it('writes the same bytes as the protobufjs encoder of onnx.proto', () => {
    // onnx-proto wants int64 values as decimal strings (or Longs), not bigints.
    const asProtobufjs = JSON.parse(JSON.stringify(model, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? { bytes: Array.from(v) } : v)), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && 'bytes' in v ? Uint8Array.from((v as { bytes: number[] }).bytes) : v,
    ) as onnxProto.onnx.IModelProto;
    const reference = onnx.ModelProto.encode(onnx.ModelProto.create(asProtobufjs)).finish();
    expect(Buffer.from(encodeOnnxModel(model)).equals(Buffer.from(reference))).toBe(true);
  });

  it('round-trips through the reference decoder', () => {
    const decoded = onnx.ModelProto.decode(encodeOnnxModel(model));
    expect(decoded.graph!.node![0]!.attribute!.map((a) => a.name)).toEqual(['axis', 'negative', 'epsilon', 'perm', 'scales', 'equation', 'value']);
    expect(decoded.graph!.initializer![1]!.int64Data!.map(String)).toEqual(['9223372036854775807', '-9223372036854775808', '42']);
    expect(decoded.graph!.node![0]!.attribute![1]!.i!.toString()).toBe('-1');
    expect(decoded.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
  });
});
