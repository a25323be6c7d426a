/** Reading node attributes by name, with the types ONNX gives them. */
import { create } from '@bufbuild/protobuf';
import { dataTypeName, parseDataType } from '../dtype.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, type AttributeProto, type NodeProto } from '../proto/onnx.js';

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

/** The `to` attribute of a Cast to `elemType`, in the form the opset expects. */
export function castToAttribute(elemType: number, opset: number): AttributeProto {
  const key = `${elemType}:${opset < 6 ? 'string' : 'int'}`;
  let attribute = castAttributes.get(key);
  if (!attribute) {
    attribute =
      opset < 6
        ? create(AttributeProtoSchema, { name: 'to', type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(dataTypeName(elemType)) })
        : create(AttributeProtoSchema, { name: 'to', type: AttributeProto_AttributeType.INT, i: BigInt(elemType) });
    castAttributes.set(key, attribute);
  }
  return attribute;
}

/** Shared, never mutated: the same `to` attribute serves every Cast to one type. */
const castAttributes = new Map<string, AttributeProto>();
