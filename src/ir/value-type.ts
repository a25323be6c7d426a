/**
 * The type of a value: tensor, sparse tensor, sequence, optional or map, with its element type.
 * Written as the operator documents write them ("tensor(float)", "seq(tensor(int64))",
 * "map(string,tensor(float))"), which is how type constraints are matched.
 */
import { dataTypeName, DataType } from '../dtype.js';
import type { TypeProto } from '../proto/onnx.js';

export type ValueType =
  | { readonly kind: 'tensor'; readonly elemType: number }
  | { readonly kind: 'sparse_tensor'; readonly elemType: number }
  | { readonly kind: 'sequence'; readonly elem: ValueType }
  | { readonly kind: 'optional'; readonly elem: ValueType }
  | { readonly kind: 'map'; readonly keyType: number; readonly value: ValueType };

export function tensorType(elemType: number): ValueType {
  return { kind: 'tensor', elemType };
}

/** Element type names as the operator documents spell them. */
const DOC_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float',
  [DataType.DOUBLE]: 'double',
  [DataType.FLOAT16]: 'float16',
  [DataType.BFLOAT16]: 'bfloat16',
  [DataType.INT8]: 'int8',
  [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.UINT8]: 'uint8',
  [DataType.UINT16]: 'uint16',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
  [DataType.STRING]: 'string',
  [DataType.COMPLEX64]: 'complex64',
  [DataType.COMPLEX128]: 'complex128',
  [DataType.FLOAT8E4M3FN]: 'float8e4m3fn',
  [DataType.FLOAT8E4M3FNUZ]: 'float8e4m3fnuz',
  [DataType.FLOAT8E5M2]: 'float8e5m2',
  [DataType.FLOAT8E5M2FNUZ]: 'float8e5m2fnuz',
  [DataType.UINT4]: 'uint4',
  [DataType.INT4]: 'int4',
  [DataType.FLOAT4E2M1]: 'float4e2m1',
  [DataType.FLOAT8E8M0]: 'float8e8m0',
  [DataType.UINT2]: 'uint2',
  [DataType.INT2]: 'int2',
};
const DOC_CODES = new Map(Object.entries(DOC_NAMES).map(([code, name]) => [name, Number(code)]));

/** "tensor(float)", "seq(tensor(int64))", "optional(seq(tensor(float)))", "map(int64,tensor(float))". */
export function formatValueType(type: ValueType): string {
  switch (type.kind) {
    case 'tensor':
      return `tensor(${DOC_NAMES[type.elemType] ?? dataTypeName(type.elemType).toLowerCase()})`;
    case 'sparse_tensor':
      return `sparse_tensor(${DOC_NAMES[type.elemType] ?? dataTypeName(type.elemType).toLowerCase()})`;
    case 'sequence':
      return `seq(${formatValueType(type.elem)})`;
    case 'optional':
      return `optional(${formatValueType(type.elem)})`;
    case 'map':
      return `map(${DOC_NAMES[type.keyType] ?? dataTypeName(type.keyType).toLowerCase()},${formatValueType(type.value)})`;
  }
}

/** Parses a type string; undefined when it is not one (e.g. a type parameter name). */
export function parseValueType(text: string): ValueType | undefined {
  const match = /^(tensor|sparse_tensor|seq|optional|map)\((.*)\)$/.exec(text.replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, kind, inner] = match as unknown as [string, string, string];
  if (kind === 'tensor' || kind === 'sparse_tensor') {
    const code = DOC_CODES.get(inner);
    return code === undefined ? undefined : { kind, elemType: code };
  }
  if (kind === 'map') {
    const comma = inner.indexOf(',');
    const keyType = DOC_CODES.get(inner.slice(0, comma));
    const value = parseValueType(inner.slice(comma + 1));
    return keyType === undefined || !value ? undefined : { kind: 'map', keyType, value };
  }
  const elem = parseValueType(inner);
  if (!elem) return undefined;
  return kind === 'seq' ? { kind: 'sequence', elem } : { kind: 'optional', elem };
}

export function sameType(a: ValueType, b: ValueType): boolean {
  return formatValueType(a) === formatValueType(b);
}

/** The type a TypeProto declares; undefined where the element type is not declared (0). */
export function typeFromProto(type: TypeProto | undefined): ValueType | undefined {
  const value = type?.value;
  switch (value?.case) {
    case 'tensorType':
      return value.value.elemType ? { kind: 'tensor', elemType: value.value.elemType } : undefined;
    case 'sparseTensorType':
      return value.value.elemType ? { kind: 'sparse_tensor', elemType: value.value.elemType } : undefined;
    case 'sequenceType': {
      const elem = typeFromProto(value.value.elemType);
      return elem && { kind: 'sequence', elem };
    }
    case 'optionalType': {
      const elem = typeFromProto(value.value.elemType);
      return elem && { kind: 'optional', elem };
    }
    case 'mapType': {
      const valueType = typeFromProto(value.value.valueType);
      return valueType && value.value.keyType ? { kind: 'map', keyType: value.value.keyType, value: valueType } : undefined;
    }
    default:
      return undefined;
  }
}

/** The innermost tensor element type (of a tensor, or of a sequence/optional of tensors). */
export function elementTypeOf(type: ValueType | undefined): number | undefined {
  if (!type) return undefined;
  switch (type.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return type.elemType;
    case 'sequence':
    case 'optional':
      return elementTypeOf(type.elem);
    case 'map':
      return undefined;
  }
}
