/**
 * The switched model computes exactly what the float32 emulation of the converted model computes,
 * for any node block list: random block lists on the known-answer models, bit for bit, and on a
 * real model with nested If subgraphs and LSTMs, within one float16 step (see that test).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { convertModel } from '../convert/convert-model.js';
import { decodeModel, encodeModel } from '../proto/codec.js';
import type { GraphProto, ModelProto } from '../proto/onnx.js';
import { nodeRuntime } from '../runtime/node-runtime.js';
import type { Feeds, Runtime, TensorLike } from '../runtime/runtime.js';
import { ifWithTroubleInside, longChain, loopWithTroubleInside, ones, overflowMlp, transformerFeeds, transformerLike, underflowChain, weightsBeyondClip } from '../../test/mixed-precision-models.js';
import { cpuRuntime, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { SHARED_MODELS_SKIP, sharedModel, SILERO_MODELS } from '../../test/testdata.js';
import { emulateLowPrecision } from './emulate.js';
import { randomFeeds } from './random-feeds.js';
import { SwitchPlan } from './switch-plan.js';
import { buildSwitchedModel } from './switched-model.js';
import { numbers } from './validate.js';

/** Largest |a - b| relative to max |a| over the outputs (0: bit for bit; NaN and infinities must match exactly). */
function difference(expected: Record<string, TensorLike>, actual: Record<string, TensorLike>, names: string[]): number {
  let worst = 0;
  for (const name of names) {
    const a = numbers(expected[name]!);
    const b = numbers(actual[name]!);
    assert.equal(a.length, b.length, name);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
      if (Object.is(x, y) || x === y) continue;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
      diff = Math.max(diff, Math.abs(x - y));
    }
    worst = Math.max(worst, diff / (scale || 1));
  }
  return worst;
}

/** A deterministic pseudo-random subset. */
function subsets(items: readonly string[], count: number, seed: number): string[][] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const out: string[][] = [[], [...items]];
  for (let i = 0; i < count; i++) {
    const density = random();
    out.push(items.filter(() => random() < density));
  }
  return out;
}

async function assertEquivalent(m: ModelProto, feeds: Feeds, keepIoTypes: boolean, count: number, tolerance: number, runtime?: Runtime): Promise<number> {
  runtime ??= await cpuRuntime();
  const plan = new SwitchPlan(m, { keepIoTypes, target: DataType.FLOAT16 });
  assert.ok(plan.usesRules, 'every switch fits a rule (one switch per node)');
  const switched = buildSwitchedModel(m, plan, { target: DataType.FLOAT16 });
  const session = await runtime.load!(encodeModel(switched.model));
  const names = m.graph!.output.map((o) => o.name);
  let worst = 0;
  try {
    for (const blockList of subsets(plan.candidates, count, 11)) {
      const converted = convertModel(m, { keepIoTypes, nodeBlockList: blockList }).model;
      const expected = await runtime.run(encodeModel(emulateLowPrecision(converted, DataType.FLOAT16)), feeds);
      const switches = plan.switches(blockList);
      assert.ok(plan.confirmRules(blockList), `the switch rules give the plan's decisions for ${blockList.length} blocked nodes`);
      const actual = await session.run({ ...feeds, [switched.switchInput]: { type: 'bool', data: switches, dims: [switches.length] } }, names);
      const d = difference(expected, actual, names);
      assert.ok(d <= tolerance, `${blockList.length} of ${plan.candidates.length} nodes blocked (${blockList.slice(0, 5).join(', ')}, ...), keepIoTypes ${keepIoTypes}: relative difference ${d}`);
      worst = Math.max(worst, d);
    }
  } finally {
    await session.release();
  }
  return worst;
}

const known: [string, () => ModelProto, Feeds][] = [
  ['an MLP that overflows', overflowMlp, ones(8)],
  ['an underflow chain', underflowChain, ones(4)],
  ['a 300-node chain', longChain, ones(4)],
  ['an If branch', ifWithTroubleInside, { ...ones(4), c: { type: 'bool', data: Uint8Array.of(1), dims: [] } }],
  ['a Loop body', loopWithTroubleInside, ones(4)],
  ['weights beyond maxFiniteVal and below minPositiveVal (clipped as the conversion clips)', weightsBeyondClip, ones(4)],
  ['transformer-like blocks (values and scalars read by several nodes, a node reading one value twice)', () => transformerLike(60), transformerFeeds()],
];

for (const [name, build, feeds] of known) {
  test(`switched model equals the emulation of the converted model, bit for bit, for random block lists: ${name}`, { skip: RUNTIME_SKIP }, async () => {
    for (const keepIoTypes of [true, false]) await assertEquivalent(build(), feeds, keepIoTypes, name.includes('300') ? 3 : 10, 0);
  });
}

