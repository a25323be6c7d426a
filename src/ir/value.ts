/**
 * A tensor-valued edge of the graph IR. It is defined in exactly one graph (its scope): as a graph
 * input, an initializer, or a node output. Nodes in nested subgraphs that capture it use this
 * very object, so `uses` lists every consumer, at any depth.
 */
import type { SparseTensorProto, TensorProto } from '../proto/onnx.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Shape, ValueType } from './value-type.js';

/** One consumer of a value: `node.inputs[index] === value`. */
export interface Use {
  readonly node: Node;
  readonly index: number;
}

/** Shared by every value nothing reads yet, so that none allocates an empty list. */
const NO_USES: readonly Use[] = Object.freeze([]);

/** What few values have: kept out of line, so that a million plain values do not carry three empty fields each. */
interface RareFields {
  initializer?: TensorProto | undefined;
  sparseInitializer?: SparseTensorProto | undefined;
  shape?: Shape | undefined;
}

/** The id the next Value gets. */
let nextId = 0;

/** The id the next Value will get: values made from now on have ids at least this. */
export function nextValueId(): number {
  return nextId;
}

export class Value {
  /** Numbers values in the order they are made (in the whole process): a pass keeps per-value data in an array by id, not a Map. */
  readonly id = nextId++;
  /** The node whose output this is; undefined for graph inputs, initializers and unresolved names. */
  producer: Node | undefined = undefined;
  /** One use kept as its node (and #useIndex): most values have one reader and need no Use object; several as a list. */
  #uses: Node | Use[] | undefined = undefined;
  #useIndex = 0;
  /**
   * The value's type where known: set by type inference, then by passes that change it (the
   * conversion leaves every value with its final type). Undefined: unknown.
   */
  type: ValueType | undefined = undefined;
  #rare: RareFields | undefined = undefined;

  constructor(
    /** The name in the model; unique in its scope. */
    public name: string,
    /** The graph whose scope defines this value. */
    readonly graph: Graph,
  ) {}

  /** The initializer that holds this value's data, when it is one. */
  get initializer(): TensorProto | undefined {
    return this.#rare?.initializer;
  }

  set initializer(tensor: TensorProto | undefined) {
    if (tensor !== undefined || this.#rare) (this.#rare ??= {}).initializer = tensor;
  }

  /** The sparse initializer that defines this value (graph.sparse_initializer), kept as found. */
  get sparseInitializer(): SparseTensorProto | undefined {
    return this.#rare?.sparseInitializer;
  }

  set sparseInitializer(sparse: SparseTensorProto | undefined) {
    if (sparse !== undefined || this.#rare) (this.#rare ??= {}).sparseInitializer = sparse;
  }

  /**
   * The tensor's shape where the model declares it (graph input, output or value_info, or an
   * initializer's dims); undefined where the rank is unknown or the value is no tensor. Shared
   * between values of the same shape: never mutate it, assign another.
   */
  get shape(): Shape | undefined {
    return this.#rare?.shape;
  }

  set shape(shape: Shape | undefined) {
    if (shape !== undefined || this.#rare) (this.#rare ??= {}).shape = shape;
  }

  /** Every node input that reads this value, subgraph nodes included (`Node.setInput` keeps it exact). */
  get uses(): readonly Use[] {
    const uses = this.#uses;
    if (uses === undefined) return NO_USES;
    return Array.isArray(uses) ? uses : [{ node: uses, index: this.#useIndex }];
  }

  /** Records that `node.inputs[index]` reads this value; for Node.setInput. */
  addUse(node: Node, index: number): void {
    const uses = this.#uses;
    if (uses === undefined) {
      this.#uses = node;
      this.#useIndex = index;
    } else if (Array.isArray(uses)) uses.push({ node, index });
    else this.#uses = [{ node: uses, index: this.#useIndex }, { node, index }];
  }

  /** Forgets that `node.inputs[index]` reads this value; for Node.setInput. */
  removeUse(node: Node, index: number): void {
    const uses = this.#uses;
    if (uses === undefined) return;
    if (!Array.isArray(uses)) {
      if (uses === node && this.#useIndex === index) this.#uses = undefined;
      return;
    }
    const at = uses.findIndex((use) => use.node === node && use.index === index);
    if (at >= 0) uses.splice(at, 1);
  }

  /** True when no graph input, initializer or node defines the name (an invalid reference kept as found). */
  get isUnresolved(): boolean {
    return this.producer === undefined && this.initializer === undefined && this.sparseInitializer === undefined && !this.isGraphInput;
  }

  /** True when this value is an input of its graph (IR < 4: also an initializer listed as an input). */
  get isGraphInput(): boolean {
    for (const port of this.graph.inputs) if (port.value === this) return true;
    return false;
  }

  /** True when an output of its own graph names this value (subgraph outputs naming a captured value are their graph's). */
  get isGraphOutput(): boolean {
    for (const port of this.graph.outputs) if (port.value === this) return true;
    return false;
  }

  /** True for a constant weight: an initializer that is not also a graph input (which a feed could override). */
  get isConstantInitializer(): boolean {
    return this.initializer !== undefined && !this.isGraphInput;
  }
}
