/**
 * `inspect --runtime NAME`: the nodes of a float16 (or bfloat16) model an onnxruntime provider
 * would not run in that type (it falls back to CPU for them, or refuses the model), with counts
 * by operator and reason; nodes without 16-bit float types that the provider does not run either
 * (integer shape arithmetic a GPU provider leaves to the CPU, ...) are listed apart. Every graph
 * is covered: subgraphs and model-local function bodies (onnxruntime inlines those).
 *
 * Two of onnxruntime's default load-time optimizations are followed, because they remove nodes
 * no provider then runs: constant folding (a deterministic node whose inputs are all constant is
 * computed once on the CPU; a constant is an initializer a graph input cannot override, from IR
 * 4 on, a Constant, or a folded node's output) and Identity elimination (an Identity whose output
 * is not a graph output). Other fusions are not modelled. Pure data, computed from a ModelProto;
 * the CLI prints it as text or JSON.
 */
import { DataType } from '../dtype.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Node } from '../ir/node.js';
import { topologicalOrder } from '../ir/topological-order.js';
import type { Value } from '../ir/value.js';
import type { ModelProto } from '../proto/onnx.js';
import { inferTypes } from '../schema/infer-types.js';
import { isDefaultDomain } from '../ir/domain.js';
import { formatValueType, tensorType } from '../ir/value-type.js';
import { nodeRuntimeQuery, opsetsOfGraphs, RUNTIME_LABELS, runtimeSupport, type RuntimeName } from '../schema/runtime-support.js';

export interface RuntimeNodeEntry {
  /** Path of the graph: "" for the main graph, e.g. "If_0/then_branch" or "function:local.Fn". */
  graph: string;
  /** The node's name, or "#index" in its graph when unnamed. */
  node: string;
  domain: string;
  opType: string;
  outcome: 'fallback' | 'refused';
  reason: string;
}

export interface RuntimeReport {
  runtime: RuntimeName;
  /** "onnxruntime CPU", "WebGPU", ... */
  runtimeLabel: string;
  /** Nodes checked (every graph); those without a schema (custom operators) are counted in `unknown`. */
  nodeCount: number;
  /** Nodes the provider runs with a kernel for their types (or, on CPU, computes in float32 between Casts, or as a function body). */
  supported: number;
  /** Nodes onnxruntime folds into constants, eliminates (Identity) or inlines (calls of model-local functions) when it loads the model. */
  removedOnLoad: number;
  /** (ort-cpu) Operators without a float16 kernel that onnxruntime computes in float32 between Casts it inserts, with node counts. */
  computedInFloat32: { domain: string; opType: string; count: number }[];
  /** Nodes no table can answer for: custom or unknown operators, or a domain the model imports no opset for. */
  unknown: { graph: string; node: string; domain: string; opType: string }[];
  /** Nodes with float16/bfloat16 types that fall back to CPU or make the model fail to load, in graph order. */
  nodes: RuntimeNodeEntry[];
  /** Nodes without 16-bit float types that the provider does not run either. */
  otherNodes: RuntimeNodeEntry[];
  /** The same nodes grouped by operator, outcome and reason, most frequent first. */
  byOp: { domain: string; opType: string; outcome: 'fallback' | 'refused'; reason: string; count: number }[];
  /** Notes the runtime's documents attach to operators the model uses (limitations not checked here). */
  notes: { domain: string; opType: string; note: string }[];
}

const LOW_PRECISION = new Set([formatValueType(tensorType(DataType.FLOAT16)), formatValueType(tensorType(DataType.BFLOAT16))]);