test('switched model equals the emulation on Silero VAD (LSTM inside nested If subgraphs) within one float16 step', { skip: RUNTIME_SKIP }, async (t) => {
  // Not bit for bit: onnxruntime pre-packs the weights of an LSTM (or a MatMul) that reads an
  // initializer directly, and the switched model puts a selection between them, so the same
  // float32 arithmetic runs in another order; a final rounding to float16 can turn that noise into
  // one float16 step (2^-10 of the output's scale). Graph optimizations (fusing the plain
  // emulation's adjacent float32 nodes) add the same kind of noise.
  const unoptimized = await nodeRuntime({ sessionOptions: { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 } });
  for (const path of SILERO_MODELS.slice(0, 2)) {
    const m = decodeModel(readFileSync(path), path);
    const names = m.graph!.input.map((i) => i.name);
    const feeds: Feeds = {
      ...randomFeeds(m, { seed: 5, ...(names.includes('state') ? { shapes: { input: [1, 512], state: [2, 1, 128] } } : { dims: { batch: 1, sequence: 512 } }) }),
      sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] },
    };
    const plain = await assertEquivalent(m, feeds, false, 2, 2 ** -10, unoptimized);
    const optimized = await assertEquivalent(m, feeds, true, 2, 2 ** -10);
    t.diagnostic(`${path}: worst relative difference ${plain} unoptimized, ${optimized} optimized`);
  }
});

test('an LSTM and a 1-D convolution run twice, on the exact and on the converted initializers, instead of reading selected weights; the same values (Keras Conv1D + LSTM)', { skip: RUNTIME_SKIP || SHARED_MODELS_SKIP }, async () => {
  const m = decodeModel(readFileSync(sharedModel('occ_keras_lstm.onnx')), 'occ_keras_lstm.onnx');
  const plan = new SwitchPlan(m, { keepIoTypes: false, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(m, plan, { target: DataType.FLOAT16 }).model;
  const initializers = new Set(switched.graph!.initializer.map((t) => t.name));
  const count = (proto: ModelProto, op: string) => proto.graph!.node.filter((n) => n.opType === op).length;
  assert.equal(count(switched, 'LSTM'), 2 * count(m, 'LSTM'));
  for (const node of switched.graph!.node.filter((n) => n.opType === 'LSTM' || n.opType === 'Conv')) {
    if (node.opType === 'LSTM') assert.ok(node.input.slice(1, 4).every((name) => initializers.has(name)), `${node.name} reads its weights as initializers`);
  }
  const conv1d = m.graph!.node.filter((n) => n.opType === 'Conv' && m.graph!.initializer.find((t) => t.name === n.input[1])?.dims.length === 3).length;
  assert.ok(conv1d > 0 && count(switched, 'Conv') === count(m, 'Conv') + conv1d, 'each 1-D convolution runs twice');
  await assertEquivalent(m, randomFeeds(m, { seed: 5 }), false, 4, 0);
});

test('Loop and Scan body values are exposed, stacked over iterations (with a scan_output_axes entry for each new Scan output)', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await cpuRuntime();
  const loop = loopWithTroubleInside();
  const plan = new SwitchPlan(loop, { keepIoTypes: true, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(loop, plan, { target: DataType.FLOAT16, expose: true });
  assert.ok(switched.exposesLoopBodies);
  const name = [...switched.exposed].find(([, key]) => key === 'loop/body|lb')![0];
  const off = new Uint8Array(plan.switchCount);
  const outputs = await runtime.run(encodeModel(switched.model), { ...ones(4), [switched.switchInput]: { type: 'bool', data: off, dims: [off.length] } }, [name]);
  assert.deepEqual(outputs[name]!.dims, [3, 1, 4], 'one [1, 4] value per iteration');
  assert.equal(numbers(outputs[name]!)[0], 80000, 'the first iteration overflows float16 (1 * 1e4 * 8)');

  const body = graph({
    name: 'scan_body',
    nodes: [node('Mul', ['x_t', 'up'], ['scaled'], {}, { name: 'scale' }), node('Add', ['s_in', 'scaled'], ['s_out'], {}, { name: 'accumulate' }), node('Relu', ['s_out'], ['y_t'], {}, { name: 'relu' })],
    inputs: [valueInfo('s_in', DataType.FLOAT, [4]), valueInfo('x_t', DataType.FLOAT, [4])],
    outputs: [valueInfo('s_out', DataType.FLOAT, [4]), valueInfo('y_t', DataType.FLOAT, [4])],
  });
  const scan = model(
    graph({
      nodes: [node('Scan', ['s0', 'xs'], ['s_final', 'ys'], { body, num_scan_inputs: 1n, scan_output_axes: [0] }, { name: 'scan' })],
      inputs: [valueInfo('s0', DataType.FLOAT, [4]), valueInfo('xs', DataType.FLOAT, [3, 4])],
      outputs: [valueInfo('s_final', DataType.FLOAT, [4]), valueInfo('ys', DataType.FLOAT, [3, 4])],
      initializers: [tensor('up', [], [2])],
    }),
    { opset: 17 },
  );
  const scanPlan = new SwitchPlan(scan, { keepIoTypes: true, target: DataType.FLOAT16 });
  const scanSwitched = buildSwitchedModel(scan, scanPlan, { target: DataType.FLOAT16, expose: true });
  const scaled = [...scanSwitched.exposed].find(([, key]) => key === 'scan/body|scaled')![0];
  const feeds: Feeds = { s0: { type: 'float32', data: new Float32Array(4), dims: [4] }, xs: { type: 'float32', data: Float32Array.from({ length: 12 }, (_, i) => i), dims: [3, 4] } };
  const all = new Uint8Array(scanPlan.switchCount);
  const result = await runtime.run(encodeModel(scanSwitched.model), { ...feeds, [scanSwitched.switchInput]: { type: 'bool', data: all, dims: [all.length] } }, [scaled, 'ys']);
  assert.deepEqual(result[scaled]!.dims, [3, 4]);
  assert.deepEqual(Array.from(numbers(result[scaled]!)), Array.from({ length: 12 }, (_, i) => 2 * i));
});

test('a value that several low nodes read has no selection of its own: each reader selects between its rounded and exact value, a node reading it twice once', async () => {
  // y = Relu(x) is read by Add(y, y) and by Mul(y, w): per reader one Where, none for y itself.
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['y'], {}, { name: 'relu' }), node('Add', ['y', 'y'], ['sum'], {}, { name: 'add' }), node('Mul', ['y', 'w'], ['product'], {}, { name: 'mul' })],
      inputs: [valueInfo('x', DataType.FLOAT, [4])],
      outputs: [valueInfo('sum', DataType.FLOAT, [4]), valueInfo('product', DataType.FLOAT, [4])],
      initializers: [tensor('w', [4], [1, 2, 3, 4])],
    }),
    { opset: 17 },
  );
  const plan = new SwitchPlan(m, { keepIoTypes: true, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(m, plan, { target: DataType.FLOAT16 }).model;
  const wheres = switched.graph!.node.filter((n) => n.opType === 'Where');
  const readsOfY = wheres.filter((n) => n.input[2] === switched.graph!.node.find((r) => r.opType === 'Relu')!.output[0]);
  assert.equal(readsOfY.length, 2, 'one selection of y for add (both its inputs), one for mul');
  const add = switched.graph!.node.find((n) => n.opType === 'Add')!;
  assert.equal(add.input[0], add.input[1]);
});

