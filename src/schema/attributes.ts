/** Reading node attributes by name, with the types ONNX gives them. */
import type { AttributeProto, NodeProto } from '../proto/onnx.js';

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
