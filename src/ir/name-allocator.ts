/**
 * Fresh names for values and nodes the tool inserts. A name is never one already used anywhere
 * in the model: any graph, subgraph, function, training graph, as a value, node or function name.
 */
import type { GraphProto } from '../proto/onnx.js';
import type { Model } from './model.js';

export class NameAllocator {
  readonly #used = new Set<string>();
  readonly #counters = new Map<string, number>();

  /** Collects every name the model uses. */
  static forModel(model: Model): NameAllocator {
    const names = new NameAllocator();
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
    return names;
  }

  /** Marks a name as taken. */
  reserve(name: string): void {
    if (name) this.#used.add(name);
  }

  has(name: string): boolean {
    return this.#used.has(name);
  }

  /** `base` if free, else `base_1`, `base_2`, ...: the first that is free. Reserves it. */
  allocate(base: string): string {
    let name = base;
    let counter = this.#counters.get(base) ?? 0;
    while (name === '' || this.#used.has(name)) name = `${base}_${++counter}`;
    this.#counters.set(base, counter);
    this.#used.add(name);
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
