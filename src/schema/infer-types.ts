/**
 * Element types of every value in a model: graph inputs and initializers as declared, then each
 * node in topological order, from the operator table at the model's opset (type parameters bound
 * from the inputs) and the attribute rules of type-rules.ts; If/Loop/Scan/SequenceMap from their
 * bodies, model-local functions from their bodies instantiated with the caller's input types.
 * What cannot be inferred stays unknown, with the reason. Declared value_info is used where
 * inference has no answer, and checked where it has one: a contradiction becomes a warning.
 * No Python, no runtime; linear in the size of the model.
 */
import type { Graph } from '../ir/graph.js';
import type { Model, ModelFunction } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { topologicalOrder } from '../ir/topological-order.js';
import { nextValueId, type Value } from '../ir/value.js';
import type { OperatorSetIdProto } from '../proto/onnx.js';
import { intAttribute } from './attributes.js';
import { isDefaultDomain, normalizeDomain, opKey, opsetVersion } from '../ir/domain.js';
import { lookupSchema, type Formal, type OpSchema } from './op-schema.js';
import { typeRuleFor } from './type-rules.js';
import { formatValueType, internType, parseValueType, sameType, sequenceType, tensorType, typeFromProto, type ValueType } from '../ir/value-type.js';

export type TypeSource = 'declared' | 'inferred' | 'unknown';

export interface ValueTypeInfo {
  /** The type, or undefined when unknown. */
  readonly type: ValueType | undefined;
  readonly source: TypeSource;
  /** Why the type is unknown. */
  readonly reason?: string;
}

export interface TypeWarning {
  /** Path of the graph ("" for the main graph). */
  readonly graph: string;
  readonly value: string;
  readonly message: string;
}

export interface TypeInference {
  /** The type of a value as inferred (also written to `value.type`, which passes may change; this stays). */
  typeOf(value: Value): ValueType | undefined;
  info(value: Value): ValueTypeInfo;
  /** Every typed value, in the order they were visited (graph by graph); made on each read (for tests and reports, not for lookups). */
  readonly values: ReadonlyMap<Value, ValueTypeInfo>;
  readonly warnings: readonly TypeWarning[];
}

export interface InferTypesOptions {
  /** Use value_info and graph output declarations where inference has no answer. Default true. */
  useDeclared?: boolean;
  /** Infer nothing: only declared types (graph I/O, value_info, initializers). Default false. */
  declaredOnly?: boolean;
}

/** Infers the type of every value of every graph of `model`. */
export function inferTypes(model: Model, options: InferTypesOptions = {}): TypeInference {
  return inferModel(new Inference(model, options.useDeclared ?? true, options.declaredOnly ?? false));
}

/**
 * Types `model` again after an edit, as inferTypes would, given `previous` (inferTypes of the same
 * model before the edit, default options): a node the edit did not touch (not in `edited`), without
 * subgraphs, typed by its schema, whose every input has the very type it had in `previous`, keeps
 * the output types inferred there, as inference reads nothing else of such a node. `inferred`: the
 * nodes typed anew. Warnings are those of the nodes typed anew.
 */
export function inferTypesAfterEdit(model: Model, previous: TypeInference, edited: ReadonlySet<Node>): { inference: TypeInference; inferred: ReadonlySet<Node> } {
  const reuse = { previous, edited, inferred: new Set<Node>() };
  return { inference: inferModel(new Inference(model, true, false, reuse)), inferred: reuse.inferred };
}

function inferModel(inference: Inference): Inference {
  const model = inference.model;
  if (model.graph) inference.inferGraph(model.graph, model.proto.opsetImport);
  for (const fn of model.functions) {
    // A function not yet reached from a call: its inputs stay as unknown.
    if (!inference.instantiated.has(fn)) inference.inferGraph(fn.body, fn.proto.opsetImport);
  }
  return inference;
}

const UNKNOWN_INPUT: ValueTypeInfo = { type: undefined, source: 'unknown', reason: 'no declared type' };

/** One shared record per (interned) type and source: a million values of one type share it. */
const sharedInfos = { declared: new Map<ValueType, ValueTypeInfo>(), inferred: new Map<ValueType, ValueTypeInfo>() };
function knownInfo(type: ValueType, source: 'declared' | 'inferred'): ValueTypeInfo {
  const cache = sharedInfos[source];
  let info = cache.get(type);
  if (!info) {
    info = Object.freeze({ type, source });
    // Only interned types are cached: a literal would pin one entry per object.
    if (internType(type) === type) cache.set(type, info);
  }
  return info;
}

