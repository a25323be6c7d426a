/**
 * One float32 model that emulates the float16 conversion of the model with ANY node block list:
 * at each rounding point of a SwitchPlan, `Where(switch[k], rounded, exact)` picks the value
 * rounded through the low type or the exact one, `switch` being a boolean vector fed as a model
 * input (points that round whatever the block list take the rounded value; points that never
 * round are left out). onnxruntime cannot fold the switches away (they are inputs), so one session serves every
 * attempt of a search: an attempt is one run with another switch vector. Cast-mode points round
 * with a Cast pair, as the emulation of a converted model does (emulate.ts); constant-mode points
 * select the tensor the conversion itself would write (clipped, then rounded), by a Gather from
 * both stacked rather than a Where where that tensor is an initializer. Every float value
 * can also be exposed as an extra output (expose.ts) for the search's error attribution.
 *
 * An attempt costs what the extra nodes cost (onnxruntime CPU, small tensors: a Where about three
 * times a Relu, a Gather of one switch or a Cast about one): per node of the model about one
 * Where, one Gather of its switch and a Cast pair, which is what the SwitchPlan's slots minimise.
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { convertFloatTensor, float32Source } from '../convert/tensor-conversion.js';
import { readPayloadSync } from '../proto/payload.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Graph, Port } from '../ir/graph.js';
import { graphTree } from '../ir/model.js';
import { NameAllocator } from '../ir/name-allocator.js';
import { Node } from '../ir/node.js';
import { modelToProto } from '../ir/to-proto.js';
import type { Value } from '../ir/value.js';
import { withFields } from '../proto/message-copy.js';
import { StringStringEntryProtoSchema, TensorProtoSchema, ValueInfoProtoSchema, type ModelProto, type NodeProto, type TensorProto } from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';
import { castToAttribute, createNode } from '../ir/edit.js';
import { isDefaultDomain, opsetVersion } from '../ir/domain.js';
import { resolveConvertOptions, type ConvertOptions } from '../convert/options.js';
import { constantNodeTensor } from '../convert/constant-data.js';
import { constantProducerOf } from './emulation-facts.js';
import { widenTensor } from './emulate.js';
import { exposeValues, Exposure } from './expose.js';
import { ABSORBED, FIXED_OFF, FIXED_ON, PER_READER, type SwitchPlan } from './switch-plan.js';

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
  /**
   * Switch k as a scalar boolean for selections in `graph`: one Gather per switch and graph it is
   * read in, shared by its points. The Gather sits in the innermost If branch on the way there
   * (it runs only when the branch does), never inside a Loop or Scan body (it would run per iteration).
   */
  const switchValues = new Map<string, Value>();
  const switchHome = (graph: Graph): Graph => {
    let home = graph;
    for (let g: Graph | undefined = graph; g?.ownerNode; g = g.parent) if (g.ownerNode.opType !== 'If' || !isDefaultDomain(g.ownerNode.domain)) home = g.parent!;
    return home;
  };
  const switchIndices = new Map<number, Value>();
  const switchIndex = (k: number): Value => {
    let index = switchIndices.get(k);
    if (!index) {
      index = main.define(names.allocate(`float16_switch_${k}_index`));
      index.initializer = create(TensorProtoSchema, { name: index.name, dataType: DataType.INT64, int64Data: [BigInt(k)] });
      main.initializers.push(index);
      switchIndices.set(k, index);
    }
    return index;
  };
  const switchAt = (k: number, graph: Graph): Value => {
    const home = switchHome(graph);
    const key = `${home.path}|${k}`;
    let value = switchValues.get(key);
    if (!value) {
      value = add(home, 'Gather', [switchVector, switchIndex(k)], `float16_switch_${k}`);
      switchValues.set(key, value);
    }
    return value;
  };
  /** Switch k as an int64 scalar (0 or 1), for Gathers that select a weight (see gatherSelectedWeights); placed as switchAt places it. */
  let intSwitches: Value | undefined;
  const intSwitchVector = () => (intSwitches ??= add(main, 'Cast', [switchVector], 'float16_switches_int64', [castToAttribute(DataType.INT64, opset)]));
  const intSwitchAt = (k: number, graph: Graph): Value => {
    const home = switchHome(graph);
    const key = `${home.path}|${k}|int`;
    let value = switchValues.get(key);
    if (!value) {
      value = add(home, 'Gather', [intSwitchVector(), switchIndex(k)], `float16_switch_${k}_int64`);
      switchValues.set(key, value);
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
  const selections = new Map<Value, Selection>();
  /** One selection per switch, rounded and exact value, in one graph: readers whose reads agree share it. */
  const selectionOf = new Map<string, Value>();
  const ids = new Map<Value, number>();
  const idOf = (value: Value) => ids.get(value) ?? ids.set(value, ids.size).size - 1;
  const select = (graph: Graph, k: number, rounded: Value, exact: Value, name: string) => {
    // A point that always rounds takes the rounded value as it is.
    let selected = rounded;
    if (slots[k] !== FIXED_ON) {
      const key = `${graph.path}|${slots[k]}|${idOf(rounded)}|${idOf(exact)}`;
      const shared = selectionOf.get(key);
      if (shared) return shared;
      const cond = switchAt(slots[k]!, graph);
      selected = add(graph, 'Where', [cond, rounded, exact], name);
      selections.set(selected, { cond, rounded, exact, slot: slots[k]! });
      selectionOf.set(key, selected);
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
  /** Node outputs whose readers each select (PER_READER) and whose name no selection has taken yet. */
  const unnamed = new Set(points.flatMap((point, k) => (point.kind === 'value' && slots[k] === PER_READER && point.value!.producer ? [point.value!] : [])));
  points.forEach((point, k) => {
    if (slots[k] === FIXED_OFF || slots[k] === ABSORBED || slots[k] === PER_READER) return;
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
      const selected = select(node.graph, k, rounded, current, `${current.name}_read`);
      node.setInput(point.input!, selected);
      // The value itself is selected nowhere: a switched read in its graph takes its name (what
      // exposure reads, right in runs with every switch on or off).
      if (unnamed.has(current) && slots[k] !== FIXED_ON && node.graph === current.graph) {
        unnamed.delete(current);
        const name = current.name;
        current.graph.rename(current, names.allocate(`${name}_exact`));
        current.graph.rename(selected, name);
      }
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
  gatherSelectedWeights(main, selections, names, add, { intAt: intSwitchAt, intVector: intSwitchVector, home: switchHome });
  // Switches whose selections all became weight Gathers.
  for (const value of switchValues.values()) {
    if (value.uses.length > 0) continue;
    const gather = value.producer!;
    gather.graph.nodes.splice(gather.graph.nodes.indexOf(gather), 1);
    gather.inputs.forEach((_, i) => gather.setInput(i, undefined));
  }
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
  selections: ReadonlyMap<Value, Selection>,
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

interface Selection {
  cond: Value;
  rounded: Value;
  exact: Value;
  /** The switch (index into the switch vector). */
  slot: number;
}

/** Weights up to this many elements are gathered together with the other selected weights of their shape. */
const SMALL_WEIGHT = 16384;

/**
 * A selection between two initializers (a weight, exact or as the conversion writes it) becomes a
 * Gather from both stacked, at the switch as an int64 index: the same tensor, for about two thirds
 * of a Where and its boolean Gather (measured on onnxruntime-node 1.30, CPU, [16, 16] MatMul
 * weights). Small weights of one shape (in one graph) go further: all of them stacked, one Gather
 * takes every selected one at once (its indices from the switches), then one Gather per reader
 * takes its own: one node per selection instead of two. The initializers nothing reads any more
 * are dropped.
 */
function gatherSelectedWeights(
  main: Graph,
  selections: ReadonlyMap<Value, Selection>,
  names: NameAllocator,
  add: (graph: Graph, opType: string, inputs: Value[], outputName: string) => Value,
  switches: { intAt: (k: number, graph: Graph) => Value; intVector: () => Value; home: (graph: Graph) => Graph },
): void {
  const ported = new Set([...graphTree(main)].flatMap((g) => g.outputs.map((port) => port.value)));
  const displaced = new Set<Value>();
  const int64 = (graph: Graph, name: string, values: number[], dims: number[]) => {
    const value = graph.define(names.allocate(name));
    value.initializer = create(TensorProtoSchema, { name: value.name, dataType: DataType.INT64, dims: dims.map(BigInt), int64Data: values.map(BigInt) });
    graph.initializers.push(value);
    return value;
  };
  const floats = (graph: Graph, name: string, dims: readonly bigint[], parts: Uint8Array[]) => {
    const rawData = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
    parts.reduce((at, part) => (rawData.set(part, at), at + part.byteLength), 0);
    const value = graph.define(names.allocate(name));
    value.initializer = create(TensorProtoSchema, { name: value.name, dataType: DataType.FLOAT, dims: [...dims], rawData });
    graph.initializers.push(value);
    return value;
  };
  interface Pick { selected: Value; where: Node; exact: Value; rounded: Value; slot: number; bytes: [Uint8Array, Uint8Array] }
  const replace = (pick: Pick, gathered: Value) => {
    const { selected, where } = pick;
    const graph = where.graph;
    for (const use of [...selected.uses]) use.node.setInput(use.index, gathered);
    for (const g of graphTree(main)) for (const port of g.outputs) if (port.value === selected) port.value = gathered;
    graph.nodes.splice(graph.nodes.indexOf(where), 1);
    where.inputs.forEach((_, i) => where.setInput(i, undefined));
    const name = selected.name;
    graph.rename(selected, names.allocate(`${name}_where`));
    graph.rename(gathered, name);
    displaced.add(pick.exact).add(pick.rounded);
  };
  const groups = new Map<string, Pick[]>();
  for (const [selected, { rounded, exact, slot }] of selections) {
    const where = selected.producer;
    // Twinning removed it, or it selects something else than two initializers.
    if (!where || !where.graph.nodes.includes(where) || !rounded.initializer || !exact.initializer) continue;
    const bytes = [float32Bytes(exact.initializer), float32Bytes(rounded.initializer)] as const;
    if (!bytes[0] || !bytes[1] || bytes[0].byteLength !== bytes[1].byteLength) continue;
    const pick: Pick = { selected, where, exact, rounded, slot, bytes: [bytes[0], bytes[1]] };
    const home = switches.home(where.graph);
    const key = bytes[0].byteLength <= 4 * SMALL_WEIGHT ? `${home.path}|${exact.initializer.dims.join(',')}` : `${groups.size}`;
    groups.set(key, [...(groups.get(key) ?? []), pick]);
  }
  for (const picks of groups.values()) {
    // The distinct weights, each stacked once however many readers select it.
    const weights = new Map<Value, Map<Value, number>>();
    const order: Pick[] = [];
    const indexOf = (pick: Pick) => {
      let j = weights.get(pick.exact)?.get(pick.rounded);
      if (j === undefined) {
        j = order.length;
        order.push(pick);
        weights.set(pick.exact, (weights.get(pick.exact) ?? new Map<Value, number>()).set(pick.rounded, j));
      }
      return j;
    };
    const offsets = picks.map(indexOf);
    const first = order[0]!;
    const dims = first.exact.initializer!.dims;
    if (picks.length === 1) {
      const stack = floats(first.exact.graph, `${first.exact.name}_stacked`, [2n, ...dims], first.bytes);
      replace(first, add(first.where.graph, 'Gather', [stack, switches.intAt(first.slot, first.where.graph)], `${first.selected.name}_gathered`));
      continue;
    }
    if (picks.some((pick) => pick.exact.graph !== first.exact.graph)) {
      // Weights of different graphs: one stack each.
      for (const [j, weight] of order.entries()) {
        const stack = floats(weight.exact.graph, `${weight.exact.name}_stacked`, [2n, ...dims], weight.bytes);
        for (const [i, pick] of picks.entries()) if (offsets[i] === j) replace(pick, add(pick.where.graph, 'Gather', [stack, switches.intAt(pick.slot, pick.where.graph)], `${pick.selected.name}_gathered`));
      }
      continue;
    }
    const home = switches.home(first.where.graph);
    const m = order.length;
    const stack = floats(first.exact.graph, `float16_weights_${dims.join('x') || 'scalar'}_stacked`, [BigInt(2 * m), ...dims], [...order.map((w) => w.bytes[0]), ...order.map((w) => w.bytes[1])]);
    // Selection i takes row offsets[i] (exact) or offsets[i] + m (converted).
    const on = add(home, 'Gather', [switches.intVector(), int64(home, 'float16_weight_switches', picks.map((pick) => pick.slot), [picks.length])], 'float16_weight_switch_values');
    const rows = add(home, 'Add', [add(home, 'Mul', [on, int64(home, 'float16_weight_count', [m], [])], 'float16_weight_converted_rows'), int64(home, 'float16_weight_rows', offsets, [picks.length])], 'float16_weight_rows_selected');
    const selected = add(home, 'Gather', [stack, rows], `float16_weights_${dims.join('x') || 'scalar'}_selected`);
    for (const [i, pick] of picks.entries()) replace(pick, add(pick.where.graph, 'Gather', [selected, int64(home, 'float16_weight_index', [i], [])], `${pick.selected.name}_gathered`));
  }
  for (const value of displaced) {
    if (value.uses.length > 0 || ported.has(value)) continue;
    value.graph.initializers.splice(value.graph.initializers.indexOf(value), 1);
  }
}

/** A float32 tensor's little-endian bytes; undefined where its data cannot be read here. */
function float32Bytes(tensor: TensorProto): Uint8Array | undefined {
  const source = float32Source(tensor);
  return source?.readSync ? readPayloadSync(source, tensor.name) : undefined;
}

function boolVectorType(length: number) {
  return create(ValueInfoProtoSchema, { type: { value: { case: 'tensorType', value: { elemType: DataType.BOOL, shape: { dim: [{ value: { case: 'dimValue', value: BigInt(length) } }] } } } } }).type!;
}
