/**
 * A node of the graph IR. Inputs and outputs are Values (undefined where an optional one is
 * omitted, i.e. named "" in the proto); everything else about the node (attributes, doc string,
 * metadata) rides along in the NodeProto it came from. Subgraph attributes (If, Loop, Scan, ...)
 * are parsed into Graphs whose parent is this node's graph.
 */
import { withFields } from '../proto/message-copy.js';
import type { AttributeProto, NodeProto } from '../proto/onnx.js';
import type { Graph } from './graph.js';
import type { Value } from './value.js';

/** Shared by every node without subgraphs (nearly all), so that none allocates a Map. */
const NO_SUBGRAPHS: ReadonlyMap<string, Graph | Graph[]> = new Map();
const NO_GRAPHS: readonly Graph[] = Object.freeze([]);

export class Node {
  #inputs: (Value | undefined)[] = [];
  #outputs: (Value | undefined)[] = [];
  #subgraphs: Map<string, Graph | Graph[]> | undefined = undefined;
  /** Scratch for topological-order.ts: the number of the last order check that placed this node. */
  placedInWalk = 0;

  constructor(
    /** The proto this node came from (or was built as); its input/output names are rewritten on export. */
    public proto: NodeProto,
    /** The graph this node belongs to. */
    readonly graph: Graph,
  ) {}

  get opType(): string {
    return this.proto.opType;
  }

  get domain(): string {
    return this.proto.domain;
  }

  get name(): string {
    return this.proto.name;
  }

  get inputs(): readonly (Value | undefined)[] {
    return this.#inputs;
  }

  get outputs(): readonly (Value | undefined)[] {
    return this.#outputs;
  }

  /** Subgraphs by attribute name: one Graph for `g`, a list for `graphs`. */
  get subgraphs(): ReadonlyMap<string, Graph | Graph[]> {
    return this.#subgraphs ?? NO_SUBGRAPHS;
  }

  /** Sets the subgraph(s) parsed from attribute `name`. */
  setSubgraphs(name: string, graphs: Graph | Graph[]): void {
    (this.#subgraphs ??= new Map()).set(name, graphs);
  }

  /** Every subgraph of this node, in attribute order. */
  allSubgraphs(): readonly Graph[] {
    if (!this.#subgraphs) return NO_GRAPHS;
    const out: Graph[] = [];
    for (const entry of this.#subgraphs.values()) {
      if (Array.isArray(entry)) out.push(...entry);
      else out.push(entry);
    }
    return out;
  }

  /** Rewires input `index`, keeping both values' `uses` exact. The only way inputs change. */
  setInput(index: number, value: Value | undefined): void {
    const old = this.#inputs[index];
    if (old === value && index < this.#inputs.length) return;
    if (old) old.removeUse(this, index);
    while (this.#inputs.length < index) this.#inputs.push(undefined);
    this.#inputs[index] = value;
    value?.addUse(this, index);
  }

  /**
   * Sets the outputs, then the inputs, of a node that has none yet (building the IR): the lists
   * are kept as given, sized exactly, where growing empty lists slot by slot would reserve room for 17.
   */
  setOutputSlots(outputs: (Value | undefined)[]): void {
    if (this.#outputs.length > 0) throw new Error(`internal error: setOutputSlots on ${this.describe()}, which has outputs already`);
    this.#outputs = outputs;
    for (const value of outputs) if (value) value.producer = this;
  }

  /** See setOutputSlots. */
  setInputSlots(inputs: (Value | undefined)[]): void {
    if (this.#inputs.length > 0) throw new Error(`internal error: setInputSlots on ${this.describe()}, which has inputs already`);
    this.#inputs = inputs;
    for (let i = 0; i < inputs.length; i++) inputs[i]?.addUse(this, i);
  }

  /** Sets output `index` and makes this node its producer. */
  setOutput(index: number, value: Value | undefined): void {
    const old = this.#outputs[index];
    if (old && old.producer === this) old.producer = undefined;
    while (this.#outputs.length < index) this.#outputs.push(undefined);
    this.#outputs[index] = value;
    if (value) value.producer = this;
  }

  /**
   * Sets an attribute: the one of the same name is removed and `attribute` goes last. The proto
   * is copied, never mutated: it may be shared with the source model.
   */
  setAttribute(attribute: AttributeProto): void {
    const others = this.proto.attribute.filter((a) => a.name !== attribute.name);
    others.push(attribute);
    this.proto = withFields(this.proto, { attribute: others });
  }

  /** Replaces all attributes (the proto is copied, as by setAttribute). */
  setAttributes(attributes: readonly AttributeProto[]): void {
    this.proto = withFields(this.proto, { attribute: [...attributes] });
  }

  /** A readable location for messages: `node "Conv_3" (Conv)` or `node #12 (Conv)` when unnamed. */
  describe(): string {
    const label = this.name ? `"${this.name}"` : `#${this.graph.nodes.indexOf(this)}`;
    const graph = this.graph.path ? ` in ${this.graph.path}` : '';
    return `node ${label} (${this.domain ? `${this.domain}::` : ''}${this.opType})${graph}`;
  }
}
