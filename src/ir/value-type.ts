/**
 * The type of a value: tensor, sparse tensor, sequence, optional or map, with its element type.
 * Written as the operator documents write them ("tensor(float)", "seq(tensor(int64))",
 * "map(string,tensor(float))"), which is how type constraints are matched.
 *
 * Types made here are interned (one frozen object per type), so a million values of one type
 * share one object and comparing them is usually an identity check; object literals of the
 * same shape still compare equal through their text.
 */
import { dataTypeName, DataType } from '../dtype.js';
import type { TypeProto } from '../proto/onnx.js';

export type ValueType =
  | { readonly kind: 'tensor'; readonly elemType: number }
  | { readonly kind: 'sparse_tensor'; readonly elemType: number }
  | { readonly kind: 'sequence'; readonly elem: ValueType }
  | { readonly kind: 'optional'; readonly elem: ValueType }
  | { readonly kind: 'map'; readonly keyType: number; readonly value: ValueType };

/** Interned types by their text. */
const interned = new Map<string, ValueType>();
/** The text of each interned type (and of literals already formatted once). */
const texts = new WeakMap<ValueType, string>();

/** The one shared object for `type`. */
export function internType(type: ValueType): ValueType {
  const text = formatValueType(type);
  let shared = interned.get(text);
  if (!shared) {
    shared = Object.freeze(type);
    interned.set(text, shared);
    texts.set(shared, text);
  }
  return shared;
}

const tensorTypes: ValueType[] = [];
/** "tensor(float)" and the like by element type: the commonest text, without a lookup by object. */
const tensorTexts: string[] = [];

export function tensorType(elemType: number): ValueType {
  let type = tensorTypes[elemType];
  if (!type) {
    type = tensorTypes[elemType] = internType({ kind: 'tensor', elemType });
    tensorTexts[elemType] = formatValueType(type);
  }
  return type;
}

export function sparseTensorType(elemType: number): ValueType {
  return internType({ kind: 'sparse_tensor', elemType });
}

export function sequenceType(elem: ValueType): ValueType {
  return internType({ kind: 'sequence', elem });
}

export function optionalType(elem: ValueType): ValueType {
  return internType({ kind: 'optional', elem });
}

export function mapType(keyType: number, value: ValueType): ValueType {
  return internType({ kind: 'map', keyType, value });
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
  if (type.kind === 'tensor') {
    const known = tensorTexts[type.elemType];
    if (known !== undefined) return known;
  }
  let text = texts.get(type);
  if (text === undefined) {
    text = typeText(type);
    texts.set(type, text);
  }
  return text;
}

function typeText(type: ValueType): string {
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

const parsed = new Map<string, ValueType | undefined>();

/** Parses a type string; undefined when it is not one (e.g. a type parameter name). */
export function parseValueType(text: string): ValueType | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const type = parseText(text);
  // Schemas and rules spell a bounded set of types; other texts are not kept.
  if (parsed.size < 10_000) parsed.set(text, type);
  return type;
}

function parseText(text: string): ValueType | undefined {
  const match = /^(tensor|sparse_tensor|seq|optional|map)\((.*)\)$/.exec(text.replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, kind, inner] = match as unknown as [string, string, string];
  if (kind === 'tensor' || kind === 'sparse_tensor') {
    const code = DOC_CODES.get(inner);
    return code === undefined ? undefined : kind === 'tensor' ? tensorType(code) : sparseTensorType(code);
  }
  if (kind === 'map') {
    const comma = inner.indexOf(',');
    const keyType = DOC_CODES.get(inner.slice(0, comma));
    const value = parseValueType(inner.slice(comma + 1));
    return keyType === undefined || !value ? undefined : mapType(keyType, value);
  }
  const elem = parseValueType(inner);
  if (!elem) return undefined;
  return kind === 'seq' ? sequenceType(elem) : optionalType(elem);
}

export function sameType(a: ValueType, b: ValueType): boolean {
  return a === b || formatValueType(a) === formatValueType(b);
}

/** The type a TypeProto declares; undefined where the element type is not declared (0). */
export function typeFromProto(type: TypeProto | undefined): ValueType | undefined {
  const value = type?.value;
  switch (value?.case) {
    case 'tensorType':
      return value.value.elemType ? tensorType(value.value.elemType) : undefined;
    case 'sparseTensorType':
      return value.value.elemType ? sparseTensorType(value.value.elemType) : undefined;
    case 'sequenceType': {
      const elem = typeFromProto(value.value.elemType);
      return elem && sequenceType(elem);
    }
    case 'optionalType': {
      const elem = typeFromProto(value.value.elemType);
      return elem && optionalType(elem);
    }
    case 'mapType': {
      const valueType = typeFromProto(value.value.valueType);
      return valueType && value.value.keyType ? mapType(value.value.keyType, valueType) : undefined;
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

/** One dimension: its size, its symbolic name (dim_param), or null where neither is given. */
export type Dim = number | string | null;
/** A tensor's shape, outermost dimension first; shared between the values that have the same one. */
export type Shape = readonly Dim[];

const shapes = new Map<string, Shape>();

/** The one shared, frozen Shape with these dimensions. */
export function internShape(dims: readonly Dim[]): Shape {
  // Numbers and names cannot collide: names are quoted.
  const key = dims.map((d) => (d === null ? '?' : typeof d === 'number' ? String(d) : JSON.stringify(d))).join(',');
  let shape = shapes.get(key);
  if (!shape) {
    shape = Object.freeze([...dims]);
    // Models declare a bounded variety of shapes; an unusual model cannot grow this without bound.
    if (shapes.size < 100_000) shapes.set(key, shape);
  }
  return shape;
}

/** The shape a tensor (or sparse tensor) TypeProto declares; undefined where the rank is unknown or the type is no tensor. */
export function shapeFromProto(type: TypeProto | undefined): Shape | undefined {
  const value = type?.value;
  if (value?.case !== 'tensorType' && value?.case !== 'sparseTensorType') return undefined;
  const shape = value.value.shape;
  if (!shape) return undefined;
  return internShape(shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null)));
}
