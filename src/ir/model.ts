/**
 * The IR of a whole model: the main graph, model-local functions (each body a Graph), and the
 * ModelProto they came from, whose other fields (opsets, metadata, training_info) ride along.
 */
import type { FunctionProto, ModelProto } from '../proto/onnx.js';
import type { Graph } from './graph.js';
import { opsetVersion } from './domain.js';
import type { Node } from './node.js';

export interface ModelFunction {
  /** The proto the function came from; name, domain, attributes and opsets ride along. */
  proto: FunctionProto;
  /** Its body; inputs and outputs are names only (Port.info undefined). */
  body: Graph;
}

export class Model {
  constructor(
    public proto: ModelProto,
    readonly graph: Graph | undefined,
    readonly functions: ModelFunction[],
    /** The smallest Value id of the model as built (ir/from-proto.ts); values added later have larger ids. */
    readonly firstValueId = 0,
  ) {}

  /** Every graph: the main graph, function bodies and all subgraphs, parents before children. */
  *graphs(): IterableIterator<Graph> {
    const roots = [...(this.graph ? [this.graph] : []), ...this.functions.map((f) => f.body)];
    for (const root of roots) yield* graphTree(root);
  }

  /** Every node of every graph, parents' nodes before their subgraphs' nodes. */
  *nodes(): IterableIterator<Node> {
    for (const graph of this.graphs()) yield* graph.nodes;
  }

  /** The opset version the model imports for `domain` ("" and "ai.onnx" are the same domain). */
  opsetVersion(domain: string): number | undefined {
    return opsetVersion(this.proto.opsetImport, domain);
  }
}

/** A graph and all graphs nested in its nodes, parents first. */
export function* graphTree(root: Graph): IterableIterator<Graph> {
  const stack: Graph[] = [root];
  while (stack.length > 0) {
    const graph = stack.pop()!;
    yield graph;
    const children: Graph[] = [];
    for (const node of graph.nodes) children.push(...node.allSubgraphs());
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}
