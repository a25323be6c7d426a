/**
 * Decides the precision of every node: low (computes in float16/bfloat16) or kept in float32,
 * each kept node with its reason. Then the type every slot wants and every value gets:
 *
 * 1. A node is kept when an ancestor control-flow node is kept, it calls a model-local function,
 *    its op type or name is blocked, it has no schema at the model's opset, a type it touches is
 *    unknown, its schema allows the target type for none of its float32 slots, or (by default) a
 *    constant it would read in low precision holds finite values beyond +-65504.
 * 2. In a low node, each type parameter bound to float32 moves to the target type when the schema
 *    allows it and no always-float input (op-facts.ts) pins it; concrete `tensor(float)` slots stay.
 *    A parameter only inputs use (Shape, Cast, Equal) is free: it takes its inputs as they come,
 *    except always-float inputs that forceFp16Inputs names, which want the target type.
 * 3. Outputs that attributes type (Constant, Cast to FLOAT, ConstantOfShape) are flexible: they
 *    follow their consumers, as do float32 initializers. Both wanted: initializers and Constants
 *    are duplicated (the float32 consumers keep exact values), Casts and ConstantOfShape stay float32.
 * 4. Graph inputs and outputs follow keepIoTypes; If/Loop/Scan bodies follow their node.
 * 5. A container value (sequence, optional) cannot be Cast: where its producer and a consumer
 *    disagree, both are kept in float32 and the plan is made again.
 * 6. With a target runtime (options.runtime), a node it would not run with its planned types is
 *    kept in float32 and the plan is made again (runtime-rule.ts).
 */
