/**
 * Reads intermediate tensors: runtimes return graph outputs only, so the values of interest
 * become extra graph outputs, at any depth of control flow:
 * - in an If branch, through an extra If output (the other branch yields an empty float tensor);
 * - in a Loop or Scan body, through an extra scan output: the value of every iteration, stacked
 *   (the value must keep its shape from one iteration to the next, as scan outputs must).
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import type { Graph } from '../ir/graph.js';
import type { NameAllocator } from '../ir/name-allocator.js';
import { createNode } from '../ir/edit.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { withFields } from '../proto/message-copy.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, TensorProtoSchema, ValueInfoProtoSchema } from '../proto/onnx.js';
import { tensorTypeProto } from '../convert/type-proto.js';
import { findAttribute } from '../schema/attributes.js';
import { isDefaultDomain } from '../ir/domain.js';

/** The key of a value: its graph's path and its name. */
export function valueKey(graphPath: string, name: string): string {
  return `${graphPath}|${name}`;
}

export interface ExposeOptions {
  /** Whether to expose values inside Loop and Scan bodies (default true). */
  loopBodies?: boolean;
}

/**
 * Makes every node output of `main` and its subgraphs that `accept` accepts (by value key) readable
 * as a main graph output; returns output name -> value key. Edits the IR in place.
 */
export function exposeValues(main: Graph, names: NameAllocator, accept: (value: Value, key: string) => boolean, options: ExposeOptions = {}): Map<string, string> {
  const loopBodies = options.loopBodies ?? true;

  /** Values of `graph` to route outward, with keys: its own node outputs and what its control-flow nodes expose. */
  const collect = (graph: Graph): { value: Value; key: string }[] => {
    const found: { value: Value; key: string }[] = [];
    for (const node of [...graph.nodes]) {
      for (const value of node.outputs) {
        if (!value) continue;
        const key = valueKey(graph.path, value.name);
        if (accept(value, key)) found.push({ value, key });
      }
      if (!isDefaultDomain(node.domain)) continue;
      if (node.opType === 'If') found.push(...throughIf(node));
      else if (loopBodies && (node.opType === 'Loop' || node.opType === 'Scan')) found.push(...throughScanOutputs(node));
    }
    return found;
  };

  const throughIf = (node: Node): { value: Value; key: string }[] => {
    const thenBranch = node.subgraphs.get('then_branch') as Graph | undefined;
    const elseBranch = node.subgraphs.get('else_branch') as Graph | undefined;
    if (!thenBranch || !elseBranch) return [];
    const all = [...collect(thenBranch).map((v) => ({ ...v, home: thenBranch })), ...collect(elseBranch).map((v) => ({ ...v, home: elseBranch }))];
    return all.map((item) => {
      for (const branch of [thenBranch, elseBranch]) addOutput(branch, branch === item.home ? item.value : emptyFloatTensor(branch, names), names);
      const output = node.graph.define(names.allocate(`${item.value.name}_exposed`));
      node.setOutput(node.outputs.length, output);
      return { value: output, key: item.key };
    });
  };

  /** Loop and Scan: a body output appended after the existing ones is a scan output, stacked over iterations. */
  const throughScanOutputs = (node: Node): { value: Value; key: string }[] => {
    const body = node.subgraphs.get('body') as Graph | undefined;
    if (!body) return [];
    const exposed = collect(body).map((item) => {
      addOutput(body, item.value, names);
      const output = node.graph.define(names.allocate(`${item.value.name}_exposed`));
      node.setOutput(node.outputs.length, output);
      return { value: output, key: item.key };
    });
    if (node.opType === 'Scan' && exposed.length > 0) {
      // Per-scan-output attributes, when present, need one entry per added output.
      for (const name of ['scan_output_axes', 'scan_output_directions']) {
        const attr = findAttribute(node.proto, name);
        if (attr) {
          const extended = withFields(attr, { ints: [...attr.ints, ...exposed.map(() => 0n)] });
          node.setAttributes(node.proto.attribute.map((a) => (a === attr ? extended : a)));
        }
      }
    }
    return exposed;
  };

  const outputs = new Map<string, string>();
  const already = new Set(main.outputs.map((p) => p.value));
  for (const { value, key } of collect(main)) {
    if (already.has(value)) {
      outputs.set(value.name, key);
      continue;
    }
    addOutput(main, value, names);
    already.add(value);
    outputs.set(value.name, key);
  }
  return outputs;
}

/** Adds `value` as an output of `graph`; a value already among them goes through an Identity (onnxruntime crashes on a subgraph that outputs one value twice). */
function addOutput(graph: Graph, value: Value, names: NameAllocator): void {
  let output = value;
  if (graph.outputs.some((port) => port.value === value)) {
    const node = createNode(graph, { opType: 'Identity', name: names.allocate(`${value.name}_again_Identity`), inputs: [value], output: names.allocate(`${value.name}_again`) });
    graph.nodes.push(node);
    output = node.outputs[0]!;
  }
  graph.outputs.push({ value: output, info: create(ValueInfoProtoSchema, { name: output.name, type: tensorTypeProto(DataType.FLOAT) }) });
}

/** A Constant in `graph` holding an empty float tensor (the placeholder for the other branch's value). */
function emptyFloatTensor(graph: Graph, names: NameAllocator): Value {
  const name = names.allocate('empty_float');
  const node = createNode(graph, {
    opType: 'Constant',
    name: names.allocate(`${name}_Constant`),
    inputs: [],
    attributes: [create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: create(TensorProtoSchema, { dims: [0n], dataType: DataType.FLOAT }) })],
    output: name,
  });
  graph.nodes.push(node);
  return node.outputs[0]!;
}
