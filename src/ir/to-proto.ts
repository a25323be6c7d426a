/**
 * IR -> ModelProto. Each graph's nodes are written in topological order (subgraph captures
 * count as dependencies); names come from the Values; every field the IR does not model is
 * carried over from the proto it came from. Unchanged messages are shared, not copied.
 */
import { create } from '@bufbuild/protobuf';
import {
  FunctionProtoSchema,
  GraphProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../proto/onnx.js';
import { withFields } from '../proto/message-copy.js';
import type { Graph, Port } from './graph.js';
import type { Model } from './model.js';
import type { Node } from './node.js';
import { topologicalOrder } from './topological-order.js';
import type { Value } from './value.js';

/** The ModelProto of an IR model. */
export function modelToProto(model: Model): ModelProto {
  const graph = model.graph && graphToProto(model.graph);
  const functions = model.functions.map((fn) =>
    withFields(fn.proto ?? create(FunctionProtoSchema), {
      input: fn.body.inputs.map((port) => port.value.name),
      output: fn.body.outputs.map((port) => port.value.name),
      node: topologicalOrder(fn.body).map(nodeToProto),
      valueInfo: fn.body.valueInfo.map(portToProto),
    }),
  );
  return withFields(model.proto, { graph, functions });
}

export function graphToProto(graph: Graph): GraphProto {
  return withFields(graph.proto ?? create(GraphProtoSchema), {
    node: topologicalOrder(graph).map(nodeToProto),
    initializer: graph.initializers.map(initializerToProto),
    input: graph.inputs.map(portToProto),
    output: graph.outputs.map(portToProto),
    valueInfo: graph.valueInfo.map(portToProto),
  });
}

function nodeToProto(node: Node): NodeProto {
  const proto = node.proto;
  const inputsSame = sameNames(node.inputs, proto.input);
  const outputsSame = sameNames(node.outputs, proto.output);
  // An unchanged node without subgraphs is its proto, shared as other unchanged messages are.
  if (inputsSame && outputsSame && node.subgraphs.size === 0) return proto;
  return withFields(proto, {
    input: inputsSame ? proto.input : node.inputs.map(nameOf),
    output: outputsSame ? proto.output : node.outputs.map(nameOf),
    attribute: node.subgraphs.size === 0 ? proto.attribute : proto.attribute.map((attr) => attributeToProto(node, attr)),
  });
}

function attributeToProto(node: Node, attr: AttributeProto): AttributeProto {
  const sub = node.subgraphs.get(attr.name);
  if (!sub) return attr;
  return Array.isArray(sub) ? withFields(attr, { graphs: sub.map(graphToProto) }) : withFields(attr, { g: graphToProto(sub) });
}

function initializerToProto(value: Value): TensorProto {
  const tensor = value.initializer!;
  return tensor.name === value.name ? tensor : withFields(tensor, { name: value.name });
}

function portToProto(port: Port): ValueInfoProto {
  const info = port.info ?? create(ValueInfoProtoSchema, { name: port.value.name });
  return info.name === port.value.name ? info : withFields(info, { name: port.value.name });
}

function nameOf(value: Value | undefined): string {
  return value ? value.name : '';
}

function sameNames(values: readonly (Value | undefined)[], names: readonly string[]): boolean {
  if (values.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (nameOf(values[i]) !== names[i]) return false;
  return true;
}