import { DataType } from '../dtype.js';
import type { Graph, Port } from '../ir/graph.js';
import { outputPortsOf } from '../ir/edit.js';
import { graphTree, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { findAttribute, intAttribute } from '../schema/attributes.js';
import { formalAt, type TypeInference } from '../schema/infer-types.js';
import { isDefaultDomain, opKey, opsetVersion } from '../ir/domain.js';
import { forcedInputs, opFacts } from '../schema/op-facts.js';
import { lookupSchema, type OpSchema } from '../schema/op-schema.js';
import { formatValueType, tensorType, type ValueType } from '../ir/value-type.js';
import { constantNodeTensor } from './constant-data.js';
import { describeReason, type KeepReason } from './keep-reason.js';
import { dynamicQuantizationKeeps } from './quantized.js';
import { castRefusal, runtimeKeeps } from './runtime-rule.js';
import type { ResolvedConvertOptions } from './options.js';
import { castSupports, defaultOpsetFor, describeMissingCast } from './default-opset.js';
import { float32Stats } from './tensor-conversion.js';
import { isFloat32Bearing, retype, sameValueType } from './value-types.js';

/** A slot that takes its value in whatever float type it arrives (a parameter only inputs use). */
export const FREE = 'free' as const;
export type SlotWish = ValueType | typeof FREE | undefined;

/** How a flexible producer's float32 output is resolved. */
export type FlexibleDecision = 'keep' | 'convert' | 'duplicate';

export interface NodePlan {
  readonly node: Node;
  precision: 'low' | 'keep';
  /** Why the node stays float32 (see describeReason for the text). */
  reason?: KeepReason;
  /** True when the node has float32 slots (kept nodes without any are not worth reporting). */
  touchesFloat: boolean;
  /** Wanted type per input slot; undefined: the value's type as found. Shared between plans (replace it, never mutate it). */
  inputs: readonly SlotWish[];
  /** Groups of input slots sharing one free parameter: they must agree with each other. */
  freeGroups: readonly (readonly number[])[];
  /** Final type per output slot. Shared between plans (replace it, never mutate it). */
  outputs: readonly (ValueType | undefined)[];
  /** How a low node's attributes change: the dtype-like attribute to set to the target type. */
  rewrite?: { attribute: string };
  /** For Constant, ConstantOfShape and Cast(to=FLOAT): how the float32 output was resolved. */
  flexible?: FlexibleDecision;
}

export interface ConversionPlan {
  readonly nodes: Map<Node, NodePlan>;
  /** The graphs the plan converts: the main graph and its subgraphs, parents first. */
  readonly graphs: readonly Graph[];
  /** Final type of graph inputs (main graph per keepIoTypes; loop bodies per their node). */
  readonly inputTypes: Map<Port, ValueType | undefined>;
  /** Wanted type of graph outputs. */
  readonly outputTypes: Map<Port, ValueType | undefined>;
  /** Float32 initializers: kept, converted, or duplicated for their low consumers. */
  readonly initializers: Map<Value, FlexibleDecision>;
  /** The type a value ends up with (before Casts): its producer's plan, its initializer's decision, its input's type, or as found. */
  finalType(value: Value): ValueType | undefined;
  /** The type input `index` of `node` reads once converted (through a Cast where it wants another than arrives). */
  inputType(node: Node, index: number): ValueType | undefined;
  /** keepIoTypes names that match no float graph input or output. */
  readonly unmatchedIoNames: string[];
  /** Float graph inputs and outputs that stay float32 although keepIoTypes does not ask for it, with why. */
  readonly keptIo: { name: string; why: string }[];
  /** False when Cast at the model's opset cannot carry the target type: then nothing converts. */
  readonly castsAvailable: boolean;
}

/** Shared slot lists: one branch per slot, the list where its slots end. */
interface SlotTrie {
  readonly next: Map<SlotWish, SlotTrie>;
  list?: readonly SlotWish[];
}

/** A type parameter of a node's schema while planning the node. */
interface TypeParameter {
  readonly param: string;
  readonly inputs: number[];
  readonly outputs: number[];
  bound: ValueType | undefined;
  pinned: boolean;
  forced: boolean;
  moves: boolean;
}

function parameterEntry(params: TypeParameter[], param: string): TypeParameter {
  for (const entry of params) if (entry.param === param) return entry;
  const entry: TypeParameter = { param, inputs: [], outputs: [], bound: undefined, pinned: false, forced: false, moves: false };
  params.push(entry);
  return entry;
}

/** No groups of free slots (shared by nearly every node plan). */
const NO_FREE_GROUPS: readonly (readonly number[])[] = Object.freeze([]);
const NO_PORTS: readonly Port[] = [];
/** No slots (shared, so that planning a node allocates no empty lists). */
const NONE: readonly number[] = [];
const FUNCTION_BODY: KeepReason = { kind: 'function' };
const FUNCTION_CALL: KeepReason = { kind: 'functionCall' };
const NODE_BLOCK_LIST: KeepReason = { kind: 'nodeBlockList' };

export function planConversion(model: Model, inference: TypeInference, options: ResolvedConvertOptions): ConversionPlan {
  const forced = dynamicQuantizationKeeps(model, inference);
  const forcedIo = new Map<Value, string>();
  for (let round = 0; ; round++) {
    const plan = new Planner(model, inference, options, forced, forcedIo).run();
    const conflicts = containerConflicts(plan, inference);
    // Once containers agree, nodes the target runtime would not run stay float32 (until none is left: keeping one retypes its neighbours).
    const settled = conflicts.nodes.size === 0 && conflicts.io.size === 0;
    const unrunnable = settled && options.runtime ? runtimeKeeps(model, inference, plan, options.runtime, options.target) : new Map<Node, KeepReason>();
    if ((settled && unrunnable.size === 0) || round > 50) return plan;
    for (const [node, reason] of [...conflicts.nodes, ...unrunnable]) forced.set(node, reason);
    for (const [value, why] of conflicts.io) forcedIo.set(value, why);
  }
}

/** The address of a node for nodeBlockList: its name, or `#index` within its graph's path. */
export function nodeAddress(node: Node): string {
  const local = node.name || `#${node.graph.nodes.indexOf(node)}`;
  return node.graph.path ? `${node.graph.path}/${local}` : local;
}

class Planner {
  readonly nodes = new Map<Node, NodePlan>();
  readonly graphs: Graph[];
  readonly inputTypes = new Map<Port, ValueType | undefined>();
  readonly outputTypes = new Map<Port, ValueType | undefined>();
  readonly initializers = new Map<Value, FlexibleDecision>();
  /** inputTypes by value, for finalType. */
  readonly #inputTypeOf = new Map<Value, ValueType | undefined>();
  readonly unmatchedIoNames: string[] = [];
  readonly keptIo: { name: string; why: string }[] = [];
  /** Whether Cast can carry the target type at the opset new Casts are written for (and the target runtime runs those Casts). */
  readonly castsAvailable: boolean;
  /** Why no node converts when Casts are not available: the schema's or the runtime's reason. */
  readonly #castsMissing: KeepReason | undefined;
  readonly #functionKeys: Set<string>;
  /** Whether opBlockList names any operator as `domain::Op` (else no node needs that key built). */
  readonly #qualifiedBlocks: boolean;
  /** Graph output ports naming each value, in any graph. */
  readonly #outputPorts = new Map<Value, Port[]>();
  readonly #functionOpsets: Map<Graph, Model['proto']['opsetImport']>;

  constructor(
    readonly model: Model,
    readonly inference: TypeInference,
    readonly options: ResolvedConvertOptions,
    readonly forced: ReadonlyMap<Node, KeepReason>,
    readonly forcedIo: ReadonlyMap<Value, string> = new Map(),
  ) {
    const castOpset = defaultOpsetFor(model);
    const runtimeRefusal = options.runtime && castSupports(options.target, castOpset) ? castRefusal(options.runtime, options.target, castOpset) : undefined;
    this.castsAvailable = castSupports(options.target, castOpset) && !runtimeRefusal;
    this.#castsMissing = runtimeRefusal;
    this.#qualifiedBlocks = [...options.opBlockList].some((name) => name.includes('::'));
    this.#functionKeys = new Set(model.functions.map((f) => `${f.proto.domain}\u0000${f.proto.name}`));
    this.#functionOpsets = new Map(model.functions.map((f) => [f.body, f.proto.opsetImport]));
    this.graphs = model.graph ? [...graphTree(model.graph)] : [];
    for (const graph of model.graphs()) {
      for (const port of graph.outputs) {
        const ports = this.#outputPorts.get(port.value) ?? [];
        ports.push(port);
        this.#outputPorts.set(port.value, ports);
      }
    }
  }

  get target(): number {
    return this.options.target;
  }

  typeOf(value: Value | undefined): ValueType | undefined {
    return value ? this.inference.typeOf(value) : undefined;
  }

  run(): ConversionPlan {
    if (this.model.graph) {
      this.planMainPorts(this.model.graph);
      for (const graph of this.graphs) for (const node of graph.nodes) this.nodes.set(node, this.planNode(node));
    }
    for (const fn of this.model.functions) {
      // Function bodies are left exactly as they are; their call sites stay float32.
      for (const graph of graphTree(fn.body)) for (const node of graph.nodes) this.nodes.set(node, this.keptAsIs(node, FUNCTION_BODY));
    }
    this.resolveFlexibleProducers();
    return this;
  }

  planMainPorts(main: Graph): void {
    const keep = this.options.keepIoTypes;
    // Initializers that IR < 4 models also list as inputs are weights, not I/O: only a list naming them keeps them.
    let initializerNames: Set<string> | undefined;
    const isInitializer = (name: string) => (initializerNames ??= new Set(main.initializers.map((v) => v.name))).has(name);
    const asked = (name: string) => (keep === true && !isInitializer(name)) || (keep instanceof Set && keep.has(name));
    const matched = new Set<string>();
    // Where a float value cannot be Cast (no Cast for the target at this opset; a container a
    // float32 node shares), the port stays float32 whatever keepIoTypes says.
    const keeps = (port: Port) => {
      const name = port.value.name;
      if (asked(name)) return true;
      const why = this.forcedIo.get(port.value) ?? (this.castsAvailable ? undefined : this.#castsMissing ? describeReason(this.#castsMissing) : describeMissingCast(this.target));
      if (why === undefined) return false;
      if (!this.keptIo.some((k) => k.name === name)) this.keptIo.push({ name, why });
      return true;
    };
    for (const port of main.inputs) {
      const type = this.typeOf(port.value);
      if (isFloat32Bearing(type) && asked(port.value.name)) matched.add(port.value.name);
      this.setInputType(port, type && isFloat32Bearing(type) && !keeps(port) ? retype(type, this.target) : type);
    }
    for (const port of main.outputs) {
      const type = this.typeOf(port.value);
      if (isFloat32Bearing(type) && asked(port.value.name)) matched.add(port.value.name);
      this.outputTypes.set(port, type && isFloat32Bearing(type) && !keeps(port) ? retype(type, this.target) : type);
    }
    if (keep instanceof Set) for (const name of keep) if (!matched.has(name)) this.unmatchedIoNames.push(name);
  }

  keptAsIs(node: Node, reason: KeepReason): NodePlan {
    const touchesFloat = [...node.inputs, ...node.outputs].some((v) => isFloat32Bearing(this.typeOf(v)));
    return {
      node,
      precision: 'keep',
      reason,
      touchesFloat,
      inputs: this.sharedSlots(node.inputs.map(() => undefined)),
      freeGroups: NO_FREE_GROUPS,
      outputs: this.sharedSlots(node.outputs.map((v) => this.typeOf(v))),
    };
  }

  keepReason(node: Node): KeepReason | undefined {
    const owner = node.graph.ownerNode;
    if (owner && this.nodes.get(owner)?.precision === 'keep') return { kind: 'inside', owner: owner.describe() };
    const forced = this.forced.size > 0 ? this.forced.get(node) : undefined;
    if (forced) return forced;
    if (this.#functionKeys.size > 0 && this.#functionKeys.has(`${node.domain}\u0000${node.opType}`)) return FUNCTION_CALL;
    const blockList = this.options.opBlockList;
    const standardDomain = isDefaultDomain(node.domain) || node.domain === 'ai.onnx.ml';
    if ((standardDomain && blockList.has(node.opType)) || (this.#qualifiedBlocks && blockList.has(opKey(node.domain, node.opType)))) {
      return { kind: 'opBlockList', op: opKey(node.domain, node.opType) };
    }
    const nodeBlockList = this.options.nodeBlockList;
    if (nodeBlockList.size > 0 && ((node.name && nodeBlockList.has(node.name)) || nodeBlockList.has(nodeAddress(node)))) {
      return NODE_BLOCK_LIST;
    }
    return undefined;
  }

  /** The types of the node planNode is planning, slot by slot (reused: planning a node reads each type once). */
  readonly #inputTypes: (ValueType | undefined)[] = [];
  readonly #outputTypes: (ValueType | undefined)[] = [];

  planNode(node: Node): NodePlan {
    const reason = this.keepReason(node);
    if (reason) return this.keptAsIs(node, reason);
    // The first value of unknown type (inputs, then outputs), and whether any is float32.
    let unknown: Value | undefined;
    let touchesFloat = false;
    const [inputTypes, outputTypes] = [this.#inputTypes, this.#outputTypes];
    for (const [slots, types] of [[node.inputs, inputTypes], [node.outputs, outputTypes]] as const) {
      types.length = 0;
      for (const value of slots) {
        const type = this.typeOf(value);
        types.push(type);
        if (!value) continue;
        if (!type) unknown ??= value;
        else if (!touchesFloat && isFloat32Bearing(type)) touchesFloat = true;
      }
    }
    if (!touchesFloat && !unknown) return this.lowPlan(node, new Array<SlotWish>(node.inputs.length).fill(undefined), NO_FREE_GROUPS, outputTypes.slice(), false);
    const opsets = this.opsetsOf(node.graph);
    const lookup = lookupSchema(node.domain, node.opType, opsetVersion(opsets, node.domain));
    if (!lookup.schema) return this.keptAsIs(node, { kind: 'noSchema', detail: lookup.reason });
    if (unknown) return this.keptAsIs(node, { kind: 'unknownType', value: unknown.name, detail: this.inference.info(unknown).reason ?? 'not inferred' });
    if (!this.castsAvailable) {
      // No value can change type, so no node can compute in the target type next to a float32 one.
      return this.keptAsIs(node, this.#castsMissing ?? { ...this.schemaReason(node, opsets), detail: describeMissingCast(this.target) });
    }
    const facts = opFacts(node.domain, node.opType);
    if (facts.controlFlow) return this.planControlFlow(node, lookup.schema, opsets);
    if (facts.keptFloat32) return this.keptAsIs(node, { kind: 'opRule', op: opKey(node.domain, node.opType) });
    return this.planFromSchema(node, lookup.schema, opsets);
  }

  opsetsOf(graph: Graph): Model['proto']['opsetImport'] {
    return this.#functionOpsets.get(graph.root) ?? this.model.proto.opsetImport;
  }

  lowPlan(node: Node, inputs: SlotWish[], freeGroups: readonly (readonly number[])[], outputs: (ValueType | undefined)[], touchesFloat: boolean): NodePlan {
    return { node, precision: 'low', touchesFloat, inputs: this.sharedSlots(inputs), freeGroups, outputs: this.sharedSlots(outputs) };
  }

  /** Slot lists by content (a trie keyed by the slots' interned types): a million nodes planned alike share a few frozen lists. */
  readonly #slotLists: SlotTrie = { next: new Map() };
  #slotListCount = 0;

  sharedSlots<T extends SlotWish>(slots: T[]): readonly T[] {
    let trie = this.#slotLists;
    for (const slot of slots) {
      let next = trie.next.get(slot);
      if (!next) {
        // Types that are not interned would make a branch each: stop sharing past a bound.
        if (this.#slotListCount >= 10_000) return Object.freeze(slots);
        this.#slotListCount++;
        trie.next.set(slot, (next = { next: new Map() }));
      }
      trie = next;
    }
    return (trie.list ??= Object.freeze(slots)) as readonly T[];
  }

  planFromSchema(node: Node, schema: OpSchema, opsets: Model['proto']['opsetImport']): NodePlan {
    // Plain loops and a list of parameters: this runs once per node, so no closures or Maps here.
    const facts = opFacts(node.domain, node.opType);
    const fixedOutputs = facts.fixedOutputs ?? NONE;
    const fixedByAttribute = facts.fixedOutputWhenSet !== undefined && !!intAttribute(node.proto, facts.fixedOutputWhenSet);
    const dtypeAttribute = facts.dtypeAttribute;
    const flexible = facts.flexible === true;
    // Always-float inputs pin their type parameter to float32, unless forceFp16Inputs names one of
    // them: then the parameter (all its inputs: gamma and beta share one) wants the target type.
    const pinned = facts.alwaysFloatInputs ?? NONE;
    const forced = pinned.length > 0 ? forcedInputs(this.options.forceFp16Inputs, node.domain, node.opType) : NONE;

    // Type parameters, in the order slots first use them: which slots use them, what they were bound to, whether they move.
    const params: TypeParameter[] = [];
    const nodeInputs = node.inputs;
    const nodeOutputs = node.outputs;
    const [inputTypes, outputTypes] = [this.#inputTypes, this.#outputTypes];
    for (let i = 0; i < nodeInputs.length; i++) {
      const value = nodeInputs[i];
      const formal = formalAt(schema.inputs, i);
      if (!value || !formal || formal.heterogeneous || !schema.typeConstraints.has(formal.type)) continue;
      const entry = parameterEntry(params, formal.type);
      entry.inputs.push(i);
      entry.bound ??= inputTypes[i];
      if (pinned.includes(i)) {
        if (forced.includes(i)) entry.forced = true;
        else entry.pinned = true;
      }
    }
    if (!(dtypeAttribute || flexible)) {
      for (let i = 0; i < nodeOutputs.length; i++) {
        const value = nodeOutputs[i];
        const formal = formalAt(schema.outputs, i);
        if (!value || !formal || formal.heterogeneous || !schema.typeConstraints.has(formal.type)) continue;
        if (fixedOutputs.includes(i) || (fixedByAttribute && i === 0)) continue;
        const entry = parameterEntry(params, formal.type);
        entry.outputs.push(i);
        entry.bound ??= outputTypes[i];
      }
    }

    const inputs: SlotWish[] = new Array<SlotWish>(nodeInputs.length).fill(undefined);
    const freeGroups: number[][] = [];
    let changes = false;
    for (const entry of params) {
      entry.moves = (!entry.pinned || entry.forced) && isFloat32Bearing(entry.bound) && schema.typeConstraints.get(entry.param)!.has(formatValueType(retype(entry.bound!, this.target)));
      if (!entry.moves) continue;
      changes = true;
      if (entry.outputs.length === 0 && !facts.tiedParameters && !entry.forced) {
        for (const i of entry.inputs) inputs[i] = FREE;
        if (entry.inputs.length > 1) freeGroups.push(entry.inputs);
      } else {
        for (const i of entry.inputs) inputs[i] = retype(inputTypes[i]!, this.target);
      }
    }
    const outputs: (ValueType | undefined)[] = new Array(nodeOutputs.length);
    for (let i = 0; i < nodeOutputs.length; i++) {
      const value = nodeOutputs[i];
      const type = outputTypes[i];
      outputs[i] = type;
      if (!value || !type) continue;
      const formal = formalAt(schema.outputs, i);
      const entry = formal && params.find((p) => p.param === formal.type);
      if (entry && entry.moves && entry.outputs.includes(i)) outputs[i] = retype(type, this.target);
    }
    const plan = this.lowPlan(node, inputs, freeGroups.length === 0 ? NO_FREE_GROUPS : freeGroups, outputs, true);

    // Outputs typed by a dtype-like attribute: set the attribute to the target type.
    if (dtypeAttribute && isFloat32Bearing(outputs[0])) {
      const allowed = schema.outputs[0] && schema.typeConstraints.get(schema.outputs[0].type);
      const wanted = retype(outputs[0]!, this.target);
      if (!allowed || allowed.has(formatValueType(wanted))) {
        plan.outputs = this.sharedSlots([wanted, ...plan.outputs.slice(1)]);
        plan.rewrite = { attribute: dtypeAttribute };
        changes = true;
      }
    }
    if (flexible && isFloat32Bearing(outputs[0]) && this.flexibleAllowed(schema)) {
      plan.flexible = 'keep';
      changes = true;
    }
    if (!changes) return this.keptAsIs(node, this.schemaReason(node, opsets));
    const outOfRange = this.outOfRangeConstant(node, inputs);
    if (outOfRange) return this.keptAsIs(node, outOfRange);
    return plan;
  }

  schemaReason(node: Node, opsets: Model['proto']['opsetImport']): KeepReason & { kind: 'schema' } {
    const target = this.target === DataType.BFLOAT16 ? 'bfloat16' : 'float16';
    return { kind: 'schema', op: opKey(node.domain, node.opType), opset: opsetVersion(opsets, node.domain), target };
  }

  /** Whether the schema accepts the target type on the flexible op's output. */
  flexibleAllowed(schema: OpSchema): boolean {
    const formal = schema.outputs[0];
    const allowed = formal && schema.typeConstraints.get(formal.type);
    return !allowed || allowed.has(formatValueType(tensorType(this.target)));
  }

  /**
   * A reason to keep the node when a constant it would read in low precision holds finite values
   * that conversion would change beyond rounding: beyond maxFiniteVal (clipped) or beyond float16's
   * range (infinity). So by default no constant changes beyond rounding.
   */
  outOfRangeConstant(node: Node, inputs: SlotWish[]): KeepReason | undefined {
    const clamp = this.options.clamp;
    if (!this.options.blockOutOfRangeConstants || (this.target !== DataType.FLOAT16 && !clamp)) return undefined;
    const float16 = this.target === DataType.FLOAT16;
    const bound = Math.min(clamp?.maxFiniteVal ?? Infinity, float16 ? 65504 : Infinity);
    for (let i = 0; i < inputs.length; i++) {
      const wish = inputs[i];
      if (wish === undefined || wish === FREE) continue;
      const tensor = constantTensorOf(node.inputs[i]);
      if (!tensor || tensor.dataType !== DataType.FLOAT) continue;
      const stats = float32Stats(tensor, clamp, this.options.onWeightBytesRead); // one pass serves the range check and the clip counts
      const beyond = Math.max(stats.clampedLarge, float16 ? stats.beyondFloat16 : 0);
      if (beyond > 0) return { kind: 'outOfRange', value: node.inputs[i]!.name, count: beyond, maxAbs: stats.maxAbs, bound };
    }
    return undefined;
  }

  planControlFlow(node: Node, schema: OpSchema, opsets: Model['proto']['opsetImport']): NodePlan {
    const low = (type: ValueType | undefined) => (type && isFloat32Bearing(type) ? retype(type, this.target) : type);
    const outputs = node.outputs.map((v) => low(this.typeOf(v)));
    const inputs: SlotWish[] = node.inputs.map(() => undefined);
    // The node's own constraint (If/Loop/Scan `V`) must allow what its float values become.
    const allows = (formals: OpSchema['inputs'], i: number, type: ValueType | undefined) => {
      const formal = formalAt(formals, i);
      const allowed = formal && schema.typeConstraints.get(formal.type);
      return !allowed || !type || allowed.has(formatValueType(type));
    };
    const firstCarried = node.opType === 'If' ? Infinity : node.opType === 'Loop' ? 2 : this.scanFirstInput(node);
    const lowInputs = node.inputs.map((v, i) => (i >= firstCarried && v ? low(this.typeOf(v)) : undefined));
    if (!outputs.every((t, i) => allows(schema.outputs, i, t)) || !lowInputs.every((t, i) => allows(schema.inputs, i, t))) {
      return this.keptAsIs(node, this.schemaReason(node, opsets));
    }
    const bodies = node.allSubgraphs();
    const setBodyOutputs = (g: Graph) => g.outputs.forEach((port) => this.outputTypes.set(port, low(this.typeOf(port.value))));
    if (node.opType === 'If') {
      bodies.forEach(setBodyOutputs);
    } else {
      node.inputs.forEach((v, i) => {
        if (i >= firstCarried && v && isFloat32Bearing(this.typeOf(v))) inputs[i] = low(this.typeOf(v));
      });
      for (const body of bodies) {
        body.inputs.forEach((port) => this.setInputType(port, low(this.typeOf(port.value))));
        setBodyOutputs(body);
      }
    }
    return this.lowPlan(node, inputs, [], outputs, true);
  }

  scanFirstInput(node: Node): number {
    return (opsetVersion(this.opsetsOf(node.graph), '') ?? 0) < 9 ? 1 : 0;
  }

  /** Initializers, Constants, ConstantOfShape and Cast(to=FLOAT): their type follows their consumers. */
  resolveFlexibleProducers(): void {
    for (const graph of this.graphs) {
      for (const value of graph.initializers) {
        const type = this.typeOf(value);
        if (!isFloat32Bearing(type)) continue;
        if (value.isGraphInput) continue; // an initializer listed as a graph input follows the input's type
        const { low, high } = this.wishesFor(value);
        let decision: FlexibleDecision = 'keep';
        if (this.options.forceFp16Initializers || (low && !high)) decision = 'convert';
        else if (low && high) decision = 'duplicate';
        this.initializers.set(value, decision);
      }
      for (const node of graph.nodes) {
        const plan = this.nodes.get(node)!;
        if (plan.flexible === undefined) continue;
        const value = node.outputs[0]!;
        const { low, high } = this.wishesFor(value);
        let decision: FlexibleDecision = 'keep';
        if (low && !high) decision = 'convert';
        else if (low && high && node.opType === 'Constant') decision = 'duplicate';
        plan.flexible = decision;
        if (decision === 'convert') plan.outputs = this.sharedSlots([retype(plan.outputs[0]!, this.target), ...plan.outputs.slice(1)]);
      }
    }
  }

  /** Whether consumers (node slots and graph outputs) want the value in low precision, in float32, or both. */
  wishesFor(value: Value): { low: boolean; high: boolean } {
    let low = false;
    let high = false;
    const original = this.typeOf(value);
    for (const use of value.uses) {
      const wish = this.nodes.get(use.node)?.inputs[use.index];
      if (wish === FREE) continue;
      if (wish === undefined || sameValueType(wish, original)) high = true;
      else low = true;
    }
    for (const port of this.#outputPorts.get(value) ?? NO_PORTS) {
      const wish = this.outputTypes.get(port) ?? original;
      if (sameValueType(wish, original)) high = true;
      else low = true;
    }
    return { low, high };
  }

  setInputType(port: Port, type: ValueType | undefined): void {
    this.inputTypes.set(port, type);
    this.#inputTypeOf.set(port.value, type);
  }

  inputType(node: Node, index: number): ValueType | undefined {
    const value = node.inputs[index];
    if (!value) return undefined;
    const plan = this.nodes.get(node);
    const wish = plan?.inputs[index];
    if (wish !== FREE) return wish ?? this.typeOf(value);
    // As applyPlan resolves free slots: alone they take what comes; a group that disagrees takes the target type.
    const group = plan!.freeGroups.find((g) => g.includes(index));
    const arriving = this.finalType(value);
    if (!group) return arriving;
    const types = group.map((i) => node.inputs[i] && this.finalType(node.inputs[i]!));
    return types.every((t) => sameValueType(t, types[0])) ? arriving : retype(this.typeOf(value)!, this.target);
  }

  finalType(value: Value): ValueType | undefined {
    const producer = value.producer;
    const plan = producer && this.nodes.get(producer);
    if (plan) return plan.outputs[producer!.outputs.indexOf(value)];
    if (this.initializers.get(value) === 'convert') return retype(this.typeOf(value)!, this.target);
    if (this.#inputTypeOf.has(value)) return this.#inputTypeOf.get(value);
    return this.typeOf(value);
  }
}


/**
 * The float tensor behind a value that is a constant: an initializer, a Constant's value (in any
 * of its float attributes; a sparse value's values), or a ConstantOfShape fill.
 */
export function constantTensorOf(value: Value | undefined) {
  if (!value) return undefined;
  if (value.isConstantInitializer) return value.initializer;
  const producer = value.producer;
  if (!producer || !isDefaultDomain(producer.domain)) return undefined;
  if (producer.opType === 'Constant') return constantNodeTensor(producer) ?? findAttribute(producer.proto, 'sparse_value')?.sparseTensor?.values;
  if (producer.opType === 'ConstantOfShape') return findAttribute(producer.proto, 'value')?.t;
  return undefined;
}

/** Every value of the main graph and its subgraphs, graph by graph. */
function* allValues(plan: ConversionPlan): IterableIterator<Value> {
  for (const graph of plan.graphs) yield* graph.localValues();
}

/**
 * Container values whose producer and a consumer disagree: both sides must stay float32. A main
 * graph input or output on one side cannot be kept as a node is: its port stays float32 instead.
 */
function containerConflicts(plan: ConversionPlan, inference: TypeInference): { nodes: Map<Node, KeepReason>; io: Map<Value, string> } {
  const conflicts = new Map<Node, KeepReason>();
  const io = new Map<Value, string>();
  const main = plan.graphs[0];
  for (const value of allValues(plan)) {
    // Planning keeps a value's kind, so only values inferred as containers can end up one.
    const original = inference.typeOf(value);
    if (!original || original.kind === 'tensor') continue;
    const type = plan.finalType(value);
    if (!type || type.kind === 'tensor') continue;
    const blame = (consumer: Node | undefined) => {
      const reason: KeepReason = { kind: 'container', value: value.name, type: formatValueType(original ?? type) };
      if (consumer && plan.nodes.get(consumer)?.precision === 'low') conflicts.set(consumer, reason);
      if (value.producer && plan.nodes.get(value.producer)?.precision === 'low') conflicts.set(value.producer, reason);
      const owner = value.graph.ownerNode;
      if (!value.producer && owner && plan.nodes.get(owner)?.precision === 'low') conflicts.set(owner, reason);
      if (value.graph === main && (!value.producer || consumer === undefined)) {
        io.set(value, `the ${formatValueType(original ?? type)} value cannot be cast between precisions`);
      }
    };
    for (const use of value.uses) {
      const wish = plan.nodes.get(use.node)?.inputs[use.index];
      if (wish === FREE) continue;
      if (!sameValueType(wish ?? original, type)) blame(use.node);
    }
    for (const port of outputPortsOf(value)) {
      if (!sameValueType(plan.outputTypes.get(port) ?? original, type)) blame(undefined);
    }
  }
  return { nodes: conflicts, io };
}
