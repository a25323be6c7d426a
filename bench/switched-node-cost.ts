/**
 * What the switched model (src/mixed/switched-model.ts) adds per node of a model, on
 * onnxruntime-node's CPU with small tensors: a chain of 500 Relu on [4, 16] floats, and the same
 * chain with, after each Relu, what the switched model puts after a node's output: a Cast pair
 * (rounding), a Where (selection) at a switch shared by all, then a Gather of the node's own switch
 * too. Session as the search opens it (graph optimizations off); all chains timed in turn in one
 * process, medians. The floor of one attempt is (node + extra) / node: with a Relu-sized node
 * that is well above 5 plain runs, whatever the graph around it.
 *
 * Runs alone: `node --import tsx bench/switched-node-cost.ts`.
 */
import * as ort from 'onnxruntime-node';
import { graph, model, node, tensor, valueInfo, DataType } from '../test/model-builder.js';
import { encodeModel } from '../src/proto/codec.js';

const NODES = 500;
type Chain = 'relu' | 'rounded' | 'selected' | 'switched';

function chain(kind: Chain): Uint8Array {
  const nodes = [];
  const initializers = [tensor('zero', [], [0], DataType.INT64)];
  if (kind === 'selected') nodes.push(node('Gather', ['switches', 'zero'], ['shared']));
  let x = 'x';
  for (let i = 0; i < NODES; i++) {
    nodes.push(node('Relu', [x], [`r${i}`]));
    x = `r${i}`;
    if (kind === 'relu') continue;
    nodes.push(node('Cast', [`r${i}`], [`l${i}`], { to: BigInt(DataType.FLOAT16) }), node('Cast', [`l${i}`], [`h${i}`], { to: BigInt(DataType.FLOAT) }));
    x = `h${i}`;
    if (kind === 'rounded') continue;
    let cond = 'shared';
    if (kind === 'switched') {
      initializers.push(tensor(`k${i}`, [], [i % 16], DataType.INT64));
      nodes.push(node('Gather', ['switches', `k${i}`], [`c${i}`]));
      cond = `c${i}`;
    }
    nodes.push(node('Where', [cond, `h${i}`, `r${i}`], [`w${i}`]));
    x = `w${i}`;
  }
  const inputs = [valueInfo('x', DataType.FLOAT, [4, 16]), valueInfo('switches', DataType.BOOL, [16])];
  return encodeModel(model(graph({ nodes, inputs, outputs: [valueInfo(x, DataType.FLOAT, [4, 16])], initializers }), { opset: 17 }));
}

const kinds: Chain[] = ['relu', 'rounded', 'selected', 'switched'];
const sessions = await Promise.all(kinds.map((kind) => ort.InferenceSession.create(chain(kind), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 })));
const feeds = { x: new ort.Tensor('float32', new Float32Array(64).fill(1.5), [4, 16]), switches: new ort.Tensor('bool', Uint8Array.from({ length: 16 }, (_, i) => i % 2), [16]) };
const times = kinds.map(() => [] as number[]);
for (let run = 0; run < 65; run++) {
  for (const [i, session] of sessions.entries()) {
    const start = performance.now();
    await session.run(feeds);
    times[i]!.push(performance.now() - start);
  }
}
// The first five of each are warm-up.
const perNode = (xs: number[]) => (xs.slice(5).sort((a, b) => a - b)[30]! * 1000) / NODES;
const relu = perNode(times[0]!);
console.log(`switched model, extra nodes per node of the model (onnxruntime-node CPU, [4, 16] floats, ${NODES}-node chains, us per node, medians of 60):`);
const labels: Record<Chain, string> = { relu: 'Relu alone', rounded: '+ Cast pair', selected: '+ Where (shared switch)', switched: "+ Gather of the node's switch" };
for (const [i, kind] of kinds.entries()) {
  const us = perNode(times[i]!);
  console.log(`${labels[kind].padEnd(30)} ${us.toFixed(2).padStart(6)} us  ${(us / relu).toFixed(1).padStart(5)}x Relu alone`);
}
