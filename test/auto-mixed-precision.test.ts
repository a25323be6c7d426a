/**
 * Automatic mixed precision on models with a known answer: each result validates under true
 * float16 rounding between ops (the emulation), equals the known minimal block list, and the
 * default strategy needs strictly fewer model runs than onnxconverter-common's bisection (wall
 * times are compared by the bench, not here).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { convertFloatToFloat16 } from '../src/convert/convert-model.js';
import { autoConvertMixedPrecision, findNodeBlockList } from '../src/mixed/auto-mixed-precision.js';
import { emulateLowPrecision } from '../src/mixed/emulate.js';
import { allClose } from '../src/mixed/validate.js';
import type { ModelProto } from '../src/proto/onnx.js';
import type { Feeds } from '../src/runtime/runtime.js';
import { assertWellFormed } from './convert-checks.js';
import { DataType } from './model-builder.js';
import { ifWithTroubleInside, longChain, loopWithTroubleInside, ones, overflowMlp, transformerFeeds, transformerLike, underflowChain } from './mixed-precision-models.js';
import { cpuRuntime, feedsFor, RUNTIME_SKIP, runModel } from './runtime-helpers.js';

const skip = RUNTIME_SKIP;

const cases: { name: string; build: () => ModelProto; feeds: Feeds; minimal: string[] }[] = [
  { name: 'an MLP whose activations exceed 65504 between two nodes', build: overflowMlp, feeds: ones(8), minimal: ['div', 'mm1'] },
  { name: 'an underflow chain whose intermediates fall to ~1e-9', build: underflowChain, feeds: ones(4), minimal: ['m2', 'm3'] },
  { name: 'two trouble spots far apart in a 300-node graph', build: longChain, feeds: ones(4), minimal: ['n251', 'n252', 'n51', 'n52'] },
  {
    name: 'a trouble spot inside an If branch',
    build: ifWithTroubleInside,
    feeds: { ...ones(4), c: { type: 'bool', data: Uint8Array.of(1), dims: [] } },
    minimal: ['if/then_branch/tb', 'if/then_branch/tc'],
  },
  { name: 'a trouble spot inside a Loop body', build: loopWithTroubleInside, feeds: ones(4), minimal: ['loop/body/lb', 'loop/body/lc'] },
  { name: 'a 500-node transformer-like model with an overflow and an underflow', build: () => transformerLike(500), feeds: transformerFeeds(), minimal: ['b12_tiny', 'b6_back', 'b6_over'] },
];

for (const { name, build, feeds, minimal } of cases) {
  test(`auto: ${name}`, { skip }, async (t) => {
    const runtime = await cpuRuntime();
    const m = build();
    const guided = await findNodeBlockList(m, feeds, { runtime, rtol: 1e-2, atol: 1e-2, keepIoTypes: true });
    const bisected = await findNodeBlockList(m, feeds, { runtime, rtol: 1e-2, atol: 1e-2, keepIoTypes: true, strategy: 'bisect' });
    t.diagnostic(`guided: ${guided.runs} runs; bisect: ${bisected.runs} runs (${bisected.evaluations} attempts as Python counts)`);
    assert.deepEqual([...guided.nodeBlockList].sort(), minimal);
    assert.deepEqual([...bisected.nodeBlockList].sort(), minimal);
    assert.ok(guided.runs < bisected.runs, `guided ${guided.runs} < bisect ${bisected.runs}`);

    // The result holds under true float16 rounding between ops; with nothing blocked it does not.
    const reference = (await runModel(m, feeds)).y!;
    const result = await autoConvertMixedPrecision(m, feeds, { runtime, rtol: 1e-2, atol: 1e-2, keepIoTypes: true });
    assertWellFormed(result);
    const emulated = (await runModel(emulateLowPrecision(result, DataType.FLOAT16), feeds)).y!;
    assert.ok(allClose(reference, emulated, 1e-2, 1e-2));
    const plain = convertFloatToFloat16(m, { keepIoTypes: true });
    const plainEmulated = (await runModel(emulateLowPrecision(plain, DataType.FLOAT16), feeds)).y!;
    assert.ok(!allClose(reference, plainEmulated, 1e-2, 1e-2), 'plain conversion fails under float16 rounding');
  });
}

test('a tolerance that only float32 If outputs meet is reached by blocking the If node (with every body node blocked, an unblocked If still rounds its outputs)', { skip }, async () => {
  const runtime = await cpuRuntime();
  const m = ifWithTroubleInside();
  // 0.123 * 1e4 * 8 * 1e-4 is no float16 value: any rounding moves y beyond rtol 1e-7.
  const feeds: Feeds = { x: { type: 'float32', data: new Float32Array(4).fill(0.123), dims: [1, 4] }, c: { type: 'bool', data: Uint8Array.of(1), dims: [] } };
  const result = await findNodeBlockList(m, feeds, { runtime, rtol: 1e-7, atol: 0, keepIoTypes: true });
  assert.ok(result.nodeBlockList.includes('if'), result.nodeBlockList.join(', '));
  const mixed = await autoConvertMixedPrecision(m, feeds, { runtime, rtol: 1e-7, atol: 0, keepIoTypes: true });
  const reference = (await runModel(m, feeds)).y!;
  assert.ok(allClose(reference, (await runModel(emulateLowPrecision(mixed, DataType.FLOAT16), feeds)).y!, 1e-7, 0));
});

test('onnxruntime CPU hides the overflow that the emulation shows', { skip }, async () => {
  const m = overflowMlp();
  const feeds = ones(8);
  const reference = (await runModel(m, feeds)).y!;
  const fp16 = convertFloatToFloat16(m, { keepIoTypes: true });
  const onCpu = (await runModel(fp16, feedsFor(fp16, feeds))).y!;
  assert.ok(allClose(reference, onCpu, 1e-2, 1e-2), 'the CPU provider computes in float32 between Casts');
  const emulated = (await runModel(emulateLowPrecision(fp16, DataType.FLOAT16), feeds)).y!;
  assert.ok(!allClose(reference, emulated, 1e-2, 1e-2));
});

test('validation rules: defaults as Python, NaN reference refused, wrong shapes reported with their indices, keepIoTypes false casts feeds', { skip }, async () => {
  const runtime = await cpuRuntime();
  const m = overflowMlp();
  await assert.rejects(findNodeBlockList(m, ones(8), { runtime }), /give rtol\/atol, validateFn, or both/);
  const nan: Feeds = { x: { type: 'float32', data: Float32Array.of(NaN, 1, 1, 1, 1, 1, 1, 1), dims: [1, 8] } };
  await assert.rejects(findNodeBlockList(m, nan, { runtime, atol: 1e-2 }), /validation failed for the original float32 model/);
  const second: Feeds = { x: { type: 'float32', data: Float32Array.of(0.5, 1, 1, 1, 1, 1, 1, 1), dims: [1, 8] } };
  const result = await findNodeBlockList(m, [ones(8), second], { runtime, rtol: 1e-2, atol: 1e-2 });
  assert.deepEqual([...result.nodeBlockList].sort(), ['div', 'mm1'], 'keepIoTypes false: float32 feeds are cast for the float16 inputs');
  const wrongShape: Feeds = { x: { type: 'float32', data: new Float32Array(5), dims: [1, 5] } };
  await assert.rejects(findNodeBlockList(m, wrongShape, { runtime, rtol: 1e-2 }), /does not run on feeds set 1 .*index: 1 Got: 5 Expected: 8/, 'a wrong shape keeps the indices onnxruntime reports');
  let calls = 0;
  const custom = await findNodeBlockList(m, ones(8), { runtime, validateFn: () => (calls++, true) });
  assert.deepEqual(custom.nodeBlockList, [], 'a validateFn that accepts everything blocks nothing');
  assert.ok(calls > 0);
});

test('a real model whose plain float16 conversion misses the tolerance passes after auto, guided in fewer runs than bisect (Silero VAD)', { skip }, async (t) => {
  const { loadModel } = await import('../src/io/load-model.js');
  const { randomFeeds } = await import('../src/mixed/random-feeds.js');
  const { SILERO_MODELS } = await import('./testdata.js');
  const runtime = await cpuRuntime();
  const m = await loadModel(SILERO_MODELS[0]!);
  const feeds: Feeds = { ...randomFeeds(m, { dims: { batch: 1, sequence: 512 }, seed: 3 }), sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } };
  const reference = await runModel(m, feeds);
  const plain = await runModel(emulateLowPrecision(convertFloatToFloat16(m), DataType.FLOAT16), feeds);
  assert.ok(Object.keys(reference).some((k) => !allClose(reference[k]!, plain[k]!, 1e-2, 1e-3)), 'plain conversion misses rtol 1e-2 / atol 1e-3');
  const result = await findNodeBlockList(m, feeds, { runtime, rtol: 1e-2, atol: 1e-3 });
  const bisected = await findNodeBlockList(m, feeds, { runtime, rtol: 1e-2, atol: 1e-3, strategy: 'bisect' });
  t.diagnostic(`guided: ${result.runs} runs, ${result.nodeBlockList.length} nodes; bisect: ${bisected.runs} runs, ${bisected.nodeBlockList.length} nodes`);
  assert.ok(result.nodeBlockList.length > 0 && result.nodeBlockList.length < 10, result.nodeBlockList.join(', '));
  assert.ok(result.runs < bisected.runs, `guided ${result.runs} < bisect ${bisected.runs}`);
  const mixed = await autoConvertMixedPrecision(m, feeds, { runtime, rtol: 1e-2, atol: 1e-3 });
  assertWellFormed(mixed);
  const emulated = await runModel(emulateLowPrecision(mixed, DataType.FLOAT16), feeds);
  for (const k of Object.keys(reference)) assert.ok(allClose(reference[k]!, emulated[k]!, 1e-2, 1e-3), k);
});

/** Whether onnxruntime-web is installed (resolved, not imported: it loads only in its test). */
function hasWebRuntime(): boolean {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-web');
    return true;
  } catch {
    return false;
  }
}

