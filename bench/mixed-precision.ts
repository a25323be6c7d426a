/**
 * Automatic mixed precision, measured: for the known-answer models of the test suite, generated
 * 500- and 2,000-node transformer-like models with known trouble spots, and real models where the
 * search is needed (Silero VAD legacy and v5 on random audio; FastestDet on a synthetic photo-like
 * image, where the search is long), the model runs and wall time of the default strategy
 * ("guided") and of "bisect", taking turns in one process; whether the generated models' block
 * lists are minimal (removing any one node fails); and the cost of one attempt against one run of
 * the plain float32 model, with the switched graph's own run cost beside it (what an attempt
 * cannot go below).
 *
 * Runs alone (`node --import tsx bench/mixed-precision.ts`; BENCH_MIXED_ONLY=Silero for some cases) or from bench/bench.ts. */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../src/dtype.js';
import { TensorProtoSchema } from '../src/proto/onnx.js';
import { graph, model, node, valueInfo } from '../test/model-builder.js';
import { loadModel } from '../src/io/load-model.js';
import type { BlockListResult } from '../src/mixed/auto-mixed-precision.js';
import { findNodeBlockList } from '../src/mixed/node-auto.js';
import { randomFeeds } from '../src/mixed/random-feeds.js';
import { castFeeds, convertingRunner, switchedRunner } from '../src/mixed/attempts.js';
import { convertModel } from '../src/convert/convert-model.js';
import { SwitchPlan } from '../src/mixed/switch-plan.js';
import { buildSwitchedModel } from '../src/mixed/switched-model.js';
import { allClose, validateOutputs } from '../src/mixed/validate.js';
import { encodeModel } from '../src/proto/codec.js';
import type { ModelProto } from '../src/proto/onnx.js';
import { nodeRuntime } from '../src/runtime/node-runtime.js';
import type { Feeds, RuntimeSession } from '../src/runtime/runtime.js';
import * as models from '../test/mixed-precision-models.js';
import { SHARED_MODELS_SKIP, sharedModel, SILERO_MODELS } from '../test/testdata.js';

/** A model of ../shared/models, or undefined where that folder is absent. */
const sharedModelPath = (file: string) => (SHARED_MODELS_SKIP ? undefined : sharedModel(file));

interface Case {
  name: string;
  model: ModelProto;
  feeds: Feeds;
  rtol: number;
  atol: number;
  keepIoTypes: boolean;
  /** Check that removing any one node of the result fails (a run per node). */
  checkMinimal?: boolean;
  /** Searches per strategy, taking turns (default 5; 1 for the 2,000-node model, whose searches take tens of seconds). */
  repeats?: number;
}

async function cases(): Promise<Case[]> {
  const tolerance = { rtol: 1e-2, atol: 1e-2, keepIoTypes: true };
  const silero = await loadModel(SILERO_MODELS[0]!);
  const sileroV5 = await loadModel(SILERO_MODELS[1]!);
  const list: Case[] = [
    { name: 'MLP overflow', model: models.overflowMlp(), feeds: models.ones(8), ...tolerance },
    { name: 'underflow chain', model: models.underflowChain(), feeds: models.ones(4), ...tolerance },
    { name: '300-node chain, 2 spots', model: models.longChain(), feeds: models.ones(4), ...tolerance },
    { name: 'If branch', model: models.ifWithTroubleInside(), feeds: { ...models.ones(4), c: { type: 'bool', data: Uint8Array.of(1), dims: [] } }, ...tolerance },
    { name: 'Loop body', model: models.loopWithTroubleInside(), feeds: models.ones(4), ...tolerance },
    { name: 'transformer-like, 500 nodes', model: models.transformerLike(500), feeds: models.transformerFeeds(), ...tolerance, checkMinimal: true },
    { name: 'transformer-like, 2,000 nodes', model: models.transformerLike(2000), feeds: models.transformerFeeds(), ...tolerance, checkMinimal: true, repeats: 1 },
    {
      name: 'Silero VAD legacy (real)',
      model: silero,
      feeds: { ...randomFeeds(silero, { dims: { batch: 1, sequence: 512 }, seed: 3 }), sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } },
      rtol: 1e-2,
      atol: 1e-3,
      keepIoTypes: false,
    },
    {
      name: 'Silero VAD v5 (real)',
      model: sileroV5,
      feeds: { ...randomFeeds(sileroV5, { shapes: { input: [1, 512], state: [2, 1, 128] }, seed: 3 }), sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } },
      rtol: 1e-2,
      atol: 1e-3,
      keepIoTypes: false,
    },
  ];
  const fastestdet = sharedModelPath('fastestdet.onnx');
  if (fastestdet) {
    // Float16 I/O alone moves its pixel outputs beyond atol: I/O stays float32, and about 120 of
    // its 217 nodes must too (a long search). Searches of about 10 s: 3 each.
    const detector = await loadModel(fastestdet);
    list.push({ name: 'FastestDet (real, image-like)', model: detector, feeds: { [detector.graph!.input[0]!.name]: imageLike(352, 352, 1) }, rtol: 1e-2, atol: 2e-2, keepIoTypes: true, repeats: 3 });
  }
  return list;
}