class Inference implements TypeInference {
  /**
   * What is known of each value, at `value.id - base`: one array slot a value, where a Map costs
   * several times more (and leaves its outgrown tables behind). Values older than the model (none
   * from modelFromProto) go to `#older`.
   */
  readonly #infos: (ValueTypeInfo | undefined)[];
  readonly #base: number;
  readonly #older = new Map<Value, ValueTypeInfo>();
  /** The typed values in the order first typed: `#typedCount` of them (sized as #infos, so it seldom grows). */
  readonly #typed: Value[];
  #typedCount = 0;
  readonly warnings: TypeWarning[] = [];
  readonly instantiated = new Set<ModelFunction>();
  readonly #functions = new Map<string, ModelFunction>();
  readonly #declared = new Map<Value, ValueType>();

  constructor(
    readonly model: Model,
    readonly useDeclared: boolean,
    readonly declaredOnly: boolean,
    readonly reuse?: { previous: TypeInference; edited: ReadonlySet<Node>; inferred: Set<Node> },
  ) {
    this.#base = model.firstValueId;
    // Sized once for every value the model has now; values added later extend it.
    this.#infos = new Array<ValueTypeInfo | undefined>(Math.max(0, nextValueId() - this.#base));
    this.#typed = new Array<Value>(this.#infos.length);
    for (const fn of model.functions) this.#functions.set(`${fn.proto.domain}\u0000${fn.proto.name}`, fn);
  }

  /** Every typed value, as a new Map (built on each call: a whole-model walk, not for per-node lookups). */
  get values(): ReadonlyMap<Value, ValueTypeInfo> {
    return new Map(this.#typed.slice(0, this.#typedCount).map((value) => [value, this.#get(value)!]));
  }

  #get(value: Value): ValueTypeInfo | undefined {
    const index = value.id - this.#base;
    return index >= 0 ? this.#infos[index] : this.#older.get(value);
  }

  typeOf(value: Value): ValueType | undefined {
    return this.#get(value)?.type;
  }

  /** Records what is known of a value, and gives the Value its type (passes may change `value.type` later; this record keeps the inferred one). */
  record(value: Value, info: ValueTypeInfo): void {
    if (this.#get(value) === undefined) this.#typed[this.#typedCount++] = value;
    const index = value.id - this.#base;
    if (index >= 0) this.#infos[index] = info;
    else this.#older.set(value, info);
    value.type = info.type;
  }

  info(value: Value): ValueTypeInfo {
    return this.#get(value) ?? UNKNOWN_INPUT;
  }

