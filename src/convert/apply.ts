/**
 * Applies a ConversionPlan to the IR (a private copy: every proto it changes is copied first):
 * 1. low nodes get their dtype-like attributes set to the target type;
 * 2. flexible producers (initializers, Constant, ConstantOfShape, Cast to FLOAT) are converted,
 *    duplicated for their low consumers, or left float32;
 * 3. every use whose value arrives in another type than it wants reads it through a Cast, one
 *    Cast per (value, type), placed in the deepest graph holding all its consumers (the value's
 *    own graph for graph inputs) right after the producer;
 * 4. graph outputs that must keep a type get a Cast that writes the output name;
 * 5. declarations (graph inputs/outputs, value_info, loop body inputs) follow the final types,
 *    and every new value gets a value_info with its source's shape.
 */
import { defaultOpsetFor } from './default-opset.js';
import { create } from '@bufbuild/protobuf';
import { DataType, dataTypeName } from '../dtype.js';
import type { Graph, Port } from '../ir/graph.js';
import { castToAttribute, createCast, createNode, NodePlacement, outputPortsOf, replaceAllUses } from '../ir/edit.js';
import { graphTree, type Model } from '../ir/model.js';
import { NameAllocator } from '../ir/name-allocator.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { withFields } from '../proto/message-copy.js';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  TensorProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type TensorProto,
  type TypeProto,
} from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';
import type { TypeInference } from '../schema/infer-types.js';
import { formatValueType, type ValueType } from '../ir/value-type.js';
import type { ResolvedConvertOptions } from './options.js';
import { FREE, type ConversionPlan } from './plan.js';
import { convertFloatTensor, float32Stats } from './tensor-conversion.js';
import { retypeTypeProto, retypeValueInfo, tensorTypeProto, typeSuffix } from './type-proto.js';
import { isTensor, retype, sameValueType } from './value-types.js';

export interface ConvertedTensorRecord {
  graph: string;
  name: string;
  /** "initializer" or "constant" (a Constant node's value). */
  kind: 'initializer' | 'constant';
  /** "convert": replaced; "duplicate": a low-precision copy added for low consumers. */
  decision: 'convert' | 'duplicate';
  bytesBefore: number;
  bytesAfter: number;
  clampedSmall: number;
  clampedLarge: number;
  beyondFloat16: number;
}

export interface CastRecord {
  graph: string;
  node: string;
  from: string;
  to: string;
  elemType: string;
}

export interface ApplyResult {
  tensors: ConvertedTensorRecord[];
  casts: CastRecord[];
  /** The nodes applying the plan made, rewired or gave attributes (the postcondition types them anew). */
  edited: Set<Node>;
}

export function applyPlan(model: Model, plan: ConversionPlan, inference: TypeInference, options: ResolvedConvertOptions): ApplyResult {
  return new Applier(model, plan, inference, options).run();
}

class Applier {
  readonly names: NameAllocator;
  readonly result: ApplyResult = { tensors: [], casts: [], edited: new Set() };
  /** New nodes, placed after the values they read once all are made. */
  readonly placement = new NodePlacement();
  /** Declared types, to give new values the shape of their source. */
  readonly #declared = new Map<Value, TypeProto>();
  /** Values created here (their declarations are new, not retyped). */
  readonly #created = new Set<Value>();

  constructor(
    readonly model: Model,
    readonly plan: ConversionPlan,
    readonly inference: TypeInference,
    readonly options: ResolvedConvertOptions,
  ) {
    // Nothing is renamed or removed before the first name is allocated.
    this.names = NameAllocator.collectedWhenNeeded(model);
    for (const graph of model.graphs()) {
      for (const port of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) if (port.info?.type) this.#declared.set(port.value, port.info.type);
    }
  }

  get target(): number {
    return this.options.target;
  }

  /** The default-domain opset of the model, or the one added for the new Casts (subgraphs share it; function bodies are never changed). */
  defaultOpset(): number {
    return defaultOpsetFor(this.model);
  }

  run(): ApplyResult {
    const main = this.model.graph;
    if (!main) return this.result;
    const graphs = [...graphTree(main)];
    // From here on every value carries the type it ends up with; `inference` keeps the original ones.
    for (const graph of graphs) for (const value of graph.localValues()) value.type = this.plan.finalType(value);
    for (const graph of graphs) {
      for (const node of graph.nodes) {
        const plan = this.plan.nodes.get(node)!;
        if (plan.precision === 'low' && plan.rewrite) this.setDtypeAttribute(node, plan.rewrite.attribute);
      }
    }
    for (const graph of graphs) this.applyFlexibleProducers(graph);
    for (const graph of graphs) this.applyInitializers(graph);
    for (const graph of graphs) this.insertCasts(graph);
    for (const graph of graphs) this.fixGraphOutputs(graph);
    for (const graph of graphs) this.updateDeclarations(graph);
    for (const graph of graphs) this.placement.place(graph);
    return this.result;
  }

