/**
 * Reads intermediate tensors: runtimes return graph outputs only, so the values of interest
 * become extra graph outputs. Values inside If branches are exposed through extra If outputs (the
 * other branch yields an empty tensor of the same type in their place), at any depth. Values in
 * Loop and Scan bodies are not exposed (they change every iteration).
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Graph } from '../ir/graph.js';
import { NameAllocator } from '../ir/name-allocator.js';
import { Node } from '../ir/node.js';
import { modelToProto } from '../ir/to-proto.js';
import type { Value } from '../ir/value.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, NodeProtoSchema, TensorProtoSchema, ValueInfoProtoSchema, type ModelProto } from '../proto/onnx.js';
import { tensorTypeProto } from '../convert/type-proto.js';
import { inferTypes } from '../schema/infer-types.js';

export interface ExposedModel {
  model: ModelProto;
  /** Graph output name -> the exposed value's key: `graph path|value name`. */
  outputs: Map<string, string>;
}

/** The key of a value: its graph's path and its name. */
export function valueKey(graphPath: string, name: string): string {
  return `${graphPath}|${name}`;
}

/** `model` with every float32 node output (main graph and If branches) also a graph output. */
export function exposeFloatValues(model: ModelProto, accept: (key: string) => boolean = () => true): ExposedModel {
  const ir = modelFromProto(model);
  const inference = inferTypes(ir);
  const names = NameAllocator.forModel(ir);
  const outputs = new Map<string, string>();
  const isFloat = (v: Value) => {
    const type = inference.typeOf(v);
    return type?.kind === 'tensor' && type.elemType === DataType.FLOAT;
  };

  /** The float values of `graph` to expose, with keys; If nodes contribute their branches' values. */
  const collect = (graph: Graph): { value: Value; key: string }[] => {
    const found: { value: Value; key: string }[] = [];
    const already = new Set(graph.outputs.map((p) => p.value));
    for (const node of [...graph.nodes]) {
      for (const value of node.outputs) {
        if (value && isFloat(value) && !already.has(value)) {
          const key = valueKey(graph.path, value.name);
          if (accept(key)) found.push({ value, key });
        }
      }
      if (node.opType === 'If' && node.domain === '') found.push(...exposeThroughIf(node));
    }
    return found;
  };

  const exposeThroughIf = (node: Node): { value: Value; key: string }[] => {
    const thenBranch = node.subgraphs.get('then_branch') as Graph | undefined;
    const elseBranch = node.subgraphs.get('else_branch') as Graph | undefined;
    if (!thenBranch || !elseBranch) return [];
    const thenValues = collect(thenBranch);
    const elseValues = collect(elseBranch);
    const all = [...thenValues.map((v) => ({ ...v, home: thenBranch })), ...elseValues.map((v) => ({ ...v, home: elseBranch }))];
    const exposed: { value: Value; key: string }[] = [];
    for (const item of all) {
      for (const branch of [thenBranch, elseBranch]) {
        const value = branch === item.home ? item.value : emptyFloatTensor(branch, names);
        branch.outputs.push({ value, info: create(ValueInfoProtoSchema, { name: value.name, type: tensorTypeProto(DataType.FLOAT) }) });
      }
      const output = node.graph.define(names.allocate(`${item.value.name}_exposed`));
      node.setOutput(node.outputs.length, output);
      exposed.push({ value: output, key: item.key });
    }
    return exposed;
  };

  const main = ir.graph!;
  for (const { value, key } of collect(main)) {
    main.outputs.push({ value, info: create(ValueInfoProtoSchema, { name: value.name, type: tensorTypeProto(DataType.FLOAT) }) });
    outputs.set(value.name, key);
  }
  return { model: modelToProto(ir), outputs };
}

/** A Constant in `graph` holding an empty float tensor (the placeholder for the other branch's value). */
function emptyFloatTensor(graph: Graph, names: NameAllocator): Value {
  const name = names.allocate('empty_float');
  const node = new Node(
    create(NodeProtoSchema, {
      opType: 'Constant',
      name: names.allocate(`${name}_Constant`),
      attribute: [create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: create(TensorProtoSchema, { dims: [0n], dataType: DataType.FLOAT }) })],
    }),
    graph,
  );
  const value = graph.define(name);
  node.setOutput(0, value);
  graph.nodes.push(node);
  return value;
}