test('a switch read only inside an If branch is taken inside that branch (it costs nothing when the other branch runs), never inside a Loop body', () => {
  const gathers = (g: GraphProto) => g.node.filter((n) => n.opType === 'Gather').length;
  const subgraphs = (proto: ModelProto) => proto.graph!.node.flatMap((n) => n.attribute.flatMap((a) => (a.g ? [a.g] : [])));
  const ifModel = ifWithTroubleInside();
  const ifPlan = new SwitchPlan(ifModel, { keepIoTypes: true, target: DataType.FLOAT16 });
  const ifSwitched = buildSwitchedModel(ifModel, ifPlan, { target: DataType.FLOAT16 }).model;
  assert.ok(subgraphs(ifSwitched).every((branch) => gathers(branch) > 0 || !branch.node.some((n) => n.opType === 'Where')), 'each branch with selections takes its own switches');
  const loop = loopWithTroubleInside();
  const loopPlan = new SwitchPlan(loop, { keepIoTypes: true, target: DataType.FLOAT16 });
  const loopSwitched = buildSwitchedModel(loop, loopPlan, { target: DataType.FLOAT16 }).model;
  const bodies = subgraphs(loopSwitched);
  assert.ok(bodies.some((body) => body.node.some((n) => n.opType === 'Where')), 'the body has selections');
  assert.ok(bodies.every((body) => gathers(body) === 0), 'their switches are taken once per run, outside the body');
});

test('selected weights of one shape are stacked together (exact, then converted) and taken by one Gather at indices from the switches; their lone initializers are dropped', () => {
  const m = transformerLike(60);
  const plan = new SwitchPlan(m, { keepIoTypes: true, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(m, plan, { target: DataType.FLOAT16 }).model.graph!;
  const initializers = new Map(switched.initializer.map((t) => [t.name, t]));
  assert.ok(!switched.node.some((n) => n.opType === 'Where' && initializers.has(n.input[1]!) && initializers.has(n.input[2]!)), 'no Where between two initializers');
  const matrices = m.graph!.initializer.filter((t) => t.dims.length === 2).length;
  const stacks = switched.initializer.filter((t) => t.dims.length === 3);
  assert.deepEqual(stacks.map((t) => t.dims), [[BigInt(2 * matrices), 16n, 16n]], 'one stack of every [16, 16] weight, exact and converted');
  assert.equal(switched.node.filter((n) => n.opType === 'Gather' && n.input[0] === stacks[0]!.name).length, 1, 'taken by one Gather');
  const floats = (tensors: readonly { dataType: number }[]) => tensors.filter((t) => t.dataType === DataType.FLOAT).length;
  assert.ok(floats(switched.initializer) < floats(m.graph!.initializer), 'no exact or converted copy kept beside the stacks');
});
