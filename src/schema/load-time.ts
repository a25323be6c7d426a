/**
 * Two of onnxruntime's default load-time optimizations, which remove nodes that no execution
 * provider then runs: constant folding (a deterministic node without subgraphs whose inputs are
 * all constant is computed once on the CPU; a constant is an initializer a graph input cannot
 * override, from IR 4 on, a Constant's output, or a folded node's output) and Identity
 * elimination (an Identity whose output is not a graph output). Other fusions are not modelled.
 * Shared by `inspect --runtime` and runtime-aware conversion, so both agree on which nodes a
 * provider runs.
 */
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { isDefaultDomain } from '../ir/domain.js';
import { runtimeSupport, type RuntimeQuery } from './runtime-support.js';

/** Operators whose outputs differ from run to run: onnxruntime never folds them. */
const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/** What loading does to a node: `eliminated` (Identity), `folded` into a constant, or `kept` (a provider runs it; Constant nodes become initializers). */
export type LoadTimeFate = 'eliminated' | 'folded' | 'kept';

/**
 * Follows constants through a model's graphs. Visit every graph's nodes in topological order,
 * a graph before the subgraphs of its nodes, as onnxruntime does.
 */
export class LoadTimeFolding {
  readonly #constants = new Set<Value>();
  readonly #overridable: boolean;
  readonly #graphOutputs = new Map<Graph, Set<Value>>();

  /** `irVersion`: the model's; from IR 4 on, an initializer that is also a graph input can be overridden, so it is no constant. */
  constructor(irVersion: number | bigint) {
    this.#overridable = Number(irVersion) >= 4;
  }

  isConstant(value: Value): boolean {
    return this.#constants.has(value) || (value.initializer !== undefined && !(this.#overridable && value.isGraphInput));
  }

  /**
   * The node's fate on load. `query`: its runtime query with the types it will have (undefined
   * for an operator no table knows: never folded). A node is folded only where the CPU provider
   * runs it with those types.
   */
  fate(node: Node, query: RuntimeQuery | undefined): LoadTimeFate {
    if (!query) return 'kept';
    const standard = isDefaultDomain(node.domain);
    if (this.#eliminable(node)) {
      if (node.inputs[0] && this.isConstant(node.inputs[0])) this.#markConstant(node);
      return 'eliminated';
    }
    if (this.#foldable(node) && runtimeSupport('ort-cpu', query).supported) {
      this.#markConstant(node);
      // A Constant becomes an initializer: it stays in the counts as a node the provider takes.
      return standard && node.opType === 'Constant' ? 'kept' : 'folded';
    }
    return 'kept';
  }

  /** Whether the node's fate may be other than `kept`, whatever its query (when not, `fate` only says `kept`): the node need not be asked about. */
  mayRemove(node: Node): boolean {
    return this.#eliminable(node) || this.#foldable(node);
  }

  /** An Identity whose output is not a graph output. */
  #eliminable(node: Node): boolean {
    return isDefaultDomain(node.domain) && node.opType === 'Identity' && !node.outputs.some((value) => value && this.#outputsOf(node.graph).has(value));
  }

  #markConstant(node: Node): void {
    for (const value of node.outputs) if (value) this.#constants.add(value);
  }

  #outputsOf(graph: Graph): Set<Value> {
    let outputs = this.#graphOutputs.get(graph);
    if (!outputs) this.#graphOutputs.set(graph, (outputs = new Set(graph.outputs.map((port) => port.value))));
    return outputs;
  }

  /** Deterministic, no subgraph, every input constant. */
  #foldable(node: Node): boolean {
    if (isDefaultDomain(node.domain) && NONDETERMINISTIC.has(node.opType)) return false;
    if (node.subgraphs.size > 0) return false;
    return node.inputs.every((value) => value === undefined || this.isConstant(value));
  }
}
