/** Retyping values from float32 to the target type, inside containers too. */
import { DataType } from '../dtype.js';
import { formatValueType, type ValueType } from '../ir/value-type.js';

/** True when the type holds float32 elements (a tensor, or a sequence/optional/map of them). */
export function isFloat32Bearing(type: ValueType | undefined): boolean {
  if (!type) return false;
  switch (type.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return type.elemType === DataType.FLOAT;
    case 'sequence':
    case 'optional':
      return isFloat32Bearing(type.elem);
    case 'map':
      return isFloat32Bearing(type.value);
  }
}

/** The type with its float32 elements replaced by `target`. */
export function retype(type: ValueType, target: number): ValueType {
  switch (type.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return type.elemType === DataType.FLOAT ? { kind: type.kind, elemType: target } : type;
    case 'sequence':
    case 'optional':
      return { kind: type.kind, elem: retype(type.elem, target) };
    case 'map':
      return { kind: 'map', keyType: type.keyType, value: retype(type.value, target) };
  }
}

export function sameValueType(a: ValueType | undefined, b: ValueType | undefined): boolean {
  if (!a || !b) return a === b;
  return formatValueType(a) === formatValueType(b);
}

/** A plain tensor type (what a Cast can produce). */
export function isTensor(type: ValueType | undefined): type is { kind: 'tensor'; elemType: number } {
  return type?.kind === 'tensor';
}
