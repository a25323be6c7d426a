/**
 * One float32 model that emulates the float16 conversion of the model with ANY node block list:
 * at each rounding point of a SwitchPlan, `Where(switch[k], rounded, exact)` picks the value
 * rounded through the low type or the exact one, `switch` being a boolean vector fed as a model
 * input (points that round whatever the block list take the rounded value; points that never
 * round are left out). onnxruntime cannot fold the switches away (they are inputs), so one session serves every
 * attempt of a search: an attempt is one run with another switch vector. Cast-mode points round
 * with a Cast pair, as the emulation of a converted model does (emulate.ts); constant-mode points
 * select the tensor the conversion itself would write (clipped, then rounded). Every float value
 * can also be exposed as an extra output (expose.ts) for the search's error attribution.
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { convertFloatTensor } from '../convert/tensor-conversion.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Graph, Port } from '../ir/graph.js';
import { graphTree } from '../ir/model.js';
import { NameAllocator } from '../ir/name-allocator.js';
import { Node } from '../ir/node.js';
import { modelToProto } from '../ir/to-proto.js';
import type { Value } from '../ir/value.js';
import { withFields } from '../proto/message-copy.js';
import { StringStringEntryProtoSchema, TensorProtoSchema, ValueInfoProtoSchema, type ModelProto, type NodeProto } from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';
import { castToAttribute, createNode } from '../ir/edit.js';
import { isDefaultDomain, opsetVersion } from '../ir/domain.js';
import { resolveConvertOptions, type ConvertOptions } from '../convert/options.js';
import { constantNodeTensor } from '../convert/constant-data.js';
import { constantProducerOf } from './emulation-facts.js';
import { widenTensor } from './emulate.js';
import { exposeValues, Exposure } from './expose.js';
import { ABSORBED, FIXED_OFF, FIXED_ON, type SwitchPlan } from './switch-plan.js';

/**
 * The metadata key under which a switched model says what its switches do: JSON of
 * `{ input, switches: [{ nodes } | { point } | { either: [i, j] }] }` (for runtimes and tests that want to know).
 */
export const SWITCHES_METADATA = 'onnx-float16.switches';

export interface SwitchedModel {
  model: ModelProto;
  /** The boolean vector input, `plan.switches(blockList)`: about one switch per candidate node (SwitchPlan.modelSlots). */
  switchInput: string;
  /** Exposed output name -> what it carries (a value key `graph path|name`, ...); empty unless asked for. */
  exposed: Exposure;
  /** Whether values inside Loop or Scan bodies are among the exposed. */
  exposesLoopBodies: boolean;
}

export interface SwitchedModelOptions {
  target: number;
  /** Clipping as the conversion does it (minPositiveVal / maxFiniteVal). */
  convertOptions?: Omit<ConvertOptions, 'nodeBlockList' | 'keepIoTypes'> | undefined;
  /** Expose every float node output (default false). */
  expose?: boolean;
  /** Expose values inside Loop and Scan bodies too (default true). */
  exposeLoopBodies?: boolean;
}

/** The opset from which Where exists: below it, no switched model (the search falls back to per-attempt emulation). */
export const SWITCHED_MODEL_MIN_OPSET = 9;

