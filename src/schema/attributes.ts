/** Reading node attributes by name, with the types ONNX gives them. */
import { parseDataType } from '../dtype.js';
import { AttributeProto_AttributeType, type AttributeProto, type NodeProto } from '../proto/onnx.js';

export function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** An INT attribute as a number, or `fallback` when absent. */
export function intAttribute(node: NodeProto, name: string, fallback: number): number;
export function intAttribute(node: NodeProto, name: string): number | undefined;
export function intAttribute(node: NodeProto, name: string, fallback?: number): number | undefined {
  const attr = findAttribute(node, name);
  return attr ? Number(attr.i) : fallback;
}

/** Cast's `to`: an INT since opset 6, a type name ("FLOAT16") in Cast-1. 0 when absent or unknown. */
export function castTarget(node: NodeProto): number {
  const attr = findAttribute(node, 'to');
  if (!attr) return 0;
  if (attr.type === AttributeProto_AttributeType.STRING) return parseDataType(new TextDecoder().decode(attr.s)) ?? 0;
  return Number(attr.i);
}
