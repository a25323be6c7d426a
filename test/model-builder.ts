/**
 * Builds small ONNX models in tests: `model(graph({ nodes: [node('Relu', ['x'], ['y'])], ... }))`.
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  FunctionProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type FunctionProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/proto/onnx.js';
import { DataType } from '../src/dtype.js';

export { DataType };

/** A float32 (or other) tensor with raw little-endian data. */
export function tensor(name: string, dims: number[], values: ArrayLike<number>, dataType: number = DataType.FLOAT): TensorProto {
  let bytes: Uint8Array;
  switch (dataType) {
    case DataType.FLOAT:
      bytes = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case DataType.INT64:
      bytes = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
      break;
    case DataType.INT32:
      bytes = new Uint8Array(Int32Array.from(values).buffer);
      break;
    default:
      throw new Error(`tensor(): data type ${dataType} not supported by the builder`);
  }
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData: bytes as Uint8Array<ArrayBuffer> });
}

/** A tensor ValueInfo; shape entries are numbers, names, or null (unknown). */
export function valueInfo(name: string, elemType: number = DataType.FLOAT, shape: (number | string | null)[] | null = null): ValueInfoProto {
  const tensorType = create(TypeProto_TensorSchema, { elemType });
  if (shape) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: shape.map((d) =>
        create(TensorShapeProto_DimensionSchema, {
          value: d === null ? { case: undefined } : typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
        }),
      ),
    });
  }
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

export type AttributeValue = number | bigint | string | number[] | TensorProto | GraphProto | GraphProto[];

/** An attribute; numbers are floats unless given as bigint, number[] are ints. */
export function attribute(name: string, value: AttributeValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  if (typeof value === 'bigint') return create(AttributeProtoSchema, { name, type: T.INT, i: value });
  if (typeof value === 'number') return create(AttributeProtoSchema, { name, type: T.FLOAT, f: value });
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'object') return create(AttributeProtoSchema, { name, type: T.GRAPHS, graphs: value as GraphProto[] });
    return create(AttributeProtoSchema, { name, type: T.INTS, ints: (value as number[]).map(BigInt) });
  }
  if (value.$typeName === 'onnx.TensorProto') return create(AttributeProtoSchema, { name, type: T.TENSOR, t: value });
  return create(AttributeProtoSchema, { name, type: T.GRAPH, g: value });
}

export function node(
  opType: string,
  input: string[],
  output: string[],
  attributes: Record<string, AttributeValue> = {},
  options: { name?: string; domain?: string } = {},
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input,
    output,
    name: options.name ?? `${opType}_${output[0] ?? ''}`,
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
    attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
  });
}

export function graph(parts: {
  name?: string;
  nodes: NodeProto[];
  inputs?: ValueInfoProto[];
  outputs?: ValueInfoProto[];
  initializers?: TensorProto[];
  valueInfo?: ValueInfoProto[];
}): GraphProto {
  return create(GraphProtoSchema, {
    name: parts.name ?? 'g',
    node: parts.nodes,
    input: parts.inputs ?? [],
    output: parts.outputs ?? [],
    initializer: parts.initializers ?? [],
    valueInfo: parts.valueInfo ?? [],
  });
}

export function model(g: GraphProto, options: { opset?: number; irVersion?: number; opsets?: Record<string, number>; functions?: FunctionProto[] } = {}): ModelProto {
  const opsets = options.opsets ?? { '': options.opset ?? 17 };
  return create(ModelProtoSchema, {
    irVersion: BigInt(options.irVersion ?? 8),
    producerName: 'onnx-float16 tests',
    opsetImport: Object.entries(opsets).map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
    graph: g,
    functions: options.functions ?? [],
  });
}

export function fn(name: string, domain: string, input: string[], output: string[], nodes: NodeProto[], opset = 17): FunctionProto {
  return create(FunctionProtoSchema, {
    name,
    domain,
    input,
    output,
    node: nodes,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
  });
}
