/**
 * Editing the IR: the few operations passes need, so that none of them builds NodeProtos or
 * rewires inputs by hand. Creating a one-output node (a Cast in particular), moving the uses of
 * a value to another, and placing new nodes right after the value they read, batched so that
 * inserting thousands of nodes stays one pass per graph.
 */
import { create } from '@bufbuild/protobuf';
import { dataTypeName } from '../dtype.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, NodeProtoSchema, type AttributeProto } from '../proto/onnx.js';
import { withFields } from '../proto/message-copy.js';
import type { Graph, Port } from './graph.js';
import { graphTree } from './model.js';
import { Node } from './node.js';
import type { Use, Value } from './value.js';
import { tensorType, type ValueType } from './value-type.js';

export interface NewNode {
  readonly opType: string;
  /** "" (the default) for ONNX operators. */
  readonly domain?: string;
  /** The node's name (allocate it first: it must be unique in the model). */
  readonly name: string;
  readonly inputs: readonly (Value | undefined)[];
  readonly attributes?: readonly AttributeProto[];
  /** The name of the one output, defined in the node's graph (allocate it first). */
  readonly output: string;
  /** The output's type, when known. */
  readonly type?: ValueType;
}

const NODE_TEMPLATE = create(NodeProtoSchema);

/** Creates a node with one output in `graph`. It is not placed in `graph.nodes`: push it, or use `NodePlacement`. */
export function createNode(graph: Graph, spec: NewNode): Node {
  const fields: { opType: string; name: string; attribute: AttributeProto[]; domain?: string } = {
    opType: spec.opType,
    name: spec.name,
    attribute: spec.attributes ? [...spec.attributes] : [],
  };
  if (spec.domain) fields.domain = spec.domain;
  const node = new Node(withFields(NODE_TEMPLATE, fields), graph);
  spec.inputs.forEach((input, i) => node.setInput(i, input));
  const output = graph.define(spec.output);
  output.type = spec.type;
  node.setOutput(0, output);
  return node;
}

/**
 * Creates `Cast(source) -> output` to `elemType` in `graph` (the node is not placed; see createNode).
 * `opset` is the default-domain opset of the graph: Cast-1 spells `to` as a type name.
 */
export function createCast(graph: Graph, source: Value, elemType: number, opset: number, names: { node: string; output: string }): Node {
  return createNode(graph, {
    opType: 'Cast',
    name: names.node,
    inputs: [source],
    attributes: [castToAttribute(elemType, opset)],
    output: names.output,
    type: tensorType(elemType),
  });
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

/** Moves the uses of `value` (node inputs at any depth) that `accept` allows to `replacement`. */
export function replaceAllUses(value: Value, replacement: Value, accept?: (use: Use) => boolean): void {
  for (const use of [...value.uses]) {
    if (!accept || accept(use)) use.node.setInput(use.index, replacement);
  }
}

/** Graph outputs naming `value`: those of its own graph and of the subgraphs that capture it. */
export function outputPortsOf(value: Value): Port[] {
  const ports: Port[] = [];
  for (const graph of graphTree(value.graph)) for (const port of graph.outputs) if (port.value === value) ports.push(port);
  return ports;
}

/**
 * New nodes waiting for their place: each goes right after the node producing the value it
 * follows (in the order they were added), or at the start of its graph when that value is not
 * produced there (graph inputs, initializers, outer values). `place` writes one graph's order.
 */
export class NodePlacement {
  readonly #after = new Map<Node | Graph, Node[]>();

  /** Queues `node` (of `node.graph`) to sit right after `value` is available in that graph. */
  insertAfter(value: Value | undefined, node: Node): void {
    const graph = node.graph;
    const anchor = value?.producer && value.producer.graph === graph ? value.producer : graph;
    const list = this.#after.get(anchor);
    if (list) list.push(node);
    else this.#after.set(anchor, [node]);
  }

  /** Puts the queued nodes of `graph` in place. */
  place(graph: Graph): void {
    if (this.#after.size === 0) return;
    const nodes = [...(this.#after.get(graph) ?? [])];
    for (const node of graph.nodes) {
      nodes.push(node);
      const after = this.#after.get(node);
      if (after) for (const added of after) nodes.push(added);
    }
    // Element by element: spreading 100k+ nodes into push() overflows the stack.
    graph.nodes.length = nodes.length;
    for (let i = 0; i < nodes.length; i++) graph.nodes[i] = nodes[i]!;
  }
}