  /** Types a graph; values of its inputs already set by the caller (loop bodies) are kept. */
  inferGraph(graph: Graph, opsets: readonly OperatorSetIdProto[]): void {
    for (const port of [...graph.outputs, ...graph.valueInfo]) {
      const declared = typeFromProto(port.info?.type);
      if (declared) this.#declared.set(port.value, declared);
    }
    for (const port of graph.inputs) {
      if (this.#get(port.value) !== undefined) continue;
      const declared = typeFromProto(port.info?.type);
      this.record(port.value, declared ? knownInfo(declared, 'declared') : UNKNOWN_INPUT);
    }
    for (const value of graph.localValues()) {
      if (value.sparseInitializer?.values) this.record(value, knownInfo(tensorType(value.sparseInitializer.values.dataType), 'declared'));
    }
    for (const value of graph.initializers) {
      if (!this.#get(value)?.type) this.record(value, knownInfo(tensorType(value.initializer!.dataType), 'declared'));
    }
    for (const value of graph.localValues()) {
      if (value.isUnresolved) this.record(value, { type: undefined, source: 'unknown', reason: `"${value.name}" is not defined in the graph` });
    }
    for (const node of topologicalOrder(graph)) {
      if (this.reuse && this.reused(node, this.reuse.previous, this.reuse.edited)) continue;
      this.inferNode(node, opsets);
      this.reuse?.inferred.add(node);
    }
  }

  /** Gives the node's outputs their types in `previous` where nothing inference reads of the node changed since (see inferTypesAfterEdit). */
  reused(node: Node, previous: TypeInference, edited: ReadonlySet<Node>): boolean {
    if (edited.has(node) || node.subgraphs.size > 0 || node.opType === 'Gradient') return false;
    if (this.#functions.size > 0 && this.#functions.has(`${node.domain}\u0000${node.opType}`)) return false;
    for (const value of node.inputs) {
      if (!value) continue;
      const type = previous.typeOf(value);
      if (!type || this.#get(value)?.type !== type) return false;
    }
    for (const value of node.outputs) if (value && previous.info(value).source !== 'inferred') return false;
    for (const value of node.outputs) if (value) this.record(value, previous.info(value));
    return true;
  }

  inferNode(node: Node, opsets: readonly OperatorSetIdProto[]): void {
    if (this.declaredOnly) {
      for (const value of node.outputs) if (value) this.setUnknown(value, 'not declared (type inference disabled)');
      for (const g of node.allSubgraphs()) this.inferGraph(g, opsets);
      return;
    }
    const nodeInputs = node.inputs;
    const inputs: (ValueType | undefined)[] = new Array(nodeInputs.length);
    for (let i = 0; i < nodeInputs.length; i++) {
      const value = nodeInputs[i];
      inputs[i] = value && this.#get(value)?.type;
    }
    const opset = opsetVersion(opsets, node.domain);
    let types: (ValueType | undefined)[] = [];
    let reason: string | undefined;

    const sub = node.subgraphs.size === 0 ? undefined : this.inferControlFlow(node, inputs, opsets);
    const fn = this.#functions.size === 0 ? undefined : this.#functions.get(`${node.domain}\u0000${node.opType}`);
    if (sub) {
      types = sub;
    } else if (node.opType === 'Gradient' && normalizeDomain(node.domain) === 'ai.onnx.preview.training') {
      // d(y)/d(x) has the type of x; `xs` names the x tensors in this graph's scope.
      const xs = node.proto.attribute.find((a) => a.name === 'xs')?.strings ?? [];
      types = xs.map((name) => {
        const x = node.graph.lookup(new TextDecoder().decode(name));
        return x && this.typeOf(x);
      });
    } else if (fn) {
      types = this.inferFunctionCall(fn, inputs);
    } else {
      const lookup = lookupSchema(node.domain, node.opType, opset);
      const rule = typeRuleFor(node.domain, node.opType);
      const ruled = rule ? rule(node.proto, inputs, opset ?? 0) : [];
      if (lookup.schema) {
        const fromSchema = outputsFromSchema(lookup.schema, node, inputs);
        types = fromSchema.types;
        for (let i = 0; i < ruled.length; i++) if (ruled[i]) types[i] = ruled[i];
        reason = fromSchema.reason;
      } else {
        types = ruled;
        reason = lookup.reason;
      }
    }
    const outputs = node.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const value = outputs[i];
      if (!value) continue;
      const type = types[i];
      if (type) this.setInferred(value, type);
      else this.setUnknown(value, reason ?? `${opKey(node.domain, node.opType)} gives no type for output ${i}`);
    }
  }

  setInferred(value: Value, type: ValueType): void {
    const declared = this.#declared.get(value);
    if (declared && !sameType(declared, type)) {
      this.warnings.push({
        graph: value.graph.path,
        value: value.name,
        message: `tensor "${value.name}" is declared ${formatValueType(declared)} but ${value.producer?.describe() ?? 'its producer'} gives ${formatValueType(type)}`,
      });
    }
    this.record(value, knownInfo(type, 'inferred'));
  }

  setUnknown(value: Value, reason: string): void {
    const declared = this.useDeclared ? this.#declared.get(value) : undefined;
    this.record(value, declared ? knownInfo(declared, 'declared') : { type: undefined, source: 'unknown', reason });
  }

  /** Output types of If, Loop, Scan and SequenceMap, from their bodies; undefined for other ops. */
  inferControlFlow(node: Node, inputs: (ValueType | undefined)[], opsets: readonly OperatorSetIdProto[]): (ValueType | undefined)[] | undefined {
    if (node.subgraphs.size === 0) return undefined;
    if (!isDefaultDomain(node.domain)) {
      // Contrib ops with graph attributes (BeamSearch, ...): type the bodies, outputs from the table.
      for (const g of node.allSubgraphs()) this.inferGraph(g, opsets);
      return undefined;
    }
    const body = (name: string) => {
      const g = node.subgraphs.get(name);
      return g && !Array.isArray(g) ? g : undefined;
    };
    const outputsOf = (g: Graph) => g.outputs.map((p) => this.typeOf(p.value));
    switch (node.opType) {
      case 'If': {
        const thenBranch = body('then_branch');
        const elseBranch = body('else_branch');
        if (thenBranch) this.inferGraph(thenBranch, opsets);
        if (elseBranch) this.inferGraph(elseBranch, opsets);
        const a = thenBranch ? outputsOf(thenBranch) : [];
        const b = elseBranch ? outputsOf(elseBranch) : [];
        return node.outputs.map((_, i) => a[i] ?? b[i]);
      }
      case 'Loop': {
        const g = body('body');
        if (!g) return undefined;
        const carried = inputs.slice(2);
        this.presetInputs(g, [tensorType(7), tensorType(9), ...carried]);
        this.inferGraph(g, opsets);
        const outs = outputsOf(g).slice(1);
        // Body outputs after the carried ones are scan outputs: stacked into tensors of the same element type.
        return node.outputs.map((_, i) => (i < carried.length ? (outs[i] ?? carried[i]) : tensorOfElem(outs[i])));
      }
      case 'Scan': {
        const g = body('body');
        if (!g) return undefined;
        const opset = opsetVersion(opsets, '') ?? 0;
        const stateAndScan = opset < 9 ? inputs.slice(1) : inputs;
        const scanCount = intAttribute(node.proto, 'num_scan_inputs', 0);
        const stateCount = stateAndScan.length - scanCount;
        this.presetInputs(g, stateAndScan.map((t, i) => (i < stateCount ? t : tensorOfElem(t))));
        this.inferGraph(g, opsets);
        return outputsOf(g).map((t, i) => (i < stateCount ? t : tensorOfElem(t)));
      }
      case 'SequenceMap': {
        const g = body('body');
        if (!g) return undefined;
        this.presetInputs(g, inputs.map((t) => (t?.kind === 'sequence' ? t.elem : t)));
        this.inferGraph(g, opsets);
        return outputsOf(g).map((t) => t && sequenceType(t));
      }
      default:
        // Other ops with graph attributes (e.g. contrib BeamSearch): type the bodies, outputs from the table.
        for (const g of node.allSubgraphs()) this.inferGraph(g, opsets);
        return undefined;
    }
  }

  /** Gives undeclared body inputs the types the caller passes in. */
  presetInputs(graph: Graph, types: (ValueType | undefined)[]): void {
    graph.inputs.forEach((port, i) => {
      const declared = typeFromProto(port.info?.type);
      const passed = types[i];
      if (declared) this.record(port.value, knownInfo(declared, 'declared'));
      else if (passed) this.record(port.value, knownInfo(passed, 'inferred'));
      else this.record(port.value, { type: undefined, source: 'unknown', reason: 'the caller gives no type for this body input' });
    });
  }

  inferFunctionCall(fn: ModelFunction, inputs: (ValueType | undefined)[]): (ValueType | undefined)[] {
    this.instantiated.add(fn);
    this.presetInputs(fn.body, inputs);
    this.inferGraph(fn.body, fn.proto.opsetImport);
    return fn.body.outputs.map((p) => this.typeOf(p.value));
  }
}

function tensorOfElem(type: ValueType | undefined): ValueType | undefined {
  return type && (type.kind === 'tensor' || type.kind === 'sparse_tensor') ? tensorType(type.elemType) : type;
}



/** The formal parameter an actual input or output position corresponds to (variadic last formals repeat). */
export function formalAt(formals: readonly Formal[], index: number): Formal | undefined {
  if (index < formals.length) return formals[index];
  const last = formals[formals.length - 1];
  return last?.variadic ? last : undefined;
}

/** The one type all known inputs of parameter `param` share, if they all are known and agree. */
function commonType(schema: OpSchema, inputs: (ValueType | undefined)[], param: string): ValueType | undefined {
  let common: ValueType | undefined;
  for (let i = 0; i < inputs.length; i++) {
    if (formalAt(schema.inputs, i)?.type !== param) continue;
    const type = inputs[i];
    if (!type || (common && !sameType(common, type))) return undefined;
    common = type;
  }
  return common;
}

/** The type the first known input of type parameter `param` has (inputs bind parameters in order). */
function boundType(schema: OpSchema, inputs: (ValueType | undefined)[], param: string): ValueType | undefined {
  for (let i = 0; i < inputs.length; i++) {
    const type = inputs[i];
    if (!type) continue;
    const formal = formalAt(schema.inputs, i);
    if (formal && formal.type === param && !formal.heterogeneous) return type;
  }
  return undefined;
}

/** Binds the schema's type parameters from the known input types, then types the outputs. */
function outputsFromSchema(schema: OpSchema, node: Node, inputs: (ValueType | undefined)[]): { types: (ValueType | undefined)[]; reason?: string } {
  let reason: string | undefined;
  const count = node.outputs.length;
  const types: (ValueType | undefined)[] = new Array<ValueType | undefined>(count).fill(undefined);
  for (let i = 0; i < count; i++) {
    const formal = formalAt(schema.outputs, i);
    if (!formal) {
      reason = `${opKey(node.domain, node.opType)} has no output ${i} at opset ${schema.sinceVersion}+`;
      continue;
    }
    const allowed = schema.typeConstraints.get(formal.type);
    if (!allowed) {
      types[i] = parseValueType(formal.type);
      continue;
    }
    const bound = boundType(schema, inputs, formal.type);
    if (bound) {
      types[i] = bound;
      continue;
    }
    if (formal.heterogeneous) {
      // A heterogeneous variadic output (training optimizers): typed when every input of that parameter agrees.
      const same = commonType(schema, inputs, formal.type);
      if (same) {
        types[i] = same;
        continue;
      }
    }
    if (allowed.size === 1) {
      types[i] = parseValueType([...allowed][0]!);
      continue;
    }
    reason = `${opKey(node.domain, node.opType)}: type parameter ${formal.type} of output "${formal.name}" cannot be bound (its inputs' types are unknown)`;
  }
  return reason === undefined ? { types } : { types, reason };
}
