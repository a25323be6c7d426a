/**
 * ModelProto -> IR. Each graph first defines every name it owns (initializers, inputs, node
 * outputs), then resolves node inputs through its scope chain, then builds its subgraphs, so
 * references resolve whatever the node order, and a name a subgraph captures is the outer Value
 * itself. An empty name is an omitted optional input or output. A name nothing defines becomes
 * an unresolved Value, kept so the model round-trips as found.
 */
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../proto/onnx.js';
import { Graph, type GraphKind, type Port } from './graph.js';
import { Model, type ModelFunction } from './model.js';
import { Node } from './node.js';
import { nextValueId, type Value } from './value.js';
import { internShape, shapeFromProto } from './value-type.js';

/** Builds the IR of a model. The ModelProto is not modified; the IR shares its sub-messages. */
export function modelFromProto(proto: ModelProto): Model {
  const firstValueId = nextValueId();
  const graph = proto.graph && graphFromProto(proto.graph, 'main', undefined, undefined, '');
  const functions = proto.functions.map((fn) => functionFromProto(fn));
  return new Model(proto, graph, functions, firstValueId);
}

function functionFromProto(proto: FunctionProto): ModelFunction {
  const path = `function:${proto.domain ? `${proto.domain}.` : ''}${proto.name}${proto.overload ? `:${proto.overload}` : ''}`;
  const body = new Graph('function', undefined, undefined, undefined, path);
  for (const name of proto.input) body.inputs.push({ value: body.define(name), info: undefined });
  buildNodes(body, proto.node);
  for (const name of proto.output) body.outputs.push({ value: resolve(body, name), info: undefined });
  for (const info of proto.valueInfo) body.valueInfo.push(portFor(body, info));
  return { proto, body };
}

export function graphFromProto(proto: GraphProto, kind: GraphKind, parent: Graph | undefined, ownerNode: Node | undefined, path: string): Graph {
  const graph = new Graph(kind, proto, parent, ownerNode, path);
  for (const tensor of proto.initializer) {
    const value = graph.define(tensor.name);
    value.initializer = tensor;
    graph.initializers.push(value);
  }
  for (const sparse of proto.sparseInitializer) {
    const name = sparse.values?.name ?? '';
    if (name) graph.define(name).sparseInitializer = sparse;
  }
  for (const info of proto.input) {
    // IR < 4 lists initializers as graph inputs too: the input is that same value.
    const existing = graph.localValue(info.name);
    graph.inputs.push({ value: existing?.initializer ? existing : graph.define(info.name), info });
  }
  buildNodes(graph, proto.node);
  for (const info of proto.output) graph.outputs.push(portFor(graph, info));
  for (const info of proto.valueInfo) graph.valueInfo.push(portFor(graph, info));
  declareShapes(graph);
  return graph;
}

function buildNodes(graph: Graph, protos: readonly NodeProto[]): void {
  // Every output is defined before any input is resolved, so the node order does not matter.
  const nodes = protos.map((proto) => {
    const node = new Node(proto, graph);
    node.setOutputSlots(proto.output.map((name) => (name === '' ? undefined : graph.define(name))));
    return node;
  });
  for (const node of nodes) node.setInputSlots(node.proto.input.map((name) => (name === '' ? undefined : resolve(graph, name))));
  // The list map() sized exactly becomes the graph's (a function body's or subgraph's is empty until now).
  if (graph.nodes.length === 0) graph.nodes = nodes;
  else for (const node of nodes) graph.nodes.push(node);
  nodes.forEach((node, index) => {
    for (const attr of node.proto.attribute) buildSubgraphs(node, attr, index);
  });
}

function buildSubgraphs(node: Node, attr: AttributeProto, index: number): void {
  const base = `${node.graph.path ? `${node.graph.path}/` : ''}${node.name || `#${index}`}/${attr.name}`;
  if (attr.g) {
    node.setSubgraphs(attr.name, graphFromProto(attr.g, 'subgraph', node.graph, node, base));
  } else if (attr.graphs.length > 0) {
    node.setSubgraphs(
      attr.name,
      attr.graphs.map((g, i) => graphFromProto(g, 'subgraph', node.graph, node, `${base}[${i}]`)),
    );
  }
}

/** The value a name refers to in `graph`; an unresolved one is defined in the outermost graph. */
function resolve(graph: Graph, name: string): Value {
  const found = graph.lookup(name);
  if (found) return found;
  return graph.root.define(name);
}

/** Gives values the shapes the graph declares: an initializer's dims first, then inputs, outputs and value_info, the first declaration with a rank winning. */
function declareShapes(graph: Graph): void {
  for (const value of graph.initializers) value.shape = internShape(value.initializer!.dims.map(Number));
  for (const ports of [graph.inputs, graph.outputs, graph.valueInfo]) {
    for (const port of ports) if (port.value.shape === undefined) port.value.shape = shapeFromProto(port.info?.type);
  }
}

function portFor(graph: Graph, info: ValueInfoProto): Port {
  return { value: resolve(graph, info.name), info };
}
