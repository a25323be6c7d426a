/**
 * Right after decoding, copies the short repeated fields of the messages a model has by the
 * thousand (node inputs and outputs, tensor dims, shape dims) into lists of their exact size.
 * The decoder grows each list from empty by pushing, and V8 then reserves room for 17 elements:
 * about 150 bytes for a one-name list, most of a Relu node's memory. The copies are equal lists.
 */
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto, ValueInfoProto } from './onnx.js';

/** `mainNodesDone`: the main graph's nodes are compact already (decoded node by node). */
export function compactRepeatedFields(model: ModelProto, mainNodesDone = false): void {
  if (model.graph) compactGraph(model.graph, !mainNodesDone);
  for (const fn of model.functions) compactFunction(fn);
  for (const info of model.trainingInfo) {
    if (info.initialization) compactGraph(info.initialization);
    if (info.algorithm) compactGraph(info.algorithm);
  }
}

function compactGraph(graph: GraphProto, nodes = true): void {
  if (nodes) for (const node of graph.node) compactNode(node);
  for (const tensor of graph.initializer) compactTensor(tensor);
  for (const list of [graph.input, graph.output, graph.valueInfo]) for (const info of list) compactValueInfo(info);
}

function compactFunction(fn: FunctionProto): void {
  for (const node of fn.node) compactNode(node);
  for (const info of fn.valueInfo) compactValueInfo(info);
}

/** Operator names are few: one string each, not one per node. */
const opTypes = new Map<string, string>();

/** The one string kept for an operator name (up to 10,000 names; others are their own). */
export function internOpType(opType: string): string {
  const known = opTypes.get(opType);
  if (known !== undefined) return known;
  if (opTypes.size < 10_000) opTypes.set(opType, opType);
  return opType;
}

export function compactNode(node: NodeProto): void {
  if (Object.hasOwn(node, 'opType')) node.opType = internOpType(node.opType);
  if (node.input.length > 0) node.input = node.input.slice();
  if (node.output.length > 0) node.output = node.output.slice();
  for (const attr of node.attribute) compactAttribute(attr);
}

function compactAttribute(attr: AttributeProto): void {
  if (attr.t) compactTensor(attr.t);
  if (attr.g) compactGraph(attr.g);
  for (const g of attr.graphs) compactGraph(g);
}

function compactTensor(tensor: TensorProto): void {
  if (tensor.dims.length > 0) tensor.dims = tensor.dims.slice();
}

function compactValueInfo(info: ValueInfoProto): void {
  compactType(info.type);
}

function compactType(type: TypeProto | undefined): void {
  const value = type?.value;
  switch (value?.case) {
    case 'tensorType':
    case 'sparseTensorType': {
      const shape = value.value.shape;
      if (shape && shape.dim.length > 0) shape.dim = shape.dim.slice();
      return;
    }
    case 'sequenceType':
    case 'optionalType':
      compactType(value.value.elemType);
      return;
    case 'mapType':
      compactType(value.value.valueType);
      return;
    default:
      return;
  }
}