/** A synthetic photo-like image [1, 3, height, width] in [0, 1]: shaded background, a few flat-coloured boxes and ellipses, mild noise; deterministic for a seed. */
function imageLike(height: number, width: number, seed: number): Feeds[string] {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const shapes = Array.from({ length: 6 }, () => ({
    cx: random() * width,
    cy: random() * height,
    rx: (0.08 + random() * 0.2) * width,
    ry: (0.08 + random() * 0.2) * height,
    box: random() < 0.5,
    colour: [random(), random(), random()],
  }));
  const plane = height * width;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let colour = [0.35 + 0.3 * (y / height), 0.45 + 0.2 * Math.sin((3 * x) / width), 0.5 + 0.25 * (x / width)];
      for (const s of shapes) {
        const u = (x - s.cx) / s.rx;
        const v = (y - s.cy) / s.ry;
        // Shaded top to bottom, as lit from above.
        if (s.box ? Math.abs(u) < 1 && Math.abs(v) < 1 : u * u + v * v < 1) colour = s.colour.map((c) => c * (0.9 - 0.1 * v));
      }
      for (let c = 0; c < 3; c++) data[c * plane + y * width + x] = Math.min(1, Math.max(0, colour[c]! + (random() - 0.5) * 0.04));
    }
  }
  return { type: 'float32', data, dims: [1, 3, height, width] };
}

interface AttemptCost {
  /** Building the switched model and loading its session, ms. */
  build: number;
  /** One run of the plain float32 model (default session options, as a user runs it), ms. */
  plain: number;
  /** One run of the switched model alone, its feeds made once (what the switched graph itself costs), ms. */
  graph: number;
  /** One whole attempt as the search makes it: switch vector, feeds, run, validation against the reference, ms. */
  attempt: number;
  /** The same three in CPU time of the process (onnxruntime's threads included), ms: steadier than wall time on a loaded machine. */
  cpu: { plain: number; graph: number; attempt: number };
  /** Nodes of the plain and of the switched model. */
  nodes: { plain: number; switched: number };
}

/**
 * One attempt against one plain float32 run, in one process: the three are timed in turn within
 * each repetition (the machine's load then weighs on all three alike), medians of 15.
 */
