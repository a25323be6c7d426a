/**
 * Topological order of a graph's nodes, in linear time. A node depends on the producers of its
 * inputs and on the producers of every value its subgraphs capture from this graph. The order is
 * stable: a graph already sorted keeps its order, and otherwise each node moves only as early as
 * its dependencies force.
 */
import { OnnxFormatError } from '../errors.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Value } from './value.js';

/** Values used inside `graph` (and its subgraphs) that are defined outside it. */
export function capturedValues(graph: Graph, memo = new Map<Graph, Set<Value>>()): Set<Value> {
  const cached = memo.get(graph);
  if (cached) return cached;
  const captured = new Set<Value>();
  for (const node of graph.nodes) {
    for (const value of node.inputs) if (value && value.graph !== graph) captured.add(value);
    for (const sub of node.allSubgraphs()) {
      for (const value of capturedValues(sub, memo)) if (value.graph !== graph) captured.add(value);
    }
  }
  memo.set(graph, captured);
  return captured;
}

/** The nodes of `graph` in a dependency order; throws on a cycle, naming a node on it. */
export function topologicalOrder(graph: Graph, memo = new Map<Graph, Set<Value>>()): Node[] {
  return isSorted(graph, memo) ? [...graph.nodes] : sortedNodes(graph, memo);
}

/** Numbers the walks of isSorted: a node stamped with the current one is placed (no Set of a million nodes a walk). */
let walks = 0;

/** Whether every node of `graph` comes after the producers it depends on (most models are stored so). */
function isSorted(graph: Graph, memo: Map<Graph, Set<Value>>): boolean {
  const walk = ++walks;
  const ready = (value: Value | undefined) => {
    const producer = value?.producer;
    return !producer || producer.graph !== graph || producer.placedInWalk === walk;
  };
  for (const node of graph.nodes) {
    for (const value of node.inputs) if (!ready(value)) return false;
    for (const sub of node.allSubgraphs()) for (const value of capturedValues(sub, memo)) if (!ready(value)) return false;
    node.placedInWalk = walk;
  }
  return true;
}

function sortedNodes(graph: Graph, memo: Map<Graph, Set<Value>>): Node[] {
  const dependencies = (node: Node): Node[] => {
    const deps: Node[] = [];
    for (const value of node.inputs) if (value?.producer && value.producer.graph === graph) deps.push(value.producer);
    for (const sub of node.allSubgraphs()) {
      for (const value of capturedValues(sub, memo)) if (value.producer && value.producer.graph === graph) deps.push(value.producer);
    }
    return deps;
  };
  const state = new Map<Node, 'visiting' | 'done'>();
  const order: Node[] = [];
  for (const start of graph.nodes) {
    if (state.has(start)) continue;
    const stack: { node: Node; deps: Node[]; next: number }[] = [{ node: start, deps: dependencies(start), next: 0 }];
    state.set(start, 'visiting');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next++]!;
        const seen = state.get(dep);
        if (seen === 'visiting') throw new OnnxFormatError(`the graph ${graph.path || 'main'} has a cycle through ${dep.describe()}; a graph's nodes must form a DAG`);
        if (seen === undefined) {
          state.set(dep, 'visiting');
          stack.push({ node: dep, deps: dependencies(dep), next: 0 });
        }
      } else {
        stack.pop();
        state.set(frame.node, 'done');
        order.push(frame.node);
      }
    }
  }
  return order;
}
