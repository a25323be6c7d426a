/**
 * `npm run bench`: model I/O on a generated ~600 MB model, against a plain streaming copy of the
 * same file measured in the same run. Each measurement runs in its own process, so its peak RSS
 * (maxRSS) is its own. Machines here are shared and noisy: read the ratios, not the seconds.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { graph, model, node, valueInfo } from '../test/model-builder.js';
import { TensorProtoSchema } from '../src/proto/onnx.js';
import { bindLazyRawData, type TensorPayload } from '../src/proto/payload.js';
import { convertFloatToFloat16, convertModel, decodeModel, encodeModel, loadModel, saveModel } from '../src/node.js';
import { modelFromProto } from '../src/ir/from-proto.js';
import { modelToProto } from '../src/ir/to-proto.js';
import { inferTypes } from '../src/schema/infer-types.js';

const DIR = '.bench';
const MODEL = join(DIR, 'big.onnx');
const TENSORS = 150;
const ELEMENTS = 1_000_000; // 4 MB each: 600 MB in all

/** A payload computed on demand, so generating the model never holds its weights in memory. */
function syntheticPayload(seed: number, elements: number): TensorPayload {
  const fill = (offset: number, target: Uint8Array) => {
    const start = offset / 4;
    const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    for (let i = 0; i < target.byteLength / 4; i++) view.setFloat32(i * 4, Math.sin(seed + start + i), true);
  };
  return { byteLength: elements * 4, origin: `synthetic ${seed}`, readSync: fill, read: async (o, t) => fill(o, t) };
}

async function generate(): Promise<void> {
  const nodes = [];
  const initializers = [];
  let previous = 'x';
  for (let i = 0; i < TENSORS; i++) {
    const w = create(TensorProtoSchema, { name: `w${i}`, dims: [BigInt(ELEMENTS)], dataType: 1 });
    bindLazyRawData(w, syntheticPayload(i, ELEMENTS));
    initializers.push(w);
    nodes.push(node('Add', [previous, `w${i}`], [`h${i}`]));
    previous = `h${i}`;
  }
  const m = model(graph({ nodes, inputs: [valueInfo('x', 1, [ELEMENTS])], outputs: [valueInfo(previous, 1, [ELEMENTS])], initializers }));
  mkdirSync(DIR, { recursive: true });
  await saveModel(m, MODEL);
}

