/**
 * Reads intermediate tensors: runtimes return graph outputs only, so the values of interest
 * become extra graph outputs, at any depth of control flow:
 * - in an If branch, through an If output that both branches share (the then branch's k-th
 *   value and the else branch's k-th value: only one branch runs), with one more output that
 *   says which branch ran (empty from the then branch, one element from the else branch);
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
import type { TensorLike } from '../runtime/runtime.js';
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

/** Stands for the branch an If took, in what its exposed outputs carry. */
export class BranchMarker {}

/**
 * What an exposed output carries: a value key; an If's branch marker; or, for an output that the
 * two branches of an If share, what the branch that ran put there (nothing where it put a placeholder).
 */
export type Carried = string | BranchMarker | { readonly marker: BranchMarker; readonly then: Carried | undefined; readonly else: Carried | undefined };

/** The exposed outputs of a model: output name -> what it carries. */
export class Exposure extends Map<string, Carried> {
  /** The value keys some run may read (branch markers aside). */
  valueKeys(): string[] {
    const keys: string[] = [];
    const walk = (carried: Carried | undefined) => {
      if (typeof carried === 'string') keys.push(carried);
      else if (carried && !(carried instanceof BranchMarker)) {
        walk(carried.then);
        walk(carried.else);
      }
    };
    for (const carried of this.values()) walk(carried);
    return keys;
  }

  /** The fetched outputs by the value keys they hold in this run (values of branches that did not run are absent). */
  read(fetched: Readonly<Record<string, TensorLike | undefined>>): Map<string, TensorLike> {
    const taken = new Map<BranchMarker, 'then' | 'else' | undefined>();
    const carriers = this.#carriers();
    const resolve = (carried: Carried | undefined): string | BranchMarker | undefined => {
      if (carried === undefined || typeof carried === 'string' || carried instanceof BranchMarker) return carried;
      const side = branchTaken(carried.marker);
      return side && resolve(carried[side]);
    };
    const branchTaken = (marker: BranchMarker): 'then' | 'else' | undefined => {
      if (taken.has(marker)) return taken.get(marker);
      let side: 'then' | 'else' | undefined;
      for (const name of carriers.get(marker) ?? []) {
        const tensor = fetched[name];
        if (tensor && resolve(this.get(name)) === marker) {
          side = tensor.dims.includes(0) ? 'then' : 'else';
          break;
        }
      }
      taken.set(marker, side);
      return side;
    };
    const values = new Map<string, TensorLike>();
    for (const [name, carried] of this) {
      const tensor = fetched[name];
      const key = tensor && resolve(carried);
      if (typeof key === 'string') values.set(key, tensor!);
    }
    return values;
  }

  /** Marker -> the outputs that may carry it. */
  #carriers(): Map<BranchMarker, string[]> {
    const carriers = new Map<BranchMarker, string[]>();
    const walk = (name: string, carried: Carried | undefined) => {
      if (carried instanceof BranchMarker) carriers.set(carried, [...(carriers.get(carried) ?? []), name]);
      else if (carried && typeof carried !== 'string') {
        walk(name, carried.then);
        walk(name, carried.else);
      }
    };
    for (const [name, carried] of this) walk(name, carried);
    return carriers;
  }
}

interface Item {
  /** The value to route outward, in the graph being collected. */
  value: Value;
  carried: Carried;
}

/**
 * Makes every node output of `main` and its subgraphs that `accept` accepts (by value key) readable
 * as a main graph output. Edits the IR in place.
 */