/** Builds the switched model of `plan` (whose IR it leaves untouched). */
export function buildSwitchedModel(original: ModelProto, plan: SwitchPlan, options: SwitchedModelOptions): SwitchedModel {
  const { target } = options;
  const clamp = resolveConvertOptions({ ...options.convertOptions }, target).clamp;
  const ir = modelFromProto(original);
  const main = ir.graph!;
  const names = NameAllocator.forModel(ir);
  const opset = opsetVersion(original.opsetImport, '') ?? 1;
  const graphs = new Map([...graphTree(main)].map((g) => [g.path, g]));
  const planGraphs = new Map([...graphTree(plan.ir.graph!)].map((g) => [g.path, g]));
  /** Node outputs that the plan's model defines as float tensors (not the nodes added here). */
  const isOriginalFloatValue = (value: Value) => {
    const planned = planGraphs.get(value.graph.path)?.localValue(value.name);
    return planned?.producer !== undefined && plan.isFloatTensor(planned);
  };
  // Resolve every point in this copy of the IR before any edit (node indices, names).
  const nodeIn = (node: Node) => graphs.get(node.graph.path)!.nodes[node.graph.nodes.indexOf(node)]!;
  const valueIn = (value: Value) => graphs.get(value.graph.path)!.localValue(value.name)!;
  const points = plan.points.map((point) => {
    if (point.kind === 'value') return { kind: point.kind, value: valueIn(point.value), mode: point.mode };
    if (point.kind === 'read') return { kind: point.kind, node: nodeIn(point.node), input: point.input, mode: point.mode };
    return { kind: point.kind, graph: graphs.get(point.graph.path)!, port: point.port };
  });

  /** Graph output ports by value, any graph (a body may output a value of an enclosing graph). */
  const outputPorts = new Map<Value, Port[]>();
  for (const graph of graphs.values()) {
    for (const port of graph.outputs) outputPorts.set(port.value, [...(outputPorts.get(port.value) ?? []), port]);
  }

  const switchInput = names.allocate('float16_switches');
  const switchVector = main.define(switchInput);
  main.inputs.push({ value: switchVector, info: create(ValueInfoProtoSchema, { name: switchInput, type: boolVectorType(plan.switchCount) }) });

  const add = (graph: Graph, opType: string, inputs: Value[], outputName: string, attributes: NodeProto['attribute'] = []): Value => {
    const name = names.allocate(`${outputName}_${opType}`);
    const node = createNode(graph, { opType, name, inputs, attributes, output: names.allocate(outputName) });
    graph.nodes.push(node);
    return node.outputs[0]!;
  };
  /** Switch k as a scalar boolean: one Gather per switch, shared by its points. */
  const switchValues = new Map<number, Value>();
  const switchAt = (k: number): Value => {
    let value = switchValues.get(k);
    if (!value) {
      const index = main.define(names.allocate(`float16_switch_${k}_index`));
      index.initializer = create(TensorProtoSchema, { name: index.name, dataType: DataType.INT64, int64Data: [BigInt(k)] });
      main.initializers.push(index);
      value = add(main, 'Gather', [switchVector, index], `float16_switch_${k}`);
      switchValues.set(k, value);
    }
    return value;
  };
  /** The value rounded through the low type: one Cast pair per value, shared by all its points (rounding twice is rounding once). */
  const roundedValues = new Map<Value, Value>();
  const roundedOf = (value: Value): Value => {
    let rounded = roundedValues.get(value);
    if (!rounded) {
      const low = add(value.graph, 'Cast', [value], `${value.name}_low`, [castToAttribute(target, opset)]);
      rounded = add(value.graph, 'Cast', [low], `${value.name}_rounded`, [castToAttribute(DataType.FLOAT, opset)]);
      roundedValues.set(value, rounded);
    }
    return rounded;
  };
  /** The constant's data as the conversion writes it, widened back to float32 (built once per constant). */
  const convertedConstants = new Map<Value, Value>();
  const convertedConstant = (value: Value): Value => {
    let converted = convertedConstants.get(value);
    if (converted) return converted;
    const producer = constantProducerOf(value)!;
    const graph = value.graph;
    if (producer === 'ConstantOfShape') {
      const node = value.producer!;
      const fill = findAttribute(node.proto, 'value')!;
      const widened = widenTensor(convertFloatTensor(fill.t!, target, clamp), target);
      converted = add(graph, 'ConstantOfShape', [node.inputs[0]!], `${value.name}_converted`, [withFields(fill, { t: widened })]);
    } else {
      const tensor = producer === 'initializer' ? value.initializer! : constantNodeTensor(value.producer!)!;
      converted = graph.define(names.allocate(`${value.name}_converted`));
      converted.initializer = withFields(widenTensor(convertFloatTensor(tensor, target, clamp), target), { name: converted.name });
      graph.initializers.push(converted);
    }
    convertedConstants.set(value, converted);
    return converted;
  };
  /** Selected (or always rounded) value -> the exact value it stands for. */
  const exactOf = new Map<Value, Value>();
  /** Where outputs -> their switch and branches. */
  const selections = new Map<Value, { cond: Value; rounded: Value; exact: Value }>();
  const select = (graph: Graph, k: number, rounded: Value, exact: Value, name: string) => {
    // A point that always rounds takes the rounded value as it is.
    let selected = rounded;
    if (slots[k] !== FIXED_ON) {
      const cond = switchAt(slots[k]!);
      selected = add(graph, 'Where', [cond, rounded, exact], name);
      selections.set(selected, { cond, rounded, exact });
    }
    if (!exactOf.has(selected)) exactOf.set(selected, exact);
    return selected;
  };
  /** The exact value behind the selections stacked on it. */
  const exactBehind = (value: Value): Value => {
    const exact = exactOf.get(value);
    return exact && exact !== value ? exactBehind(exact) : value;
  };

  const slots = plan.modelSlots;
  points.forEach((point, k) => {
    if (slots[k] === FIXED_OFF || slots[k] === ABSORBED) return;
    if (point.kind === 'value') {
      const value = point.value!;
      const graph = value.graph;
      const uses = [...value.uses];
      const ports = outputPorts.get(value) ?? [];
      const rounded = point.mode === 'constant' ? convertedConstant(value) : roundedOf(value);
      const selected = select(graph, k, rounded, value, `${value.name}_switched`);
      for (const use of uses) use.node.setInput(use.index, selected);
      for (const port of ports) port.value = selected;
      // The switched value takes the original name (keys, exposure and main outputs keep working);
      // a main graph input keeps its own (feeds name it).
      if (!(graph === main && value.isGraphInput)) {
        const name = value.name;
        graph.rename(value, names.allocate(`${name}_exact`));
        graph.rename(selected, name);
      }
    } else if (point.kind === 'read') {
      const node = point.node!;
      const current = node.inputs[point.input!]!;
      const exact = exactBehind(current);
      const rounded = point.mode === 'constant' ? convertedConstant(exact) : roundedOf(exact);
      node.setInput(point.input!, select(node.graph, k, rounded, current, `${current.name}_read`));
    } else {
      const graph = point.graph!;
      const port = graph.outputs[point.port!]!;
      const value = port.value;
      const selected = select(graph, k, roundedOf(exactBehind(value)), value, `${value.name}_output`);
      port.value = selected;
      if (graph === main && !value.isGraphInput) {
        const name = value.name;
        graph.rename(value, names.allocate(`${name}_inner`));
        graph.rename(selected, name);
      }
    }
  });
  twinPackedWeightNodes(main, selections, names, add);
  // value_info may describe renamed values: drop it (optional).
  for (const graph of graphTree(main)) graph.valueInfo.length = 0;

  const exposed = options.expose
    ? exposeValues(main, names, isOriginalFloatValue, { loopBodies: options.exposeLoopBodies ?? true })
    : new Exposure();
  const proto = modelToProto(ir);
  const description = JSON.stringify({ input: switchInput, switches: plan.describeSwitches() });
  const metadata = [...proto.metadataProps.filter((e) => e.key !== SWITCHES_METADATA), create(StringStringEntryProtoSchema, { key: SWITCHES_METADATA, value: description })];
  const loopPaths = [...graphTree(main)].filter((g) => g.ownerNode && g.ownerNode.opType !== 'If').map((g) => g.path);
  const exposesLoopBodies = exposed.valueKeys().some((key) => loopPaths.some((path) => key.startsWith(`${path}|`) || key.startsWith(`${path}/`)));
  return { model: withFields(proto, { metadataProps: metadata }), switchInput, exposed, exposesLoopBodies };

}