/** Child process: one measurement, printed as JSON. */
async function measure(kind: string): Promise<void> {
  const out = join(DIR, `out-${kind}.onnx`);
  const start = performance.now();
  if (kind === 'plain-stream') {
    const buffer = new Uint8Array(16 * 1024 * 1024);
    const input = openSync(MODEL, 'r');
    const output = openSync(out, 'w');
    for (let n; (n = readSync(input, buffer, 0, buffer.length, null)) > 0; ) writeSync(output, buffer, 0, n);
    closeSync(input);
    closeSync(output);
  } else if (kind === 'load-save') {
    await saveModel(await loadModel(MODEL), out);
  } else if (kind === 'load-save-external') {
    await saveModel(await loadModel(MODEL), out, { externalData: true });
  } else if (kind === 'load-only') {
    await loadModel(MODEL);
  } else if (kind === 'stream-half') {
    // The floor for a conversion: read every byte through a reused buffer, write half as many.
    const buffer = new Uint8Array(16 * 1024 * 1024);
    const input = openSync(MODEL, 'r');
    const output = openSync(out, 'w');
    for (let n; (n = readSync(input, buffer, 0, buffer.length, null)) > 0; ) writeSync(output, buffer, 0, n >>> 1);
    closeSync(input);
    closeSync(output);
  } else if (kind === 'convert') {
    await saveModel(convertFloatToFloat16(await loadModel(MODEL)), out);
  }
  const seconds = (performance.now() - start) / 1000;
  rmSync(out, { force: true });
  rmSync(`${out}.data`, { force: true });
  console.log(JSON.stringify({ kind, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function runBench(): Promise<void> {
  if (!existsSync(MODEL) || statSync(MODEL).size < TENSORS * ELEMENTS * 4) {
    console.error(`generating ${MODEL} (${(TENSORS * ELEMENTS * 4) / 1e6} MB of float32 weights)...`);
    await generate();
  }
  const sizeMB = statSync(MODEL).size / 1e6;
  const results: Record<string, { seconds: number; peakRssMB: number }> = {};
  // Each kind twice, interleaved; the faster run counts (the first pays for cold page cache).
  for (let round = 0; round < 2; round++) {
    for (const kind of ['plain-stream', 'load-only', 'load-save', 'load-save-external', 'stream-half', 'convert']) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bench.ts', 'measure', kind], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${kind} failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
      if (!results[kind] || result.seconds < results[kind]!.seconds) results[kind] = result;
    }
  }
  console.log(`model I/O on ${MODEL}: ${sizeMB.toFixed(0)} MB, ${TENSORS} tensors`);
  console.log('measurement            seconds  x floor  peak RSS MB  (floor: plain-stream for I/O, stream-half for convert)');
  for (const [kind, r] of Object.entries(results)) {
    const floor = kind === 'convert' ? results['stream-half']! : results['plain-stream']!;
    console.log(`${kind.padEnd(22)} ${r.seconds.toFixed(3).padStart(7)}  ${(r.seconds / floor.seconds).toFixed(2).padStart(7)}  ${r.peakRssMB.toFixed(0).padStart(11)}`);
  }
  console.log('goals: load + save of an unmodified 600 MB model under 150 MB RSS; convert within 2x stream-half, under 256 MB RSS');
}

/** Graph work on a generated model of `count` nodes (a tenth blocked): decode, IR, type inference, export, encode, convert. */
function benchGraphWork(count: number): void {
  const ops = ['Relu', 'Neg', 'Abs', 'Sigmoid', 'Tanh', 'Exp', 'Max', 'Sqrt', 'Erf', 'Softsign'];
  const nodes = Array.from({ length: count }, (_, i) => node(ops[i % 10]!, ops[i % 10] === 'Max' ? [`v${i}`, `v${i}`] : [`v${i}`], [`v${i + 1}`]));
  const bytes = encodeModel(model(graph({ nodes, inputs: [valueInfo('v0', 1, [8])], outputs: [valueInfo(`v${count}`, 1, [8])] })));
  const time = (f: () => unknown) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      f();
      best = Math.min(best, performance.now() - start);
    }
    return best;
  };
  const proto = decodeModel(bytes);
  const ir = modelFromProto(proto);
  const decode = time(() => decodeModel(bytes));
  const steps: [string, number][] = [
    ['decode', decode],
    ['build IR', time(() => modelFromProto(proto))],
    ['infer types', time(() => inferTypes(ir))],
    ['export (topological)', time(() => modelToProto(ir))],
    ['encode', time(() => encodeModel(proto))],
    ['convert to float16', time(() => convertModel(proto))],
  ];
  console.log(`\ngraph work on a ${count / 1000}k-node model (${(bytes.length / 1e6).toFixed(1)} MB), best of 3:`);
  console.log('step                      ms    x decode');
  for (const [name, ms] of steps) console.log(`${name.padEnd(22)} ${ms.toFixed(0).padStart(6)}  ${(ms / decode).toFixed(2).padStart(8)}`);
}

/** Mixed precision on the known-answer models: model runs and wall time, guided against bisect. */
async function benchMixedPrecision(): Promise<void> {
  const { findNodeBlockList } = await import('../src/mixed/node-auto.js');
  const models = await import('../test/mixed-precision-models.js');
  const cases = [
    ['MLP overflow', models.overflowMlp(), models.ones(8)],
    ['underflow chain', models.underflowChain(), models.ones(4)],
    ['300-node chain, 2 spots', models.longChain(), models.ones(4)],
    ['If branch', models.ifWithTroubleInside(), { ...models.ones(4), c: { type: 'bool', data: Uint8Array.of(1), dims: [] } }],
  ] as const;
  console.log('\nmixed precision (CPU, float16 emulated), rtol = atol = 1e-2:');
  console.log('model                      guided runs   ms   bisect runs   ms   block list');
  for (const [name, m, feeds] of cases) {
    const options = { rtol: 1e-2, atol: 1e-2, keepIoTypes: true };
    const guided = await findNodeBlockList(m, feeds, options);
    const bisected = await findNodeBlockList(m, feeds, { ...options, strategy: 'bisect' });
    console.log(
      `${name.padEnd(26)} ${String(guided.attempts).padStart(11)} ${guided.elapsedMs.toFixed(0).padStart(5)} ${String(bisected.attempts).padStart(13)} ${bisected.elapsedMs.toFixed(0).padStart(5)}   ${guided.nodeBlockList.join(', ')}`,
    );
  }
}

if (process.argv[2] === 'measure') await measure(process.argv[3]!);
else {
  await runBench();
  benchGraphWork(50_000);
  benchGraphWork(100_000);
  await benchMixedPrecision();
}