async function attemptCost(c: Case): Promise<AttemptCost> {
  const runtime = await nodeRuntime();
  const outputs = c.model.graph!.output.map((o) => o.name);
  const start = performance.now();
  const plan = new SwitchPlan(c.model, { keepIoTypes: c.keepIoTypes, target: DataType.FLOAT16 });
  const runner = (await switchedRunner(c.model, plan, { runtime, target: DataType.FLOAT16, keepIoTypes: c.keepIoTypes, convertOptions: undefined, outputNames: outputs, expose: true }))!;
  const build = performance.now() - start;
  const switched = buildSwitchedModel(c.model, plan, { target: DataType.FLOAT16, expose: true });
  const graphSession = await runtime.load!(encodeModel(switched.model), { optimize: false });
  const plain = await runtime.load!(encodeModel(c.model));
  const blockList = plan.candidates.filter((_, i) => i % 3 === 0);
  const switches = plan.switches(blockList);
  const graphFeeds = { ...c.feeds, [switched.switchInput]: { type: 'bool', data: switches, dims: [switches.length] } };
  const reference = await plain.run(c.feeds, outputs);
  const expected = outputs.map((name) => reference[name]!);
  const validation = { rtol: c.rtol, atol: c.atol, validateFn: undefined };
  type Kind = 'plain' | 'graph' | 'attempt';
  const wall: Record<Kind, number[]> = { plain: [], graph: [], attempt: [] };
  const cpu: Record<Kind, number[]> = { plain: [], graph: [], attempt: [] };
  const time = async (kind: Kind, run: () => Promise<unknown>) => {
    const begin = performance.now();
    const cpuBegin = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpuBegin);
    wall[kind].push(performance.now() - begin);
    cpu[kind].push((used.user + used.system) / 1000);
  };
  try {
    for (let i = 0; i < 17; i++) {
      await time('plain', () => plain.run(c.feeds, outputs));
      await time('graph', () => graphSession.run(graphFeeds, outputs));
      await time('attempt', async () => validateOutputs(expected, (await runner.run(blockList, c.feeds, false)).outputs, validation));
    }
    // The first two of each are warm-up.
    const median = (xs: number[]) => xs.slice(2).sort((a, b) => a - b)[Math.floor((xs.length - 2) / 2)]!;
    return {
      build,
      plain: median(wall.plain),
      graph: median(wall.graph),
      attempt: median(wall.attempt),
      cpu: { plain: median(cpu.plain), graph: median(cpu.graph), attempt: median(cpu.attempt) },
      nodes: { plain: c.model.graph!.node.length, switched: switched.model.graph!.node.length },
    };
  } finally {
    await runner.release();
    await graphSession.release();
    await plain.release();
  }
}

