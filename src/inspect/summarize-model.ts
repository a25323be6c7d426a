/**
 * What a user looks at before and after converting: versions, opsets, operator histogram,
 * graph inputs/outputs with types and shapes, initializers by data type, external data files.
 * Pure data, computed from a ModelProto; the CLI prints it as text or JSON.
 */
import { dataTypeBits, dataTypeName } from '../dtype.js';
import { normalizeDomain } from '../ir/domain.js';
import { internShape, shapeFromProto, type Shape } from '../ir/value-type.js';
import { TensorProto_DataLocation, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type TypeProto, type ValueInfoProto } from '../proto/onnx.js';
import { tensorPayload } from '../proto/payload.js';
import { forEachTensor } from '../proto/tensor-walk.js';

export interface TensorTypeSummary {
  name: string;
  /** "tensor", "sequence", "map", "optional", "sparse_tensor", or null when undeclared. */
  kind: string | null;
  /** TensorProto.DataType name ("FLOAT"), or null when not declared. */
  elemType: string | null;
  /** Dimensions: a number, a symbolic name, or null for an unknown dimension; null for an unknown rank. */
  shape: (number | string | null)[] | null;
}

export interface TensorGroupSummary {
  count: number;
  bytes: number;
  byType: { elemType: string; count: number; bytes: number }[];
}

export interface ModelSummary {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: { name: string; version: string };
  domain: string;
  modelVersion: number;
  graphName: string;
  /** Nodes of the main graph and all its subgraphs (function bodies not included). */
  nodeCount: number;
  /** Nodes in model-local function bodies. */
  functionNodeCount: number;
  subgraphCount: number;
  functions: { domain: string; name: string; nodeCount: number }[];
  /** Operator histogram over the main graph and its subgraphs, most frequent first. */
  ops: { domain: string; opType: string; count: number }[];
  inputs: TensorTypeSummary[];
  outputs: TensorTypeSummary[];
  initializers: TensorGroupSummary;
  /** Tensors held in node attributes (Constant values and the like), subgraphs included. */
  constants: TensorGroupSummary;
  externalData: { location: string; tensors: number; bytes: number }[];
  metadata: { key: string; value: string }[];
}

export function summarizeModel(proto: ModelProto): ModelSummary {
  // Walks the protos: an IR of a million-node model would cost more than the summary it serves.
  const ops = new Map<string, { domain: string; opType: string; count: number }>();
  let nodeCount = 0;
  let subgraphCount = 0;
  if (proto.graph) {
    forEachNodeList(proto.graph.node, (nodes, subgraph) => {
      if (subgraph) subgraphCount++;
      for (const node of nodes) {
        nodeCount++;
        const domain = normalizeDomain(node.domain);
        const key = `${domain}\u0000${node.opType}`;
        const entry = ops.get(key) ?? { domain, opType: node.opType, count: 0 };
        entry.count++;
        ops.set(key, entry);
      }
    });
  }
  const functions = proto.functions.map((fn) => {
    let count = 0;
    forEachNodeList(fn.node, (nodes) => (count += nodes.length));
    return { domain: fn.domain, name: fn.name, nodeCount: count };
  });

  const initializerNames = new Set(proto.graph?.initializer.map((t) => t.name));
  const ports = proto.graph ? declaredPorts(proto.graph) : { inputs: [], outputs: [] };
  return {
    irVersion: Number(proto.irVersion),
    opsets: proto.opsetImport.map((o) => ({ domain: o.domain, version: Number(o.version) })),
    producer: { name: proto.producerName, version: proto.producerVersion },
    domain: proto.domain,
    modelVersion: Number(proto.modelVersion),
    graphName: proto.graph?.name ?? '',
    nodeCount,
    functionNodeCount: functions.reduce((n, f) => n + f.nodeCount, 0),
    subgraphCount,
    functions,
    ops: [...ops.values()].sort((a, b) => b.count - a.count || a.opType.localeCompare(b.opType)),
    inputs: ports.inputs.filter((port) => !initializerNames.has(port.info.name)).map(summarizePort),
    outputs: ports.outputs.map(summarizePort),
    initializers: summarizeTensors(proto, 'initializer'),
    constants: summarizeTensors(proto, 'attribute'),
    externalData: summarizeExternalData(proto),
    metadata: proto.metadataProps.map((p) => ({ key: p.key, value: p.value })),
  };
}


/**
 * A node list and those of all subgraphs nested in it, parents first and children in node and
 * attribute order, as the IR's graphTree visits them (a later graph attribute of the same name
 * takes an earlier one's place, as in the IR).
 */
function forEachNodeList(root: readonly NodeProto[], visit: (nodes: readonly NodeProto[], subgraph: boolean) => void): void {
  const stack: { nodes: readonly NodeProto[]; subgraph: boolean }[] = [{ nodes: root, subgraph: false }];
  while (stack.length > 0) {
    const { nodes, subgraph } = stack.pop()!;
    visit(nodes, subgraph);
    const children: GraphProto[] = [];
    for (const node of nodes) {
      if (node.attribute.length === 0) continue;
      const byName = new Map<string, readonly GraphProto[]>();
      for (const attr of node.attribute) {
        if (attr.g) byName.set(attr.name, [attr.g]);
        else if (attr.graphs.length > 0) byName.set(attr.name, attr.graphs);
      }
      for (const graphs of byName.values()) children.push(...graphs);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ nodes: children[i]!.node, subgraph: true });
  }
}

