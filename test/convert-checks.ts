/**
 * What every conversion test asserts about a converted model: schema-valid types, unique names
 * (SSA across all graphs), topological order counting subgraph captures, and the requested
 * element types on the graph inputs and outputs.
 */
import assert from 'node:assert/strict';
import { modelFromProto } from '../src/ir/from-proto.js';
import type { Graph } from '../src/ir/graph.js';
import type { ModelProto, GraphProto } from '../src/proto/onnx.js';
import { checkTypes } from '../src/schema/check-types.js';
import { inferTypes } from '../src/schema/infer-types.js';
import { dataTypeName } from '../src/dtype.js';
import { convertModel } from '../src/convert/convert-model.js';
import type { ConvertOptions } from '../src/convert/options.js';
import { float16BitsToFloat32Bits } from '../src/numeric/float16.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { compareOutputs, feedsFor, randomFeeds, RUNTIME_SKIP, runModel } from './runtime-helpers.js';

const F = DataType.FLOAT;

export function assertWellFormed(model: ModelProto): void {
  const ir = modelFromProto(model);
  const inference = inferTypes(ir);
  assert.deepEqual(checkTypes(ir, inference).map((v) => v.message), [], 'schema-valid types');
  assert.deepEqual(inference.warnings.map((w) => w.message), [], 'declarations agree with inferred types');
  // SSA: a name is defined once in its graph and never again in a graph nested in it
  // (sibling branches may reuse a name); node names are unique.
  const duplicates: string[] = [];
  const nodeNames = new Map<string, number>();
  const visit = (g: GraphProto, outer: ReadonlySet<string>) => {
    const local = new Set<string>();
    const define = (name: string) => {
      if (local.has(name) || outer.has(name)) duplicates.push(name);
      local.add(name);
    };
    // IR < 4: an initializer may also be listed as an input.
    const initializers = new Set(g.initializer.map((t) => t.name));
    for (const name of initializers) define(name);
    for (const input of g.input) if (!initializers.has(input.name)) define(input.name);
    for (const n of g.node) for (const o of n.output) if (o) define(o);
    const scope = new Set([...outer, ...local]);
    for (const n of g.node) {
      if (n.name) nodeNames.set(n.name, (nodeNames.get(n.name) ?? 0) + 1);
      for (const a of n.attribute) {
        if (a.g) visit(a.g, scope);
        for (const sub of a.graphs) visit(sub, scope);
      }
    }
  };
  visit(model.graph!, new Set());
  assert.deepEqual(duplicates, [], 'value names are unique');
  assert.deepEqual([...nodeNames].filter(([, c]) => c > 1).map(([n]) => n), [], 'node names are unique');
  for (const graph of ir.graphs()) assertTopological(graph);
}

function assertTopological(graph: Graph): void {
  const seen = new Set<unknown>();
  for (const port of graph.inputs) seen.add(port.value);
  for (const value of graph.initializers) seen.add(value);
  for (const value of graph.localValues()) if (value.sparseInitializer) seen.add(value);
  const available = (value: { graph: Graph }) => value.graph !== graph || seen.has(value);
  const capturedOk = (g: Graph): boolean =>
    g.nodes.every((n) => n.inputs.every((v) => !v || v.graph !== graph || seen.has(v)) && n.allSubgraphs().every(capturedOk));
  for (const node of graph.nodes) {
    for (const value of node.inputs) if (value) assert.ok(available(value), `${node.describe()} reads "${value.name}" before it is produced`);
    for (const sub of node.allSubgraphs()) assert.ok(capturedOk(sub), `${node.describe()} captures a value produced after it`);
    for (const value of node.outputs) if (value) seen.add(value);
  }
}

/** Element type names of the main graph's inputs and outputs. */
export function ioTypes(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const port of [...model.graph!.input, ...model.graph!.output]) {
    const type = port.type?.value;
    out[port.name] = type?.case === 'tensorType' ? dataTypeName(type.value.elemType) : (type?.case ?? 'none');
  }
  return out;
}

/** Node op types of a graph, in order. */
export function opTypes(graph: GraphProto): string[] {
  return graph.node.map((n) => n.opType);
}

/** Converts and checks the result is well formed (valid types, unique names, topological order). */
export function convert(m: ModelProto, options: ConvertOptions = {}) {
  const result = convertModel(m, options);
  assertWellFormed(result.model);
  return result;
}

/** Runs both models on the same random feeds and asserts the converted one matches within tolerance. */
export async function assertRunsLike(original: ModelProto, converted: ModelProto, dims: Record<string, number> = {}, tolerance = 1e-2) {
  if (RUNTIME_SKIP) return;
  const feeds = randomFeeds(original, dims);
  const expected = await runModel(original, feeds);
  const actual = await runModel(converted, feedsFor(converted, feeds));
  assert.equal(compareOutputs(expected, actual, tolerance, tolerance), undefined);
}

/** The float16 bits of a tensor's raw data. */
export const rawHalves = (t: { rawData: Uint8Array }) => {
  const bytes = Uint8Array.from(t.rawData);
  return Array.from(new Uint16Array(bytes.buffer));
};
export const halfValue = (bits: number) => new Float32Array(Uint32Array.of(float16BitsToFloat32Bits(bits)).buffer)[0]!;
export const initializer = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name)!;

/** x -> MatMul -> Relu -> MatMul -> y, with two float32 weights. */
export function mlp() {
  return model(
    graph({
      nodes: [node('MatMul', ['x', 'w1'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'w2'], ['y'])],
      inputs: [valueInfo('x', F, [2, 4])],
      outputs: [valueInfo('y', F, [2, 3])],
      initializers: [tensor('w1', [4, 4], Array.from({ length: 16 }, (_, i) => (i - 8) / 10)), tensor('w2', [4, 3], Array.from({ length: 12 }, (_, i) => i / 10))],
    }),
  );
}
