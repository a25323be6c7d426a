/**
 * Automatic mixed precision, measured: for the known-answer models of the test suite, generated
 * 500- and 2,000-node transformer-like models with known trouble spots, and Silero VAD (a real
 * model where the search is needed), the model runs and wall time of the default strategy
 * ("guided") and of "bisect"; whether the generated models' block lists are minimal (removing any
 * one node fails); and the cost of one attempt on the switched session against one run of the
 * plain float32 model (median of repeated runs, same session options).
 *
 * Runs alone (`node --import tsx bench/mixed-precision.ts`) or from bench/bench.ts.
 */
import { DataType } from '../src/dtype.js';
import { loadModel } from '../src/io/load-model.js';
import type { BlockListResult } from '../src/mixed/auto-mixed-precision.js';
import { findNodeBlockList } from '../src/mixed/node-auto.js';
import { randomFeeds } from '../src/mixed/random-feeds.js';
import { SwitchPlan } from '../src/mixed/switch-plan.js';
import { buildSwitchedModel } from '../src/mixed/switched-model.js';
import { allClose } from '../src/mixed/validate.js';
import { encodeModel } from '../src/proto/codec.js';
import type { ModelProto } from '../src/proto/onnx.js';
import { nodeRuntime } from '../src/runtime/node-runtime.js';
import type { Feeds, RuntimeSession } from '../src/runtime/runtime.js';
import * as models from '../test/mixed-precision-models.js';
import { SILERO_MODELS } from '../test/testdata.js';

interface Case {
  name: string;
  model: ModelProto;
  feeds: Feeds;
  rtol: number;
  atol: number;
  keepIoTypes: boolean;
  /** Check that removing any one node of the result fails (a run per node). */
  checkMinimal?: boolean;
}

async function cases(): Promise<Case[]> {
  const tolerance = { rtol: 1e-2, atol: 1e-2, keepIoTypes: true };
  const silero = await loadModel(SILERO_MODELS[0]!);
  return [
    { name: 'MLP overflow', model: models.overflowMlp(), feeds: models.ones(8), ...tolerance },
    { name: 'underflow chain', model: models.underflowChain(), feeds: models.ones(4), ...tolerance },
    { name: '300-node chain, 2 spots', model: models.longChain(), feeds: models.ones(4), ...tolerance },
    { name: 'If branch', model: models.ifWithTroubleInside(), feeds: { ...models.ones(4), c: { type: 'bool', data: Uint8Array.of(1), dims: [] } }, ...tolerance },
    { name: 'Loop body', model: models.loopWithTroubleInside(), feeds: models.ones(4), ...tolerance },
    { name: 'transformer-like, 500 nodes', model: models.transformerLike(500), feeds: models.transformerFeeds(), ...tolerance, checkMinimal: true },
    { name: 'transformer-like, 2,000 nodes', model: models.transformerLike(2000), feeds: models.transformerFeeds(), ...tolerance, checkMinimal: true },
    {
      name: 'Silero VAD legacy (real)',
      model: silero,
      feeds: { ...randomFeeds(silero, { dims: { batch: 1, sequence: 512 }, seed: 3 }), sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } },
      rtol: 1e-2,
      atol: 1e-3,
      keepIoTypes: false,
    },
  ];
}

/** Median of `count` timings of `run`, in ms. */
async function median(count: number, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(count / 2)]!;
}

/** One attempt on the switched session (switch vector included) against one plain float32 run. */
async function attemptCost(c: Case): Promise<{ build: number; attempt: number; plain: number }> {
  const runtime = await nodeRuntime();
  const start = performance.now();
  const plan = new SwitchPlan(c.model, { keepIoTypes: c.keepIoTypes, target: DataType.FLOAT16 });
  const switched = buildSwitchedModel(c.model, plan, { target: DataType.FLOAT16, expose: true });
  const session = await runtime.load!(encodeModel(switched.model), { optimize: false });
  const build = performance.now() - start;
  const plain = await runtime.load!(encodeModel(c.model));
  const outputs = c.model.graph!.output.map((o) => o.name);
  const blockList = plan.candidates.filter((_, i) => i % 3 === 0);
  try {
    const attempt = await median(15, () => {
      const switches = plan.switches(blockList);
      return session.run({ ...c.feeds, [switched.switchInput]: { type: 'bool', data: switches, dims: [switches.length] } }, outputs);
    });
    const plainRun = await median(15, () => plain.run(c.feeds, outputs));
    return { build, attempt, plain: plainRun };
  } finally {
    await session.release();
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

export async function benchMixedPrecision(): Promise<void> {
  console.log('\nmixed precision (CPU, float16 emulated by one switched session):');
  console.log('model                           nodes  guided runs   wall s  bisect runs   wall s  kept  minimal  attempt/plain run (ms)');
  for (const c of await cases()) {
    const options = { rtol: c.rtol, atol: c.atol, keepIoTypes: c.keepIoTypes };
    const guided = await findNodeBlockList(c.model, c.feeds, options);
    const bisected = await findNodeBlockList(c.model, c.feeds, { ...options, strategy: 'bisect' });
    const minimal = c.checkMinimal ? ((await isMinimal(c, guided)) ? 'yes' : 'NO') : '-';
    const cost = await attemptCost(c);
    const nodes = String(c.model.graph!.node.length);
    console.log(
      `${c.name.padEnd(31)} ${nodes.padStart(5)} ${String(guided.runs).padStart(12)} ${(guided.elapsedMs / 1000).toFixed(2).padStart(8)} ${String(bisected.runs).padStart(12)} ${(bisected.elapsedMs / 1000).toFixed(2).padStart(8)} ${String(guided.nodeBlockList.length).padStart(5)} ${minimal.padStart(8)}  ${(cost.attempt / cost.plain).toFixed(1)}x (${cost.attempt.toFixed(2)} / ${cost.plain.toFixed(2)}; session built in ${(cost.build / 1000).toFixed(2)} s)`,
    );
  }
  console.log('runs: every model run (float32 reference, analysis, attempts); wall s: the whole search, session building included.');
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMixedPrecision();
