/**
 * A graph of the IR: nodes, inputs, outputs, initializers and value_info, with a name scope.
 * A subgraph (If/Loop/Scan body) has the graph of its owner node as `parent`; names it does not
 * define resolve through the parent chain, to the same Value objects. Model-local function bodies
 * are graphs too, with names-only inputs and outputs.
 */
import type { GraphProto, ValueInfoProto } from '../proto/onnx.js';
import type { Node } from './node.js';
import { Value } from './value.js';

/** A graph input, output or value_info entry: the value and the proto that declares it (if any). */
export interface Port {
  value: Value;
  /** The declaration as found (type, shape, doc); undefined for function inputs/outputs, which are names only. */
  info: ValueInfoProto | undefined;
}

export type GraphKind = 'main' | 'subgraph' | 'function' | 'training';

export class Graph {
  /** Replaced only while the graph is built (from-proto.ts); passes edit the list. */
  nodes: Node[] = [];
  readonly inputs: Port[] = [];
  readonly outputs: Port[] = [];
  readonly valueInfo: Port[] = [];
  /** Values backed by an initializer, in the proto's order. */
  readonly initializers: Value[] = [];
  readonly #scope = new Map<string, Value>();

  constructor(
    readonly kind: GraphKind,
    /** The proto this graph came from; fields the IR does not model ride along from it. */
    public proto: GraphProto | undefined,
    /** The enclosing graph of a subgraph. */
    readonly parent: Graph | undefined,
    /** The node whose attribute holds this subgraph. */
    readonly ownerNode: Node | undefined,
    /** Where the graph sits: "" for the main graph, else e.g. `If_0/then_branch` or `function:local.MyFn`. */
    readonly path: string,
  ) {}

  /** Defines `name` in this graph's scope, shadowing any outer value of the same name. */
  define(name: string): Value {
    const value = new Value(name, this);
    this.#scope.set(name, value);
    return value;
  }

  /** The value `name` refers to here: defined in this graph or, failing that, in an enclosing one. */
  lookup(name: string): Value | undefined {
    for (let graph: Graph | undefined = this; graph; graph = graph.parent) {
      const value = graph.#scope.get(name);
      if (value) return value;
    }
    return undefined;
  }

  /** The value `name` defined in this graph itself, if any. */
  localValue(name: string): Value | undefined {
    return this.#scope.get(name);
  }

  /** Values defined in this graph's own scope. */
  localValues(): IterableIterator<Value> {
    return this.#scope.values();
  }

  /** Re-registers a value after its name changed. */
  rename(value: Value, name: string): void {
    if (this.#scope.get(value.name) === value) this.#scope.delete(value.name);
    value.name = name;
    this.#scope.set(name, value);
  }

  /** The outermost graph enclosing this one: the main graph or a function body (itself when it has no parent). */
  get root(): Graph {
    let root: Graph = this;
    while (root.parent) root = root.parent;
    return root;
  }

  /** Nesting depth: 0 for a main or function graph. */
  get depth(): number {
    return this.parent ? this.parent.depth + 1 : 0;
  }
}