/** Whether removing any one node of the block list makes the emulated model miss the tolerance. */
async function isMinimal(c: Case, result: BlockListResult): Promise<boolean> {
  const runtime = await nodeRuntime();
  const plan = new SwitchPlan(c.model, { keepIoTypes: c.keepIoTypes, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(c.model, plan, { target: DataType.FLOAT16 });
  const session: RuntimeSession = await runtime.load!(encodeModel(switched.model), { optimize: false });
  const outputs = c.model.graph!.output.map((o) => o.name);
  const reference = await runtime.run(encodeModel(c.model), c.feeds, outputs);
  const passes = async (blockList: string[]) => {
    const switches = plan.switches(blockList);
    const actual = await session.run({ ...c.feeds, [switched.switchInput]: { type: 'bool', data: switches, dims: [switches.length] } }, outputs);
    return outputs.every((name) => allClose(reference[name]!, actual[name]!, c.rtol, c.atol));
  };
  try {
    if (!(await passes(result.nodeBlockList))) return false;
    for (const node of result.nodeBlockList) if (await passes(result.nodeBlockList.filter((n) => n !== node))) return false;
    return true;
  } finally {
    await session.release();
  }
}

/**
 * The path of a provider with real float16 (CUDA, WebGPU), forced on the CPU (onnxruntime's CPU
 * runs float16 models): an attempt converts the model with its block list, encodes it and creates
 * a session. Per attempt, over 5 block lists: planning and applying the conversion, filling the
 * converted weights (shared) and encoding, against one session creation of that model; and the
 * conversion plus encoding without shared weights (each attempt converting every weight again).
 */
/** `layers` MatMul + Relu layers of width `width` with deterministic trained-like weights: a model whose weights outweigh its graph. */
function weightsMlp(layers: number, width: number): ModelProto {
  const nodes = [];
  const initializers = [];
  let previous = 'x';
  for (let i = 0; i < layers; i++) {
    const data = new Float32Array(width * width);
    for (let k = 0; k < data.length; k++) data[k] = 0.03 * Math.sin(i * 7.3 + k * 0.618);
    initializers.push(create(TensorProtoSchema, { name: `w${i}`, dims: [BigInt(width), BigInt(width)], dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) }));
    nodes.push(node('MatMul', [previous, `w${i}`], [`m${i}`], {}, { name: `mm${i}` }), node('Relu', [`m${i}`], [`r${i}`], {}, { name: `relu${i}` }));
    previous = `r${i}`;
  }
  return model(graph({ nodes, inputs: [valueInfo('x', DataType.FLOAT, [1, width])], outputs: [valueInfo(previous, DataType.FLOAT, [1, width])], initializers }));
}

export async function benchConvertingPath(): Promise<void> {
  const runtime = await nodeRuntime();
  const cases: { name: string; model: ModelProto }[] = [
    { name: 'transformer-like, 2,000 nodes', model: models.transformerLike(2000) },
    { name: 'MLP, 8 x 1024x1024 (32 MB)', model: weightsMlp(8, 1024) },
  ];
  const densenet = sharedModelPath('light_densenet121.onnx');
  if (densenet) cases.push({ name: 'DenseNet-121 (real, 1746 nodes)', model: await loadModel(densenet) });
  console.log('\nfloat16 provider path, forced on the CPU (an attempt converts the model and creates a session), ms per attempt, medians of 5:');
  console.log('model                           convert  weights+encode  without shared weights  session creation  run  overhead/session creation');
  for (const c of cases) {
    const outputs = c.model.graph!.output.map((o) => o.name);
    const runner = convertingRunner(c.model, { runtime, target: DataType.FLOAT16, keepIoTypes: true, convertOptions: undefined, outputNames: outputs, expose: false, emulate: false });
    const plan = new SwitchPlan(c.model, { keepIoTypes: true, target: DataType.FLOAT16 });
    const blockLists = [0, 1, 2, 3, 4].map((k) => plan.candidates.filter((_, i) => i % 7 === k));
    const convert: number[] = [];
    const encode: number[] = [];
    const unshared: number[] = [];
    const session: number[] = [];
    const run: number[] = [];
    const feeds = randomFeeds(c.model, { seed: 1 });
    for (const blockList of blockLists) {
      const before = { ...runner.times };
      await runner.run(blockList, feeds, false);
      convert.push(runner.times.convert - before.convert);
      encode.push(runner.times.encode - before.encode);
      let start = performance.now();
      const converted = convertModel(c.model, { keepIoTypes: true, nodeBlockList: blockList }).model;
      const bytes = encodeModel(converted);
      unshared.push(performance.now() - start);
      start = performance.now();
      const loaded = await runtime.load!(bytes);
      session.push(performance.now() - start);
      start = performance.now();
      await loaded.run(castFeeds(converted, feeds), outputs);
      run.push(performance.now() - start);
      await loaded.release();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const overhead = median(convert) + median(encode);
    console.log(
      `${c.name.padEnd(31)} ${median(convert).toFixed(0).padStart(7)} ${median(encode).toFixed(0).padStart(15)} ${median(unshared).toFixed(0).padStart(23)} ${median(session).toFixed(0).padStart(17)} ${median(run).toFixed(0).padStart(4)}  ${(overhead / median(session)).toFixed(2).padStart(25)}`,
    );
  }
  console.log('convert: convertModel (plan and apply, the whole graph each attempt); weights+encode: converted weights shared between attempts, then the model encoded;');
  console.log('without shared weights: convertModel and encoding with every weight converted again; overhead: convert + weights+encode.');
}

/** Both strategies' searches on one case, taking turns (the order alternating), so that the machine's load weighs on both alike. */
async function compareStrategies(c: Case): Promise<{ guided: BlockListResult[]; bisect: BlockListResult[] }> {
  const options = { rtol: c.rtol, atol: c.atol, keepIoTypes: c.keepIoTypes };
  const results = { guided: [] as BlockListResult[], bisect: [] as BlockListResult[] };
  for (let i = 0; i < (c.repeats ?? 5); i++) {
    for (const strategy of i % 2 === 0 ? (['guided', 'bisect'] as const) : (['bisect', 'guided'] as const)) {
      results[strategy].push(await findNodeBlockList(c.model, c.feeds, { ...options, strategy }));
    }
  }
  return results;
}

export async function benchMixedPrecision(): Promise<void> {
  console.log('\nmixed precision (CPU, float16 emulated by one switched session):');
  console.log('model                           nodes  guided runs  best s  median s  bisect runs  best s  median s  guided/bisect  kept  minimal  attempt/plain run (cpu)  switched graph/plain run (cpu)  (wall ms: attempt, graph, plain; switched nodes)');
  // BENCH_MIXED_ONLY=Silero,FastestDet: only the cases whose names contain one of these.
  const only = process.env.BENCH_MIXED_ONLY?.split(',');
  for (const c of (await cases()).filter((c) => !only || only.some((part) => c.name.includes(part)))) {
    // The attempt cost first: it warms onnxruntime and the code paths for this model, so that
    // neither strategy's wall time pays for that.
    const cost = await attemptCost(c);
    const { guided, bisect } = await compareStrategies(c);
    const seconds = (results: BlockListResult[]) => results.map((r) => r.elapsedMs / 1000);
    const best = (xs: number[]) => Math.min(...xs);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Each guided search against the bisection that ran beside it.
    const ratio = median(guided.map((g, i) => g.elapsedMs / bisect[i]!.elapsedMs));
    const minimal = c.checkMinimal ? ((await isMinimal(c, guided[0]!)) ? 'yes' : 'NO') : '-';
    const nodes = String(c.model.graph!.node.length);
    const g = seconds(guided);
    const b = seconds(bisect);
    console.log(
      `${c.name.padEnd(31)} ${nodes.padStart(5)} ${String(guided[0]!.runs).padStart(12)} ${best(g).toFixed(2).padStart(7)} ${median(g).toFixed(2).padStart(9)} ${String(bisect[0]!.runs).padStart(12)} ${best(b).toFixed(2).padStart(7)} ${median(b).toFixed(2).padStart(9)} ${ratio.toFixed(2).padStart(14)} ${String(guided[0]!.nodeBlockList.length).padStart(5)} ${minimal.padStart(8)}  ${`${(cost.attempt / cost.plain).toFixed(1)}x (${(cost.cpu.attempt / cost.cpu.plain).toFixed(1)}x)`.padStart(22)}  ${`${(cost.graph / cost.plain).toFixed(1)}x (${(cost.cpu.graph / cost.cpu.plain).toFixed(1)}x)`.padStart(30)}  (${cost.attempt.toFixed(2)}, ${cost.graph.toFixed(2)}, ${cost.plain.toFixed(2)}; ${cost.nodes.switched} nodes, session built in ${(cost.build / 1000).toFixed(2)} s)`,
    );
  }
  console.log('runs: every model run (float32 reference, analysis, attempts); s: the whole search, session building included; the strategies take turns,');
  console.log('5 searches each (3 for FastestDet, 1 for the 2,000-node model); guided/bisect: the median of the wall-time ratios of searches run side by side.');
  console.log('attempt: switch vector, feeds, one run of the switched session and validation; switched graph: that run alone, feeds made once;');
  console.log('plain run: the float32 model in a default session; medians of 15 runs taken in turn, wall time (CPU time of the process in brackets).');
  console.log('The attempt costs what the switched graph costs:');
  console.log('on small models per-node overhead rules, and the switched graph has several selection and rounding nodes per node of the model.');
  if (!only) await benchConvertingPath();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMixedPrecision();