/** Recurrent ops: onnxruntime prepares their weights once where they are initializers, and on every run where a selection feeds them. */
const RECURRENT_OPS = new Set(['LSTM', 'GRU', 'RNN']);

/**
 * Whether a node is worth running twice rather than reading selected weights. Measured on
 * onnxruntime-node 1.30 (CPU), a run of the switched model: a Keras Conv1D + LSTM model 29x a plain
 * run with its weights selected, 1.7x with LSTMs and 1-D convolutions twinned; Silero VAD 5.7x ->
 * 2.0x. A 2-D convolution reads selected weights at no such cost, and running it twice costs its
 * compute again (YuNet 4.9x -> 6.0x): it is not twinned.
 */
function twinnable(node: Node, weight: Value | undefined): boolean {
  if (!isDefaultDomain(node.domain)) return false;
  if (RECURRENT_OPS.has(node.opType)) return true;
  return node.opType === 'Conv' && weight?.initializer?.dims.length === 3;
}

/**
 * A recurrent node or 1-D convolution whose weights are selected between their converted and
 * exact initializers (one switch for all) runs as two nodes, one on each set of initializers, and
 * its outputs are selected instead: onnxruntime then prepares both sets once, not the selected
 * weights on every run. Same values.
 */
function twinPackedWeightNodes(
  main: Graph,
  selections: ReadonlyMap<Value, { cond: Value; rounded: Value; exact: Value }>,
  names: NameAllocator,
  add: (graph: Graph, opType: string, inputs: Value[], outputName: string) => Value,
): void {
  const isWeightSelection = (value: Value | undefined) => {
    const selection = value && selections.get(value);
    return selection && selection.rounded.initializer && selection.exact.initializer ? selection : undefined;
  };
  for (const graph of graphTree(main)) {
    for (const node of [...graph.nodes]) {
      const weights = node.inputs.map(isWeightSelection);
      if (!twinnable(node, weights[1]?.exact)) continue;
      const conds = new Set(weights.flatMap((w) => (w ? [w.cond] : [])));
      if (conds.size !== 1) continue;
      const [cond] = conds;
      const low = new Node(withFields(node.proto, { name: names.allocate(`${node.name || node.opType}_low`) }), graph);
      const unused: Value[] = [];
      node.inputs.forEach((value, i) => {
        const weight = weights[i];
        low.setInput(i, weight ? weight.rounded : value);
        if (weight) {
          node.setInput(i, weight.exact);
          unused.push(value!);
        }
      });
      graph.nodes.push(low);
      node.outputs.forEach((output, j) => {
        if (!output) return;
        const lowOutput = graph.define(names.allocate(`${output.name}_low`));
        low.setOutput(j, lowOutput);
        const uses = [...output.uses];
        const ports = [...graphTree(main)].flatMap((g) => g.outputs.filter((port) => port.value === output));
        const name = output.name;
        graph.rename(output, names.allocate(`${name}_exact`));
        const selected = add(graph, 'Where', [cond!, lowOutput, output], names.allocate(`${name}_twin`));
        graph.rename(selected, name);
        for (const use of uses) use.node.setInput(use.index, selected);
        for (const port of ports) port.value = selected;
      });
      // The weight selections nobody reads any more.
      for (const value of unused) {
        if (value.uses.length > 0 || [...graphTree(main)].some((g) => g.outputs.some((port) => port.value === value))) continue;
        const producer = value.producer!;
        producer.graph.nodes.splice(producer.graph.nodes.indexOf(producer), 1);
        producer.inputs.forEach((_, i) => producer.setInput(i, undefined));
      }
    }
  }
}

function boolVectorType(length: number) {
  return create(ValueInfoProtoSchema, { type: { value: { case: 'tensorType', value: { elemType: DataType.BOOL, shape: { dim: [{ value: { case: 'dimValue', value: BigInt(length) } }] } } } } }).type!;
}