export function exposeValues(main: Graph, names: NameAllocator, accept: (value: Value, key: string) => boolean, options: ExposeOptions = {}): Exposure {
  const loopBodies = options.loopBodies ?? true;
  // One type for every exposed output, and one tensor per kind of Constant: shared, never edited.
  const floatType = tensorTypeProto(DataType.FLOAT);
  const constantValues = [0, 1].map((size) => create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: create(TensorProtoSchema, { dims: [BigInt(size)], dataType: DataType.FLOAT, floatData: new Array<number>(size).fill(0) }) }));
  /** A Constant in `graph` holding a float tensor of 0 or 1 zeros (a placeholder, or a branch marker). */
  const floatConstant = (graph: Graph, size: 0 | 1): Value => {
    const name = names.allocate(size === 0 ? 'empty_float' : 'float_zero');
    const node = createNode(graph, { opType: 'Constant', name: names.allocate(`${name}_Constant`), inputs: [], attributes: [constantValues[size]!], output: name });
    graph.nodes.push(node);
    return node.outputs[0]!;
  };
  const outputValues = new Map<Graph, Set<Value>>();
  const addOutput = (graph: Graph, value: Value) => {
    let outputs = outputValues.get(graph);
    if (!outputs) outputValues.set(graph, (outputs = new Set(graph.outputs.map((port) => port.value))));
    let output = value;
    if (outputs.has(value)) {
      // onnxruntime crashes on a subgraph that outputs one value twice: the second goes through an Identity.
      const node = createNode(graph, { opType: 'Identity', name: names.allocate(`${value.name}_again_Identity`), inputs: [value], output: names.allocate(`${value.name}_again`) });
      graph.nodes.push(node);
      output = node.outputs[0]!;
    }
    outputs.add(output);
    graph.outputs.push({ value: output, info: create(ValueInfoProtoSchema, { name: output.name, type: floatType }) });
  };

  /** Values of `graph` to route outward: its own node outputs and what its control-flow nodes expose. */
  const collect = (graph: Graph): Item[] => {
    const found: Item[] = [];
    for (const node of [...graph.nodes]) {
      for (const value of node.outputs) {
        if (!value) continue;
        const key = valueKey(graph.path, value.name);
        if (accept(value, key)) found.push({ value, carried: key });
      }
      if (!isDefaultDomain(node.domain)) continue;
      if (node.opType === 'If') found.push(...throughIf(node));
      else if (loopBodies && (node.opType === 'Loop' || node.opType === 'Scan')) found.push(...throughScanOutputs(node));
    }
    return found;
  };

  /** The k-th values of both branches share the If's k-th new output; a last one carries the branch marker. */
  const throughIf = (node: Node): Item[] => {
    const thenBranch = node.subgraphs.get('then_branch') as Graph | undefined;
    const elseBranch = node.subgraphs.get('else_branch') as Graph | undefined;
    if (!thenBranch || !elseBranch) return [];
    const thenItems = collect(thenBranch);
    const elseItems = collect(elseBranch);
    if (thenItems.length + elseItems.length === 0) return [];
    const marker = new BranchMarker();
    const shared = (thenValue: Value, elseValue: Value, name: string): Value => {
      addOutput(thenBranch, thenValue);
      addOutput(elseBranch, elseValue);
      const output = node.graph.define(names.allocate(`${name}_exposed`));
      node.setOutput(node.outputs.length, output);
      return output;
    };
    const items: Item[] = [];
    for (let k = 0; k < Math.max(thenItems.length, elseItems.length); k++) {
      const a = thenItems[k];
      const b = elseItems[k];
      const value = shared(a?.value ?? floatConstant(thenBranch, 0), b?.value ?? floatConstant(elseBranch, 0), (a ?? b)!.value.name);
      items.push({ value, carried: { marker, then: a?.carried, else: b?.carried } });
    }
    items.push({ value: shared(floatConstant(thenBranch, 0), floatConstant(elseBranch, 1), `${node.name || 'If'}_branch`), carried: marker });
    return items;
  };

  /** Loop and Scan: a body output appended after the existing ones is a scan output, stacked over iterations. */
  const throughScanOutputs = (node: Node): Item[] => {
    const body = node.subgraphs.get('body') as Graph | undefined;
    if (!body) return [];
    const exposed = collect(body).map((item) => {
      addOutput(body, item.value);
      const output = node.graph.define(names.allocate(`${item.value.name}_exposed`));
      node.setOutput(node.outputs.length, output);
      return { value: output, carried: item.carried };
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

  const exposure = new Exposure();
  const already = new Set(main.outputs.map((p) => p.value));
  for (const { value, carried } of collect(main)) {
    if (!already.has(value)) {
      addOutput(main, value);
      already.add(value);
    }
    exposure.set(value.name, carried);
  }
  return exposure;
}