/** A main graph input or output with what the IR would know of its value: the shape declared for it. */
interface DeclaredPort {
  info: ValueInfoProto;
  value: { shape: Shape | undefined };
}

/**
 * The main graph's inputs and outputs with their values' shapes, as ir/from-proto.ts gives them:
 * names resolve to the last definition (initializer, input, node output), an initializer's dims
 * come first, then the first declaration (inputs, outputs, value_info) with a rank. Only names
 * some port declares are tracked, not every node output.
 */
function declaredPorts(graph: GraphProto): { inputs: DeclaredPort[]; outputs: DeclaredPort[] } {
  const portNames = new Set<string>();
  for (const list of [graph.input, graph.output, graph.valueInfo]) for (const info of list) portNames.add(info.name);
  const scope = new Map<string, { shape: Shape | undefined; initializer?: TensorProto }>();
  const define = (name: string) => {
    const value: { shape: Shape | undefined; initializer?: TensorProto } = { shape: undefined };
    scope.set(name, value);
    return value;
  };
  const initializers = graph.initializer.map((tensor) => {
    const value = define(tensor.name);
    value.initializer = tensor;
    return value;
  });
  for (const sparse of graph.sparseInitializer) {
    const name = sparse.values?.name ?? '';
    if (name) define(name);
  }
  const inputs = graph.input.map((info) => {
    const existing = scope.get(info.name);
    return { info, value: existing?.initializer ? existing : define(info.name) };
  });
  for (const node of graph.node) for (const name of node.output) if (name !== '' && portNames.has(name)) define(name);
  const resolve = (info: ValueInfoProto) => ({ info, value: scope.get(info.name) ?? define(info.name) });
  const outputs = graph.output.map(resolve);
  const valueInfo = graph.valueInfo.map(resolve);
  for (const value of initializers) value.shape = internShape(value.initializer!.dims.map(Number));
  for (const ports of [inputs, outputs, valueInfo]) {
    for (const port of ports) if (port.value.shape === undefined) port.value.shape = shapeFromProto(port.info.type);
  }
  return { inputs, outputs };
}

export function summarizeValueInfo(info: ValueInfoProto): TensorTypeSummary {
  return { name: info.name, ...summarizeType(info.type) };
}

/** A main graph input or output: its declared type, and for a tensor the shape its value carries. */
function summarizePort(port: DeclaredPort): TensorTypeSummary {
  const summary = summarizeValueInfo(port.info);
  if (summary.kind === 'tensor' || summary.kind === 'sparse_tensor') summary.shape = port.value.shape ? [...port.value.shape] : null;
  return summary;
}

function summarizeType(type: TypeProto | undefined): Omit<TensorTypeSummary, 'name'> {
  const value = type?.value;
  switch (value?.case) {
    case 'tensorType':
    case 'sparseTensorType': {
      const shape = value.value.shape;
      return {
        kind: value.case === 'tensorType' ? 'tensor' : 'sparse_tensor',
        elemType: value.value.elemType ? dataTypeName(value.value.elemType) : null,
        shape: shape
          ? shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null))
          : null,
      };
    }
    case 'sequenceType':
      return { kind: 'sequence', ...elementOf(value.value.elemType) };
    case 'optionalType':
      return { kind: 'optional', ...elementOf(value.value.elemType) };
    case 'mapType':
      return { kind: 'map', elemType: null, shape: null };
    default:
      return { kind: null, elemType: null, shape: null };
  }
}

function elementOf(type: TypeProto | undefined): { elemType: string | null; shape: TensorTypeSummary['shape'] } {
  const inner = summarizeType(type);
  return { elemType: inner.elemType, shape: inner.shape };
}

/** Bytes of a tensor's data, wherever it is held. */
export function tensorByteSize(tensor: TensorProto): number {
  const bound = tensorPayload(tensor);
  if (bound) return bound.payload.byteLength;
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const length = tensor.externalData.find((e) => e.key === 'length');
    if (length) return Number(length.value);
  }
  if (tensor.rawData.byteLength > 0) return tensor.rawData.byteLength;
  let count = 1;
  for (const d of tensor.dims) count *= Number(d);
  const bits = dataTypeBits(tensor.dataType);
  if (bits > 0) return Math.ceil((count * bits) / 8);
  return tensor.stringData.reduce((n, s) => n + s.byteLength, 0);
}

function summarizeTensors(proto: ModelProto, wanted: 'initializer' | 'attribute'): TensorGroupSummary {
  const byType = new Map<string, { elemType: string; count: number; bytes: number }>();
  let count = 0;
  let bytes = 0;
  forEachTensor(proto, (tensor, role) => {
    if (role !== wanted) return;
    const size = tensorByteSize(tensor);
    const elemType = dataTypeName(tensor.dataType);
    const entry = byType.get(elemType) ?? { elemType, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byType.set(elemType, entry);
    count++;
    bytes += size;
  });
  return { count, bytes, byType: [...byType.values()].sort((a, b) => b.bytes - a.bytes) };
}

function summarizeExternalData(proto: ModelProto): ModelSummary['externalData'] {
  const files = new Map<string, { location: string; tensors: number; bytes: number }>();
  forEachTensor(proto, (tensor) => {
    if (tensor.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const location = tensor.externalData.find((e) => e.key === 'location')?.value ?? '';
    const entry = files.get(location) ?? { location, tensors: 0, bytes: 0 };
    entry.tensors++;
    entry.bytes += tensorByteSize(tensor);
    files.set(location, entry);
  });
  return [...files.values()];
}
