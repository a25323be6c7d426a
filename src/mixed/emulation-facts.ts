/**
 * The few operator facts the float16 emulation needs beyond the conversion's plan, in one place
 * (they mirror the converter's own tables; re-point them when those become one shared table).
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { TensorProtoSchema, type TensorProto } from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';
import { normalizeDomain } from '../schema/op-schema.js';

/** Attributes that type an op's float output (RandomNormal dtype, HannWindow output_datatype, ...). */
export const DTYPE_ATTRIBUTES: readonly string[] = ['dtype', 'output_datatype'];

/** Control-flow ops: their bodies' nodes are candidates, the ops themselves are not (as in the Python tool). */
export function isControlFlow(node: Node): boolean {
  return normalizeDomain(node.domain) === '' && (node.opType === 'If' || node.opType === 'Loop' || node.opType === 'Scan');
}

/** A Constant node: its value follows its consumers, so the search never blocks it on its own. */
export function isConstantNode(node: Node): boolean {
  return normalizeDomain(node.domain) === '' && node.opType === 'Constant';
}

/**
 * How the conversion makes a value low precision: 'constant' when it converts the tensor data
 * itself (clipped to minPositiveVal/maxFiniteVal, then rounded): initializers, Constant values and
 * ConstantOfShape fill values; 'cast' (a runtime Cast, no clipping) for everything else.
 */
export function constantProducerOf(value: Value): 'initializer' | 'Constant' | 'ConstantOfShape' | undefined {
  if (value.initializer && !value.graph.inputs.some((port) => port.value === value)) return 'initializer';
  const producer = value.producer;
  if (!producer || normalizeDomain(producer.domain) !== '') return undefined;
  if (producer.opType === 'Constant' && constantNodeTensor(producer)) return 'Constant';
  if (producer.opType === 'ConstantOfShape' && findAttribute(producer.proto, 'value')?.t?.dataType === DataType.FLOAT) return 'ConstantOfShape';
  return undefined;
}

/** The float32 tensor a Constant node holds (`value`, `value_float` or `value_floats`). */
export function constantNodeTensor(node: Node): TensorProto | undefined {
  const value = findAttribute(node.proto, 'value');
  if (value?.t) return value.t.dataType === DataType.FLOAT ? value.t : undefined;
  const single = findAttribute(node.proto, 'value_float');
  if (single) return create(TensorProtoSchema, { dataType: DataType.FLOAT, floatData: [single.f] });
  const list = findAttribute(node.proto, 'value_floats');
  if (list) return create(TensorProtoSchema, { dataType: DataType.FLOAT, dims: [BigInt(list.floats.length)], floatData: [...list.floats] });
  return undefined;
}
