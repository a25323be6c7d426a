/**
 * Where a converted model rounds to float16, and which of those roundings a node block list turns
 * on. The conversion's planner decides (planConversion, re-run per block list); this module only
 * reads its decisions. A float32 value is rounded at three kinds of points:
 * - "value": right after it is defined, when its final type is low (a low node's output, a
 *   converted initializer or Constant, a low graph input);
 * - "read": where a node reads it in low precision although it is not low (the Cast the
 *   converter inserts before that input; for a duplicated constant, the converted copy);
 * - "output": where a graph output wants it low (the Cast before a low graph or body output).
 * Rounding twice is rounding once, so a point may be on although its value is already low.
 */
import { DataType } from '../dtype.js';
import { resolveConvertOptions, type ConvertOptions } from '../convert/options.js';
import { FREE, nodeAddress, planConversion, type ConversionPlan } from '../convert/plan.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Graph } from '../ir/graph.js';
import { graphTree, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import type { ModelProto } from '../proto/onnx.js';
import { inferTypes, type TypeInference } from '../schema/infer-types.js';
import type { ValueType } from '../ir/value-type.js';
import { constantProducerOf, isConstantNode, isControlFlow } from './emulation-facts.js';
import { valueKey } from './expose.js';

/** How a point rounds: a runtime Cast pair, or the conversion's own constant conversion (clip, then round). */
export type RoundingMode = 'cast' | 'constant';

export type SwitchPoint =
  | { readonly kind: 'value'; readonly value: Value; readonly mode: RoundingMode }
  | { readonly kind: 'read'; readonly node: Node; readonly input: number; readonly mode: RoundingMode }
  | { readonly kind: 'output'; readonly graph: Graph; readonly port: number };

/** A point as plain data: value keys (`graph path|name`), node addresses, port indices. */
export interface SwitchPointInfo {
  readonly kind: SwitchPoint['kind'];
  /** The rounded value's key. */
  readonly value: string;
  /** The node that produces the value (value points of node outputs), or reads it (read points). */
  readonly node?: string;
  readonly input?: number;
  readonly port?: number;
  readonly mode: RoundingMode;
}

/** Slot of a point that never rounds, whatever the block list. */
export const FIXED_OFF = -1;
/** Slot of a point that always rounds. */
export const FIXED_ON = -2;
/** Model slot of a read point that its value's selection already makes (see SwitchPlan.modelSlots). */
export const ABSORBED = -3;
/** Model slot of a value point whose readers each make its selection (see SwitchPlan.modelSlots). */
export const PER_READER = -4;

export interface SwitchPlanOptions {
  convertOptions?: Omit<ConvertOptions, 'nodeBlockList' | 'keepIoTypes'> | undefined;
  keepIoTypes: boolean;
  target: number;
}

export class SwitchPlan {
  readonly ir: Model;
  readonly inference: TypeInference;
  readonly points: SwitchPoint[] = [];
  /**
   * Addresses of the nodes the search may block: low in a plain conversion, touching floats; not
   * Constants. If/Loop/Scan nodes are among them (unlike the Python tool's list): an unblocked one
   * rounds its outputs (and a Loop's carried values) to float16 even when every node of its
   * bodies is blocked, so without them "every candidate float32" would not be float32.
   */
  readonly candidates: string[] = [];
  /** The candidates that are If/Loop/Scan nodes (blocking one keeps its whole bodies float32). */
  readonly controlFlow = new Set<string>();
  readonly #options: SwitchPlanOptions;
  /**
   * Which switch drives each point: FIXED_OFF, FIXED_ON, or an index into the switch vector.
   * Read off two plans (nothing blocked, every candidate blocked): a point on in the first and off
   * in the second belongs to a node (its value or read) and is on unless that node is blocked; a
   * constant's or flexible producer's (Cast to float, ConstantOfShape) value point is on unless it
   * or one of its readers is; points both plans agree on are
   * fixed. Points with the same nodes share a switch, so the vector has about one switch per
   * candidate. Where a point fits none of this, or confirmRules finds a block list the rules
   * miss, each point gets its own switch and every block list is planned.
   */
  #slots: Int32Array;
  /** Per switch: the nodes any of which, blocked, turns it off (undefined: switches come from plans). */
  #groups: (readonly string[])[] | undefined;
  /** Switches after the base ones (groups or points): each is on when either of two base switches is. */
  #ors: (readonly [number, number])[] = [];
  #modelSlots: Int32Array = new Int32Array(0);
  /** Node address -> the If/Loop/Scan nodes whose bodies hold it, innermost first. */
  readonly #owners = new Map<string, readonly string[]>();
  /** Per group, its nodes as indices into `candidates` (what baseSwitches tests, per attempt). */
  #groupIds: Int32Array[] = [];

  constructor(model: ModelProto, options: SwitchPlanOptions) {
    this.#options = options;
    this.ir = modelFromProto(model);
    this.inference = inferTypes(this.ir, { declaredOnly: options.convertOptions?.disableShapeInfer ?? false });
    const plan = this.plan([]);
    for (const graph of this.ir.graph ? graphTree(this.ir.graph) : []) {
      const owners: string[] = [];
      for (let owner = graph.ownerNode; owner; owner = owner.graph.ownerNode) owners.push(nodeAddress(owner));
      for (const node of graph.nodes) {
        if (owners.length > 0) this.#owners.set(nodeAddress(node), owners);
        const p = plan.nodes.get(node)!;
        if (p.precision === 'low' && p.touchesFloat && !isConstantNode(node)) {
          this.candidates.push(nodeAddress(node));
          if (isControlFlow(node)) this.controlFlow.add(nodeAddress(node));
        }
      }
      this.collectPoints(graph);
    }
    this.#slots = Int32Array.from(this.points, (_, k) => k);
    this.#groups = undefined;
    this.deriveRules(plan, this.switchesOf(plan), this.switchesOf(this.plan(this.candidates)));
    this.fuseReads();
  }

  /** Sets the slots and groups from the two plans' switches, when every point fits a rule. */
  deriveRules(unblocked: ConversionPlan, none: Uint8Array, all: Uint8Array): void {
    const candidates = new Set(this.candidates);
    /** Flexible producers (Constant, ConstantOfShape, Cast to float) go low when they and all their readers are. */
    const isFlexible = (value: Value) => value.producer !== undefined && unblocked.nodes.get(value.producer)?.flexible !== undefined;
    const slots = new Int32Array(this.points.length);
    const groups: string[][] = [];
    const groupIndex = new Map<string, number>();
    for (const [k, point] of this.points.entries()) {
      if (none[k] === all[k]) {
        slots[k] = none[k] ? FIXED_ON : FIXED_OFF;
        continue;
      }
      if (none[k] !== 1) return;
      let nodes: string[];
      if (point.kind === 'read') nodes = [nodeAddress(point.node)];
      else if (point.kind === 'value' && (point.mode === 'constant' || isFlexible(point.value))) nodes = [...(point.value.producer ? [point.value.producer] : []), ...point.value.uses.map((use) => use.node)].map(nodeAddress);
      else if (point.kind === 'value' && point.value.producer) nodes = [nodeAddress(point.value.producer)];
      // A body's inputs and outputs are low with the If/Loop/Scan node that owns the body.
      else if (point.kind === 'value' && point.value.graph.ownerNode && point.value.graph.inputs.some((port) => port.value === point.value)) nodes = [nodeAddress(point.value.graph.ownerNode)];
      else if (point.kind === 'output' && point.graph.ownerNode) nodes = [nodeAddress(point.graph.ownerNode)];
      else return;
      nodes = [...new Set(nodes.filter((address) => candidates.has(address)))].sort();
      if (nodes.length === 0) return;
      const key = nodes.join('\u0000');
      let index = groupIndex.get(key);
      if (index === undefined) {
        index = groups.length;
        groups.push(nodes);
        groupIndex.set(key, index);
      }
      slots[k] = index;
    }
    this.#slots = slots;
    this.#groups = groups;
    const index = new Map(this.candidates.map((address, i) => [address, i]));
    this.#groupIds = groups.map((nodes) => Int32Array.from(nodes, (address) => index.get(address)!));
  }

  /**
   * The slots the switched model is built from: as `slots`, but a read point whose rounding its
   * value's own selection can make costs no node of its own. Where(r, R, Where(v, R, e)) is
   * Where(r or v, R, e): for a value with one reader (most values), the value's selection takes
   * the switch "r or v" and the read point is ABSORBED; for a value that always rounds, the read
   * selects between two equal values and is ABSORBED too. A value with several readers, each
   * rounding it where it reads it, has no selection of its own (PER_READER): each read selects
   * from the exact value with "r or v". Only the value's readers see the difference (graph
   * outputs and other readers keep the rule), and runs with every switch on or every switch off
   * (the analysis runs that expose values) see none.
   */
  fuseReads(): void {
    const base = this.#slots;
    const model = Int32Array.from(base);
    this.#ors = [];
    const orIndex = new Map<string, number>();
    const baseCount = this.#groups ? this.#groups.length : this.points.length;
    const groups = this.#groups;
    /** The switch "a or b": one of them where the other implies it (a group's nodes among the other's), else a fused switch. */
    const either = (a: number, b: number): number => {
      if (a === b) return a;
      if (groups && groups[b]!.every((node) => groups[a]!.includes(node))) return b;
      if (groups && groups[a]!.every((node) => groups[b]!.includes(node))) return a;
      const key = `${Math.min(a, b)},${Math.max(a, b)}`;
      let index = orIndex.get(key);
      if (index === undefined) {
        index = baseCount + this.#ors.length;
        this.#ors.push([Math.min(a, b), Math.max(a, b)]);
        orIndex.set(key, index);
      }
      return index;
    };
    const valuePoints = new Map<Value, number>();
    const roundingReads = new Map<Node, Map<number, number[]>>();
    this.points.forEach((point, k) => {
      if (point.kind === 'value') valuePoints.set(point.value, k);
      else if (point.kind === 'read' && base[k] !== FIXED_OFF) {
        const byInput = roundingReads.get(point.node) ?? new Map<number, number[]>();
        byInput.set(point.input, [...(byInput.get(point.input) ?? []), k]);
        roundingReads.set(point.node, byInput);
      }
    });
    const ported = new Set<Value>();
    for (const graph of this.ir.graph ? graphTree(this.ir.graph) : []) for (const port of graph.outputs) ported.add(port.value);
    /** The one read point that rounds `value` where `node` reads it at `input`, if its mode is the value's. */
    const soleRead = (node: Node, input: number, mode: RoundingMode): number | undefined => {
      const reads = roundingReads.get(node)?.get(input);
      // Two rounding reads on one input stack in order: left as they are.
      if (reads?.length !== 1) return undefined;
      return (this.points[reads[0]!] as Extract<SwitchPoint, { kind: 'read' }>).mode === mode ? reads[0] : undefined;
    };
    for (const [value, v] of valuePoints) {
      const point = this.points[v] as Extract<SwitchPoint, { kind: 'value' }>;
      if (base[v] === FIXED_OFF) continue;
      const reads = value.uses.map((use) => soleRead(use.node, use.index, point.mode));
      if (base[v] === FIXED_ON) {
        for (const k of reads) if (k !== undefined) model[k] = ABSORBED;
        continue;
      }
      if (ported.has(value) || reads.length === 0 || reads.some((k) => k === undefined)) continue;
      if (reads.length === 1) {
        const k = reads[0]!;
        model[k] = ABSORBED;
        model[v] = base[k] === FIXED_ON ? FIXED_ON : either(base[v]!, base[k]!);
        continue;
      }
      // Per reader only where the switches stand for nodes (an all-off run then has every read
      // off too) and, for a node's output, one read in its graph switches (its selection takes the
      // value's name, for exposure).
      if (!groups) continue;
      if (value.producer && !value.uses.some((use, i) => use.node.graph === value.graph && base[reads[i]!]! >= 0)) continue;
      model[v] = PER_READER;
      for (const k of reads) model[k!] = base[k!] === FIXED_ON ? FIXED_ON : either(base[v]!, base[k!]!);
    }
    this.#modelSlots = model;
  }

  /** Whether switches come from the rules (true) or from planning every block list (false). */
  get usesRules(): boolean {
    return this.#groups !== undefined;
  }

  /** Per point: FIXED_OFF, FIXED_ON or its switch's index (the rule the plan's decisions follow). */
  get slots(): Int32Array {
    return this.#slots;
  }

  /** Per point, what the switched model does: FIXED_OFF, FIXED_ON, ABSORBED, PER_READER or the index of its switch in `switches()`. */
  get modelSlots(): Int32Array {
    return this.#modelSlots;
  }

  /** Length of the switch vector: one switch per group (or per point), then the fused "either" switches. */
  get switchCount(): number {
    return (this.#groups ? this.#groups.length : this.points.length) + this.#ors.length;
  }

  /**
   * Whether the rules give the plan's decisions for `blockList`; if not, they are dropped (each
   * point its own switch, every block list planned) and the switched model must be built again.
   */
  confirmRules(blockList: readonly string[]): boolean {
    if (!this.#groups) return true;
    const vector = this.baseSwitches(blockList);
    const planned = this.plannedSwitches(blockList);
    const agree = planned.every((bit, k) => {
      const slot = this.#slots[k]!;
      return bit === (slot === FIXED_ON ? 1 : slot === FIXED_OFF ? 0 : vector[slot]);
    });
    if (agree) return true;
    this.#slots = Int32Array.from(this.points, (_, k) => k);
    this.#groups = undefined;
    this.fuseReads();
    return false;
  }

  /** The conversion's plan with `blockList` kept float32. */
  plan(blockList: readonly string[]): ConversionPlan {
    const resolved = resolveConvertOptions({ ...this.#options.convertOptions, keepIoTypes: this.#options.keepIoTypes, nodeBlockList: blockList }, this.#options.target);
    return planConversion(this.ir, this.inference, resolved);
  }

  isFloatTensor(value: Value | undefined): value is Value {
    const type = value && this.inference.typeOf(value);
    return type?.kind === 'tensor' && type.elemType === DataType.FLOAT;
  }

  collectPoints(graph: Graph): void {
    for (const port of graph.inputs) if (this.isFloatTensor(port.value)) this.points.push({ kind: 'value', value: port.value, mode: 'cast' });
    for (const value of graph.initializers) {
      if (this.isFloatTensor(value) && constantProducerOf(value)) this.points.push({ kind: 'value', value, mode: 'constant' });
    }
    for (const node of graph.nodes) {
      for (const value of node.outputs) {
        if (this.isFloatTensor(value)) this.points.push({ kind: 'value', value, mode: constantProducerOf(value) ? 'constant' : 'cast' });
      }
      node.inputs.forEach((value, input) => {
        if (!this.isFloatTensor(value) || this.alwaysLow(value)) return;
        this.points.push({ kind: 'read', node, input, mode: 'cast' });
        // A constant the conversion duplicates: its low readers get the converted copy.
        const producer = constantProducerOf(value);
        if (producer === 'initializer' || producer === 'Constant') this.points.push({ kind: 'read', node, input, mode: 'constant' });
      });
    }
    graph.outputs.forEach((port, index) => {
      if (this.isFloatTensor(port.value)) this.points.push({ kind: 'output', graph, port: index });
    });
  }

  /** A main graph input that the conversion makes low whatever the block list (keepIoTypes false): its readers never round again. */
  alwaysLow(value: Value): boolean {
    return !this.#options.keepIoTypes && value.graph === this.ir.graph && value.isGraphInput;
  }

  /** The switch vector (1: round) that makes the switched model compute the conversion with `blockList`. */
  switches(blockList: readonly string[]): Uint8Array {
    const base = this.baseSwitches(blockList);
    if (this.#ors.length === 0) return base;
    const out = new Uint8Array(base.length + this.#ors.length);
    out.set(base);
    this.#ors.forEach(([a, b], j) => (out[base.length + j] = base[a]! | base[b]!));
    return out;
  }

  /** One switch per group (or per point): what `slots` index. */
  baseSwitches(blockList: readonly string[]): Uint8Array {
    if (!this.#groups) return this.plannedSwitches(blockList);
    const blockedCandidates = this.blockedCandidates(blockList);
    if (blockedCandidates) {
      const out = new Uint8Array(this.#groupIds.length);
      this.#groupIds.forEach((ids, g) => {
        let on = 1;
        for (const i of ids) if (blockedCandidates[i]) on = 0;
        out[g] = on;
      });
      return out;
    }
    // A blocked If/Loop/Scan keeps its bodies float32, every node in them included.
    const blocked = new Set(blockList);
    for (const [address, owners] of this.#owners) if (owners.some((owner) => blocked.has(owner))) blocked.add(address);
    return Uint8Array.from(this.#groups, (nodes) => (nodes.some((address) => blocked.has(address)) ? 0 : 1));
  }

  /** Candidate index -> indices of the candidates whose bodies hold it. */
  #candidateOwners: [number, number[]][] | undefined;
  #candidateIndex: Map<string, number> | undefined;

  /**
   * Per candidate, whether `blockList` blocks it, a blocked If/Loop/Scan blocking its bodies' (what
   * an attempt asks, done with indices); undefined when the list names a node that is no candidate.
   */
  blockedCandidates(blockList: readonly string[]): Uint8Array | undefined {
    const index = (this.#candidateIndex ??= new Map(this.candidates.map((address, i) => [address, i])));
    this.#candidateOwners ??= this.candidates.flatMap((address, i) => {
      const owners = (this.#owners.get(address) ?? []).flatMap((owner) => (index.has(owner) ? [index.get(owner)!] : []));
      return owners.length > 0 ? [[i, owners] as [number, number[]]] : [];
    });
    const blocked = new Uint8Array(this.candidates.length);
    for (const address of blockList) {
      const i = index.get(address);
      if (i === undefined) return undefined;
      blocked[i] = 1;
    }
    for (const [i, owners] of this.#candidateOwners) if (owners.some((owner) => blocked[owner])) blocked[i] = 1;
    return blocked;
  }

  /** Per point, whether the conversion's plan for `blockList` rounds there (what the switches stand for). */
  plannedSwitches(blockList: readonly string[]): Uint8Array {
    return this.switchesOf(this.plan(blockList));
  }

  switchesOf(plan: ConversionPlan): Uint8Array {
    const target = this.#options.target;
    const isLow = (type: ValueType | typeof FREE | undefined) => type !== undefined && type !== FREE && type.kind === 'tensor' && type.elemType === target;
    const out = new Uint8Array(this.points.length);
    this.points.forEach((point, k) => {
      if (point.kind === 'value') {
        out[k] = isLow(plan.finalType(point.value)) ? 1 : 0;
      } else if (point.kind === 'output') {
        out[k] = isLow(plan.outputTypes.get(point.graph.outputs[point.port]!)) ? 1 : 0;
      } else {
        const value = point.node.inputs[point.input]!;
        const low = readsLow(plan, point.node, point.input, isLow);
        const converted = constantConverted(plan, value);
        out[k] = low && (point.mode === 'constant') === converted ? 1 : 0;
      }
    });
    return out;
  }

  /** What each switch stands for: the nodes any of which, blocked, turns it off; or, per point, the point. */
  describeSwitches(): { nodes?: readonly string[]; point?: SwitchPointInfo; either?: readonly [number, number] }[] {
    const base = this.#groups ? this.#groups.map((nodes) => ({ nodes })) : this.describe().map((point) => ({ point }));
    return [...base, ...this.#ors.map((either) => ({ either }))];
  }

  /** The points as plain data (for reports, tests and runtimes that want to know what a switch does). */
  describe(): SwitchPointInfo[] {
    return this.points.map((point) => {
      if (point.kind === 'value') {
        const producer = point.value.producer;
        return { kind: 'value', value: keyOf(point.value), ...(producer ? { node: nodeAddress(producer) } : {}), mode: point.mode };
      }
      if (point.kind === 'read') return { kind: 'read', value: keyOf(point.node.inputs[point.input]!), node: nodeAddress(point.node), input: point.input, mode: point.mode };
      return { kind: 'output', value: keyOf(point.graph.outputs[point.port]!.value), port: point.port, mode: 'cast' };
    });
  }
}

export function keyOf(value: Value): string {
  return valueKey(value.graph.path, value.name);
}

/**
 * Whether node input `input` reads its value in low precision: a low wish, or a free slot in a
 * group whose inputs arrive in different types (the converter then moves them all to low).
 */
function readsLow(plan: ConversionPlan, node: Node, input: number, isLow: (t: ValueType | typeof FREE | undefined) => boolean): boolean {
  const p = plan.nodes.get(node);
  const wish = p?.inputs[input];
  if (wish !== FREE) return isLow(wish);
  const group = p!.freeGroups.find((g) => g.includes(input));
  if (!group) return false;
  const lows = group.map((i) => isLow(plan.finalType(node.inputs[i]!)));
  return lows.some((l) => l !== lows[0]);
}

/** Whether the conversion converts this constant's data (converted in place or duplicated for low readers). */
function constantConverted(plan: ConversionPlan, value: Value): boolean {
  const producer = constantProducerOf(value);
  if (producer === 'initializer') {
    const decision = plan.initializers.get(value);
    return decision === 'convert' || decision === 'duplicate';
  }
  if (producer === 'Constant') {
    const decision = plan.nodes.get(value.producer!)?.flexible;
    return decision === 'convert' || decision === 'duplicate';
  }
  return false;
}