  // 1. Attributes of low nodes -------------------------------------------------------------

  setDtypeAttribute(node: Node, name: string): void {
    this.result.edited.add(node);
    node.setAttribute(create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(this.target) }));
  }

  // 2. Flexible producers ------------------------------------------------------------------

  applyFlexibleProducers(graph: Graph): void {
    for (const node of [...graph.nodes]) {
      const plan = this.plan.nodes.get(node)!;
      if (plan.flexible === undefined || plan.flexible === 'keep') continue;
      this.result.edited.add(node);
      if (node.opType === 'Cast') {
        node.setAttribute(castToAttribute(this.target, this.defaultOpset()));
      } else if (node.opType === 'ConstantOfShape') {
        const value = findAttribute(node.proto, 'value')?.t;
        const tensor = value ? this.convertTensor(value, graph, 'constant', 'convert') : zeroTensor(this.target);
        node.setAttribute(create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: tensor }));
      } else if (node.opType === 'Constant') {
        const attribute = this.convertedConstantAttribute(node, graph, plan.flexible);
        if (plan.flexible === 'convert') {
          node.setAttributes([attribute]);
        } else {
          // Duplicate: a second Constant in the target type for the low consumers.
          const original = node.outputs[0]!;
          const type = retype(this.inference.typeOf(original)!, this.target);
          const outputName = `${original.name}_${typeSuffix(type)}`;
          const copy = createNode(graph, { opType: 'Constant', name: this.names.allocate(`${outputName}_Constant`), inputs: [], attributes: [attribute], output: outputName, type });
          this.names.reserve(outputName);
          this.place(copy, original);
          this.rewireLowUses(original, copy.outputs[0]!);
        }
      }
    }
  }

  convertedConstantAttribute(node: Node, graph: Graph, decision: 'convert' | 'duplicate'): AttributeProto {
    const attr = node.proto.attribute[0]!;
    const name = attr.name;
    if (name === 'value' && attr.t) {
      return withFields(attr, { t: this.convertTensor(attr.t, graph, 'constant', decision) });
    }
    if (name === 'sparse_value' && attr.sparseTensor?.values) {
      const values = this.convertTensor(attr.sparseTensor.values, graph, 'constant', decision);
      return withFields(attr, { sparseTensor: withFields(attr.sparseTensor, { values }) });
    }
    // value_float / value_floats: the same numbers as a `value` tensor of the target type.
    const floats = name === 'value_float' ? [attr.f] : attr.floats;
    const dims = name === 'value_float' ? [] : [BigInt(floats.length)];
    const source = create(TensorProtoSchema, { name: node.outputs[0]!.name, dims, dataType: DataType.FLOAT, floatData: floats });
    return create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: this.convertTensor(source, graph, 'constant', decision) });
  }


  /** Uses whose slot wants the low-precision type move to `replacement`. */
  rewireLowUses(original: Value, replacement: Value): void {
    const originalType = this.inference.typeOf(original);
    replaceAllUses(original, replacement, (use) => {
      const wish = this.plan.nodes.get(use.node)?.inputs[use.index];
      const rewired = wish !== undefined && wish !== FREE && !sameValueType(wish, originalType);
      if (rewired) this.result.edited.add(use.node);
      return rewired;
    });
    for (const port of outputPortsOf(original)) {
      if (!sameValueType(this.plan.outputTypes.get(port) ?? originalType, originalType)) port.value = replacement;
    }
  }

  // 3. Initializers --------------------------------------------------------------------------

  applyInitializers(graph: Graph): void {
    for (const value of [...graph.initializers]) {
      const decision = this.plan.initializers.get(value);
      const tensor = value.initializer!;
      if (value.isGraphInput) {
        // An initializer listed as a graph input (IR < 4) takes the input's type.
        if (!sameValueType(value.type, this.inference.typeOf(value))) {
          value.initializer = this.convertTensor(tensor, graph, 'initializer', 'convert');
        }
        continue;
      }
      if (decision === 'convert') {
        value.initializer = this.convertTensor(tensor, graph, 'initializer', 'convert');
      } else if (decision === 'duplicate') {
        const type = retype(this.inference.typeOf(value)!, this.target);
        const copy = graph.define(this.names.allocate(`${value.name}_${typeSuffix(type)}`));
        copy.initializer = this.convertTensor(tensor, graph, 'initializer', 'duplicate', copy.name);
        graph.initializers.push(copy);
        copy.type = type;
        this.#created.add(copy);
        this.rewireLowUses(value, copy);
      }
    }
  }

  convertTensor(tensor: TensorProto, graph: Graph, kind: 'initializer' | 'constant', decision: 'convert' | 'duplicate', name = tensor.name): TensorProto {
    const stats = float32Stats(tensor, this.options.clamp, this.options.onWeightBytesRead);
    const converted = convertFloatTensor(tensor, this.target, this.options.clamp, name);
    const bytesBefore = stats.count * 4;
    this.result.tensors.push({
      graph: graph.path,
      name,
      kind,
      decision,
      bytesBefore,
      bytesAfter: stats.count * 2,
      clampedSmall: stats.clampedSmall,
      clampedLarge: stats.clampedLarge,
      beyondFloat16: stats.beyondFloat16,
    });
    if (stats.clampedSmall + stats.clampedLarge > 0 && this.options.clamp) {
      const { minPositiveVal, maxFiniteVal } = this.options.clamp;
      const parts = [];
      if (stats.clampedSmall) parts.push(`${stats.clampedSmall} nonzero values closer to 0 than ${minPositiveVal} set to +-${minPositiveVal}`);
      if (stats.clampedLarge) parts.push(`${stats.clampedLarge} values beyond +-${maxFiniteVal} set to +-${maxFiniteVal}`);
      this.options.onWarning({ kind: 'clamp', message: `tensor "${name}": ${parts.join('; ')}` });
    }
    return converted;
  }

  // 4. Casts -------------------------------------------------------------------------------

  /** The type a use wants, FREE slots resolved: alone they take what comes; in a group they must agree. */
  wantedType(use: { node: Node; index: number }, value: Value): ValueType | undefined {
    const plan = this.plan.nodes.get(use.node);
    const wish = plan?.inputs[use.index];
    if (wish === FREE) {
      const group = plan!.freeGroups.find((g) => g.includes(use.index));
      if (!group) return value.type;
      const types = group.map((i) => use.node.inputs[i]?.type);
      if (types.every((t) => sameValueType(t, types[0]))) return value.type;
      return retype(this.inference.typeOf(value)!, this.target);
    }
    return wish === undefined ? this.inference.typeOf(value) : wish;
  }

  insertCasts(graph: Graph): void {
    for (const value of [...graph.localValues()]) {
      const have = value.type;
      if (!have) continue;
      const groups = new Map<string, { type: ValueType & { kind: 'tensor' }; uses: { node: Node; index: number }[] }>();
      for (const use of value.uses) {
        const want = this.wantedType(use, value);
        if (!want || sameValueType(want, have)) continue;
        if (!isTensor(want) || !isTensor(have)) continue; // containers never disagree after planning
        const key = formatValueType(want);
        const group = groups.get(key) ?? { type: want, uses: [] };
        group.uses.push(use);
        groups.set(key, group);
      }
      for (const { type, uses } of groups.values()) {
        const home = this.castHome(value, uses.map((u) => u.node.graph));
        const cast = this.addCast(home, value, type);
        for (const use of uses) {
          use.node.setInput(use.index, cast);
          this.result.edited.add(use.node);
        }
      }
    }
  }

  /** Where a Cast of `value` goes: the deepest graph holding all consumers (the value's own graph for graph inputs). */
  castHome(value: Value, consumerGraphs: Graph[]): Graph {
    if (!value.producer && value.isGraphInput) return value.graph;
    let home = consumerGraphs[0]!;
    for (const graph of consumerGraphs) home = commonAncestor(home, graph);
    return home;
  }

  /** A Cast of `source` to `type` in `graph`, right after `source`; its output is named `outputName` (a fresh name by default). */
  addCast(graph: Graph, source: Value, type: ValueType & { kind: 'tensor' }, outputName = this.names.allocate(`${source.name}_${typeSuffix(type)}`)): Value {
    const cast = createCast(graph, source, type.elemType, this.defaultOpset(), { node: this.names.allocate(`${outputName}_Cast`), output: outputName });
    this.names.reserve(outputName);
    this.place(cast, source);
    this.result.casts.push({ graph: graph.path, node: cast.name, from: source.name, to: outputName, elemType: dataTypeName(type.elemType) });
    return cast.outputs[0]!;
  }

  /** Queues a new one-output node after `after`, and declares its output with the shape of `after`. */
  place(node: Node, after: Value): void {
    this.result.edited.add(node);
    this.placement.insertAfter(after, node);
    const output = node.outputs[0]!;
    this.#created.add(output);
    const declared = this.#declared.get(after);
    node.graph.valueInfo.push({ value: output, info: withFields(VALUE_INFO_TEMPLATE, { name: output.name, type: this.typeProtoFor(output.type!, declared) }) });
  }

  /** TypeProtos are shared between the value_infos that have the same one (they are never mutated). */
  readonly #typeProtos = new Map<TypeProto | undefined, Map<string, TypeProto | undefined>>();

  typeProtoFor(type: ValueType, declared: TypeProto | undefined): TypeProto | undefined {
    let byType = this.#typeProtos.get(declared);
    if (!byType) this.#typeProtos.set(declared, (byType = new Map()));
    const key = formatValueType(type);
    if (!byType.has(key)) byType.set(key, isTensor(type) ? tensorTypeProto(type.elemType, declared) : declared && retypeTypeProto(declared, this.target));
    return byType.get(key);
  }

  // 5. Graph outputs -------------------------------------------------------------------------

  fixGraphOutputs(graph: Graph): void {
    for (const port of graph.outputs) {
      const want = this.plan.outputTypes.get(port) ?? this.inference.typeOf(port.value);
      const have = port.value.type;
      if (!want || !have || sameValueType(want, have)) continue;
      if (!isTensor(want) || !isTensor(have)) continue;
      const value = port.value;
      if (graph.kind === 'main') {
        if (value.isGraphInput) {
          this.options.onWarning({ kind: 'io', message: `graph output "${value.name}" is the graph input of the same name, so it keeps the input's type ${dataTypeName(have.elemType)}` });
          continue;
        }
        // The output keeps its name: the producer's value is renamed and a Cast writes the name.
        const outputName = value.name;
        graph.rename(value, this.names.allocate(`${outputName}_${typeSuffix(have)}`));
        const cast = this.addCast(graph, value, want, outputName);
        for (const other of graph.outputs) if (other.value === value) other.value = cast;
        // The declared type of the renamed value is no longer the output's.
        this.#declared.set(value, this.#declared.get(cast) ?? tensorTypeProto(have.elemType));
      } else {
        port.value = this.addCast(graph, value, want);
      }
    }
  }

  // 6. Declarations --------------------------------------------------------------------------

  updateDeclarations(graph: Graph): void {
    const retyped = (port: Port, type: ValueType | undefined) => {
      if (!port.info || !type) return;
      const original = this.inference.typeOf(port.value);
      if (sameValueType(type, original) && !this.#created.has(port.value)) return;
      port.info = retypeValueInfo(port.info, this.target);
      if (port.info.name !== port.value.name) port.info = withFields(port.info, { name: port.value.name });
    };
    for (const port of graph.inputs) retyped(port, port.value.type);
    for (const port of graph.outputs) {
      const type = port.value.type;
      if (!port.info || !type) continue;
      if (isTensor(type) && port.info.type?.value.case === 'tensorType') {
        const elem = port.info.type.value.value.elemType;
        if (elem !== type.elemType && elem !== 0) port.info = withFields(port.info, { type: tensorTypeProto(type.elemType, port.info.type) });
      } else {
        retyped(port, type);
      }
    }
    for (const port of graph.valueInfo) {
      if (this.#created.has(port.value)) continue;
      const type = port.value.type;
      if (!port.info?.type || !type) continue;
      if (isTensor(type) && port.info.type.value.case === 'tensorType' && port.info.type.value.value.elemType !== type.elemType) {
        port.info = withFields(port.info, { type: tensorTypeProto(type.elemType, port.info.type) });
      } else if (!isTensor(type)) {
        retyped(port, type);
      }
    }
  }

}

const VALUE_INFO_TEMPLATE = create(ValueInfoProtoSchema);

function commonAncestor(a: Graph, b: Graph): Graph {
  const chain = new Set<Graph>();
  for (let g: Graph | undefined = a; g; g = g.parent) chain.add(g);
  for (let g: Graph | undefined = b; g; g = g.parent) if (chain.has(g)) return g;
  return a;
}

function zeroTensor(target: number): TensorProto {
  return create(TensorProtoSchema, { dims: [1n], dataType: target, rawData: new Uint8Array(2) });
}



