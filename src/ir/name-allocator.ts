/**
 * Fresh names for values and nodes the tool inserts. A name is never one already used anywhere
 * in the model: any graph, subgraph, function, training graph, as a value, node or function name.
 */
import type { GraphProto } from '../proto/onnx.js';
import type { Model } from './model.js';

export class NameAllocator {
  readonly #used = new Set<string>();
  readonly #counters = new Map<string, number>();
  /** The model whose names are still to be collected (see `collectedWhenNeeded`). */
  #pending: Model | undefined = undefined;

  /** An allocator that avoids every name the model uses now. */
  static forModel(model: Model): NameAllocator {
    const names = new NameAllocator();
    names.#collect(model);
    return names;
  }

  /**
   * The same, but the names are collected on the first call, so a pass that adds no name never
   * collects a million of them. Only for a caller that removes and renames nothing before its
   * first call (what is collected then is what the model uses then).
   */
  static collectedWhenNeeded(model: Model): NameAllocator {
    const names = new NameAllocator();
    names.#pending = model;
    return names;
  }

  get #names(): Set<string> {
    const model = this.#pending;
    if (model) {
      this.#pending = undefined;
      this.#collect(model);
    }
    return this.#used;
  }

  #collect(model: Model): void {
    const names = this;
    for (const graph of model.graphs()) {
      for (const value of graph.localValues()) names.reserve(value.name);
      for (const node of graph.nodes) names.reserve(node.name);
      if (graph.proto?.name) names.reserve(graph.proto.name);
    }
    for (const fn of model.functions) names.reserve(fn.proto.name);
    for (const info of model.proto.trainingInfo) {
      if (info.initialization) reserveProtoNames(names, info.initialization);
      if (info.algorithm) reserveProtoNames(names, info.algorithm);
    }
  }

  /** Marks a name as taken. */
  reserve(name: string): void {
    if (name) this.#names.add(name);
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** `base` if free, else `base_1`, `base_2`, ...: the first that is free. Reserves it. */
  allocate(base: string): string {
    let name = base;
    let counter = this.#counters.get(base) ?? 0;
    const used = this.#names;
    while (name === '' || used.has(name)) name = `${base}_${++counter}`;
    this.#counters.set(base, counter);
    used.add(name);
    return name;
  }
}

function reserveProtoNames(names: NameAllocator, graph: GraphProto): void {
  for (const t of graph.initializer) names.reserve(t.name);
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) names.reserve(v.name);
  for (const node of graph.node) {
    names.reserve(node.name);
    for (const name of [...node.input, ...node.output]) names.reserve(name);
    for (const attr of node.attribute) {
      if (attr.g) reserveProtoNames(names, attr.g);
      for (const g of attr.graphs) reserveProtoNames(names, g);
    }
  }
}