export function runtimeReport(proto: ModelProto, runtime: RuntimeName): RuntimeReport {
  const model = modelFromProto(proto);
  const inference = inferTypes(model);
  const opsetsOf = opsetsOfGraphs(model);
  const report: RuntimeReport = { runtime, runtimeLabel: RUNTIME_LABELS[runtime], nodeCount: 0, supported: 0, removedOnLoad: 0, computedInFloat32: [], unknown: [], nodes: [], otherNodes: [], byOp: [], notes: [] };
  const groups = new Map<string, RuntimeReport['byOp'][number]>();
  const notes = new Map<string, RuntimeReport['notes'][number]>();
  const constants = new Set<Value>();
  const overridable = Number(proto.irVersion) >= 4;
  const isConstant = (value: Value) =>
    constants.has(value) || (value.initializer !== undefined && !(overridable && value.isGraphInput));
  const localFunctions = new Set(model.functions.map((fn) => `${fn.proto.domain}\u0000${fn.proto.name}`));
  const float32 = new Map<string, RuntimeReport['computedInFloat32'][number]>();
  for (const graph of model.graphs()) {
    const outputs = new Set(graph.outputs.map((port) => port.value));
    const indexOf = new Map(graph.nodes.map((node, index) => [node, index]));
    for (const node of topologicalOrder(graph)) {
      report.nodeCount++;
      const where = { graph: graph.path, node: node.name || `#${indexOf.get(node)}`, domain: node.domain, opType: node.opType };
      if (localFunctions.has(`${node.domain}\u0000${node.opType}`)) {
        report.removedOnLoad++; // inlined: its body's nodes are checked with the function
        continue;
      }
      const query = nodeRuntimeQuery(node, inference, opsetsOf(graph));
      const producesOutput = node.outputs.some((value) => value && outputs.has(value));
      if (query && isDefaultDomain(node.domain) && node.opType === 'Identity' && !producesOutput) {
        report.removedOnLoad++;
        if (node.inputs[0] && isConstant(node.inputs[0])) for (const value of node.outputs) if (value) constants.add(value);
        continue;
      }
      if (query && foldable(node, isConstant) && runtimeSupport('ort-cpu', query).supported) {
        for (const value of node.outputs) if (value) constants.add(value);
        if (!(isDefaultDomain(node.domain) && node.opType === 'Constant')) {
          report.removedOnLoad++;
          continue;
        }
      }
      if (!query) {
        report.unknown.push(where);
        continue;
      }
      const verdict = runtimeSupport(runtime, query);
      if (verdict.supported) {
        report.supported++;
        if (verdict.how === 'float32-casts') {
          const key = `${node.domain}\u0000${node.opType}`;
          const entry = float32.get(key) ?? { domain: node.domain, opType: node.opType, count: 0 };
          entry.count++;
          float32.set(key, entry);
        }
        if (verdict.note) notes.set(`${node.domain}\u0000${node.opType}`, { domain: node.domain, opType: node.opType, note: verdict.note });
        continue;
      }
      const entry = { ...where, outcome: verdict.outcome, reason: verdict.reason };
      if (!Object.values(query.bindings).some((type) => LOW_PRECISION.has(type))) {
        report.otherNodes.push(entry);
        continue;
      }
      report.nodes.push(entry);
      const key = `${node.domain}\u0000${node.opType}\u0000${verdict.outcome}\u0000${verdict.reason}`;
      const group = groups.get(key) ?? { domain: node.domain, opType: node.opType, outcome: verdict.outcome, reason: verdict.reason, count: 0 };
      group.count++;
      groups.set(key, group);
    }
  }
  report.byOp = [...groups.values()].sort((a, b) => b.count - a.count || a.opType.localeCompare(b.opType));
  report.computedInFloat32 = [...float32.values()].sort((a, b) => b.count - a.count || a.opType.localeCompare(b.opType));
  report.notes = [...notes.values()].sort((a, b) => a.opType.localeCompare(b.opType));
  return report;
}

/** Operators whose outputs differ from run to run: onnxruntime never folds them. */
const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/** Whether onnxruntime's constant folding computes the node at load: deterministic, no subgraph, every input constant. */
function foldable(node: Node, isConstant: (value: Value) => boolean): boolean {
  if (isDefaultDomain(node.domain) && NONDETERMINISTIC.has(node.opType)) return false;
  if (node.subgraphs.size > 0) return false;
  return node.inputs.every((value) => value === undefined || isConstant(value));
}
