/**
 * Visits every TensorProto a model holds: graph initializers, sparse initializers, node
 * attributes (Constant values, tensor lists), subgraphs at any depth, functions and training
 * graphs. `mapTensors` rebuilds only the path to each replaced tensor, so the input is never
 * mutated and untouched parts are shared.
 */
import type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  SparseTensorProto,
  TensorProto,
  TrainingInfoProto,
} from './onnx.js';
import { withFields } from './message-copy.js';

/** Where a tensor sits: an initializer of a graph, or inside a node attribute. */
export type TensorRole = 'initializer' | 'attribute' | 'sparse';

export type TensorVisitor = (tensor: TensorProto, role: TensorRole) => void;
/** Returns the tensor to put in place of `tensor` (itself to keep it). */
export type TensorMapper = (tensor: TensorProto, role: TensorRole) => TensorProto;

export function forEachTensor(model: ModelProto, visit: TensorVisitor): void {
  mapTensors(model, (tensor, role) => {
    visit(tensor, role);
    return tensor;
  });
}

/** A model where each tensor is replaced by `map(tensor)`; the same object when nothing changed. */
export function mapTensors(model: ModelProto, map: TensorMapper): ModelProto {
  const graph = model.graph && mapGraph(model.graph, map);
  const functions = mapList(model.functions, (f) => mapFunction(f, map));
  const trainingInfo = mapList(model.trainingInfo, (t) => mapTraining(t, map));
  if (graph === model.graph && functions === model.functions && trainingInfo === model.trainingInfo) return model;
  return withFields(model, { graph, functions, trainingInfo });
}

function mapGraph(graph: GraphProto, map: TensorMapper): GraphProto {
  const initializer = mapList(graph.initializer, (t) => map(t, 'initializer'));
  const sparseInitializer = mapList(graph.sparseInitializer, (s) => mapSparse(s, map));
  const node = mapList(graph.node, (n) => mapNode(n, map));
  if (initializer === graph.initializer && sparseInitializer === graph.sparseInitializer && node === graph.node) return graph;
  return withFields(graph, { initializer, sparseInitializer, node });
}

function mapNode(node: NodeProto, map: TensorMapper): NodeProto {
  const attribute = mapList(node.attribute, (a) => mapAttribute(a, map));
  return attribute === node.attribute ? node : withFields(node, { attribute });
}

function mapAttribute(attr: AttributeProto, map: TensorMapper): AttributeProto {
  const t = attr.t && map(attr.t, 'attribute');
  const g = attr.g && mapGraph(attr.g, map);
  const sparseTensor = attr.sparseTensor && mapSparse(attr.sparseTensor, map);
  const tensors = mapList(attr.tensors, (x) => map(x, 'attribute'));
  const graphs = mapList(attr.graphs, (x) => mapGraph(x, map));
  const sparseTensors = mapList(attr.sparseTensors, (x) => mapSparse(x, map));
  if (
    t === attr.t &&
    g === attr.g &&
    sparseTensor === attr.sparseTensor &&
    tensors === attr.tensors &&
    graphs === attr.graphs &&
    sparseTensors === attr.sparseTensors
  ) {
    return attr;
  }
  return withFields(attr, { t, g, sparseTensor, tensors, graphs, sparseTensors });
}

function mapSparse(sparse: SparseTensorProto, map: TensorMapper): SparseTensorProto {
  const values = sparse.values && map(sparse.values, 'sparse');
  const indices = sparse.indices && map(sparse.indices, 'sparse');
  if (values === sparse.values && indices === sparse.indices) return sparse;
  return withFields(sparse, { values, indices });
}

function mapFunction(fn: FunctionProto, map: TensorMapper): FunctionProto {
  const node = mapList(fn.node, (n) => mapNode(n, map));
  return node === fn.node ? fn : withFields(fn, { node });
}

function mapTraining(info: TrainingInfoProto, map: TensorMapper): TrainingInfoProto {
  const initialization = info.initialization && mapGraph(info.initialization, map);
  const algorithm = info.algorithm && mapGraph(info.algorithm, map);
  if (initialization === info.initialization && algorithm === info.algorithm) return info;
  return withFields(info, { initialization, algorithm });
}

function mapList<T>(list: T[], map: (item: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const mapped = map(list[i]!);
    if (mapped !== list[i] && !out) out = list.slice(0, i);
    if (out) out.push(mapped);
  }
  return out ?? list;
}