test('the same search runs on onnxruntime-web (WebAssembly) through the runtime adapter', { skip: hasWebRuntime() ? skip : 'onnxruntime-web is not installed: the WebAssembly check is skipped' }, async () => {
  const ort = await import('onnxruntime-web');
  const { onnxruntimeAdapter } = await import('../src/runtime/onnxruntime-adapter.js');
  ort.env.wasm.numThreads = 1;
  const runtime = onnxruntimeAdapter(ort as never, { name: 'onnxruntime-web (wasm)' });
  const result = await findNodeBlockList(overflowMlp(), ones(8), { runtime, rtol: 1e-2, atol: 1e-2, keepIoTypes: true });
  assert.deepEqual([...result.nodeBlockList].sort(), ['div', 'mm1']);
});

test('the auto command: usage errors, unknown feed and dimension names, an unreachable tolerance stops with the reason', { skip }, async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { main } = await import('../src/cli/main.js');
  const { saveModel } = await import('../src/io/save-model.js');
  const run = async (...argv: string[]) => {
    let stderr = '';
    const code = await main(argv, { stdout: { write: () => undefined }, stderr: { write: (text: string) => (stderr += text) } });
    return { code, stderr };
  };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-auto-'));
  const net = join(dir, 'net.onnx');
  await saveModel(overflowMlp(), net);
  const strategy = await run('auto', net, '--random', '--rtol', '1e-2', '--strategy', 'foo');
  assert.equal(strategy.code, 2);
  assert.match(strategy.stderr, /--strategy takes guided or bisect, got "foo"/);
  const dim = await run('auto', net, '--random', '--rtol', '1e-2', '--dim', 'batch=2');
  assert.equal(dim.code, 1);
  assert.match(dim.stderr, /dims names "batch", which is neither a symbolic dimension/);
  writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ z: [[1, 1, 1, 1, 1, 1, 1, 1]] }));
  const unknown = await run('auto', net, '--feeds', join(dir, 'wrong.json'), '--rtol', '1e-2');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /"z", which is not a model input \(inputs: x\)/);
  const archive = await run('auto', net, '--feeds', `x=${join(dir, 'feeds.npz')}`, '--rtol', '1e-2');
  assert.equal(archive.code, 1);
  assert.match(archive.stderr, /a \.npz names its arrays itself/);
  // 0.123 is not a float16 value: rounding the input alone moves y beyond rtol 1e-7.
  writeFileSync(join(dir, 'feeds.json'), JSON.stringify({ x: [new Array(8).fill(0.123)] }));
  const progress: string[] = [];
  const unreachable = await main(['auto', net, '--feeds', join(dir, 'feeds.json'), '--rtol', '1e-7', '--atol', '0'], { stdout: { write: () => undefined }, stderr: { write: (text: string) => progress.push(...text.split('\n').filter(Boolean)) } });
  assert.equal(unreachable, 1);
  assert.match(progress[0]!, /^attempt 1 \(float16, run 2\)/);
  assert.match(progress.at(-1)!, /rounding the inputs\/outputs to float16 alone exceeds the tolerance \(worst output y, error [\d.e+-]+\); use --keep-io-types/);
  assert.equal(progress.filter((line) => line.startsWith('attempt')).length, 2, 'float16, then float32, then the stop');
});
