/**
 * ONNX models as protobuf bytes, for the two graphs the build writes (the converted encoder and the sequence model).
 * Only the fields those graphs use are modelled. Written here rather than taken from `onnx-proto`, whose protobufjs
 * dependency runs an install script in every project that installs the CLI; fields go out in field-number order
 * and repeated numbers packed, as protobufjs encodes them, so the bytes (and the models' sha256) match it.
 */

/** `TensorProto.DataType` values. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9 } as const;
/** `AttributeProto.AttributeType` values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface OnnxTensor {
  name?: string;
  dataType: number;
  dims: readonly number[];
  floatData?: readonly number[];
  int64Data?: readonly (number | bigint)[];
  rawData?: Uint8Array;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: readonly number[];
  ints?: readonly number[];
}

export interface OnnxNode {
  input: readonly string[];
  output: readonly string[];
  name?: string;
  opType: string;
  attribute?: readonly OnnxAttribute[];
}

export type OnnxDimension = { dimValue: number } | { dimParam: string };

export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: readonly OnnxDimension[] } } };
}

export interface OnnxGraph {
  node: readonly OnnxNode[];
  name: string;
  initializer: readonly OnnxTensor[];
  input: readonly OnnxValueInfo[];
  output: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  graph: OnnxGraph;
  opsetImport: readonly { domain: string; version: number }[];
}

const VARINT = 0;
const BYTES = 2;
const FIXED32 = 5;

/** Appends protobuf fields to growing chunks; a nested message is encoded on its own writer, then length-prefixed. */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** int64 semantics: negative values take ten bytes (two's complement), as protobuf requires. */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, BYTES).varint(data.length);
    this.flushScratch();
    this.push(data);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, VARINT).varint(value);
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.flushScratch();
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  message<T>(field: number, value: T, encode: (w: Writer, value: T) => void): this {
    const inner = new Writer();
    encode(inner, value);
    return this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: readonly (number | bigint)[] | undefined): this {
    if (!values || values.length === 0) return this;
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[] | undefined): this {
    if (!values || values.length === 0) return this;
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, data);
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function tensor(w: Writer, t: OnnxTensor): void {
  w.packedInts(1, t.dims).int(2, t.dataType).packedFloats(4, t.floatData).packedInts(7, t.int64Data);
  if (t.name !== undefined) w.string(8, t.name);
  if (t.rawData !== undefined) w.bytes(9, t.rawData);
}

function attribute(w: Writer, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, a.t, tensor);
  w.packedFloats(7, a.floats).packedInts(8, a.ints).int(20, a.type);
}

function node(w: Writer, n: OnnxNode): void {
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute ?? []) w.message(5, a, attribute);
}

function valueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name).message(2, v.type, (typeProto, type) =>
    typeProto.message(1, type.tensorType, (t, tensorType) =>
      t.int(1, tensorType.elemType).message(2, tensorType.shape, (s, shape) => {
        for (const d of shape.dim) s.message(1, d, (dw, dim) => ('dimValue' in dim ? dw.int(1, dim.dimValue) : dw.string(2, dim.dimParam)));
      }),
    ),
  );
}

function graph(w: Writer, g: OnnxGraph): void {
  for (const n of g.node) w.message(1, n, node);
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, t, tensor);
  for (const v of g.input) w.message(11, v, valueInfo);
  for (const v of g.output) w.message(12, v, valueInfo);
}

/** The model as the bytes of an `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new Writer().int(1, model.irVersion).string(2, model.producerName).message(7, model.graph, graph);
  for (const o of model.opsetImport) w.message(8, o, (ow, op) => ow.string(1, op.domain).int(2, op.version));
  return w.finish();
}
