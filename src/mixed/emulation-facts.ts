/**
 * The operator questions the float16 emulation asks beyond the conversion's plan, answered from
 * the conversion's own table of operator facts (schema/op-facts.ts), so the two cannot drift.
 */
import { DataType } from '../dtype.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { findAttribute } from '../schema/attributes.js';
import { isDefaultDomain } from '../ir/domain.js';
import { DTYPE_ATTRIBUTE_NAMES, opFacts } from '../schema/op-facts.js';
import { constantNodeTensor } from '../convert/constant-data.js';

/** Attributes that type an op's float output (RandomNormal dtype, HannWindow output_datatype, ...). */
export const DTYPE_ATTRIBUTES: readonly string[] = DTYPE_ATTRIBUTE_NAMES;

/** Control-flow ops: their bodies' nodes are candidates, the ops themselves are not (as in the Python tool). */
export function isControlFlow(node: Node): boolean {
  return opFacts(node.domain, node.opType).controlFlow === true;
}

/** A Constant node: its value follows its consumers, so the search never blocks it on its own. */
export function isConstantNode(node: Node): boolean {
  return isDefaultDomain(node.domain) && node.opType === 'Constant';
}

/**
 * How the conversion makes a value low precision: 'constant' when it converts the tensor data
 * itself (clipped to minPositiveVal/maxFiniteVal, then rounded): initializers, Constant values and
 * ConstantOfShape fill values; 'cast' (a runtime Cast, no clipping) for everything else.
 */
export function constantProducerOf(value: Value): 'initializer' | 'Constant' | 'ConstantOfShape' | undefined {
  if (value.isConstantInitializer) return 'initializer';
  const producer = value.producer;
  if (!producer || !isDefaultDomain(producer.domain)) return undefined;
  if (producer.opType === 'Constant' && constantNodeTensor(producer)) return 'Constant';
  if (producer.opType === 'ConstantOfShape' && findAttribute(producer.proto, 'value')?.t?.dataType === DataType.FLOAT) return 'ConstantOfShape';
  return undefined;
}

