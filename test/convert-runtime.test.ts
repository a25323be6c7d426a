/**
 * Runtime-aware conversion end to end: the RandomNormalLike case of issue 12 loads and runs in
 * onnxruntime-node in both modes; on a real model, `convert --runtime ort-webgpu` keeps float32
 * exactly the nodes `inspect --runtime ort-webgpu` names on its plain float16 conversion; the
 * CLI's --runtime for convert and auto.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertModel } from '../src/convert/convert-model.js';
import { runtimeReport } from '../src/inspect/runtime-report.js';
import { decodeModel, encodeModel } from '../src/proto/codec.js';
import { runCli } from './cli-run.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { compareOutputs, feedsFor, RUNTIME_SKIP, runModel } from './runtime-helpers.js';
import { SHARED_MODELS_SKIP, sharedModel } from './testdata.js';

const F = DataType.FLOAT;

/** RandomNormalLike reading a float32 input; `dtype` float or absent (the output follows the input). */
function randomNormalLike(dtype: number | undefined) {
  const attributes = { mean: 1, scale: 1e-6, ...(dtype === undefined ? {} : { dtype: BigInt(dtype) }) };
  return model(
    graph({
      nodes: [node('RandomNormalLike', ['x'], ['r'], attributes, { name: 'random' }), node('Add', ['x', 'r'], ['y'], {}, { name: 'add' })],
      inputs: [valueInfo('x', F, [3, 3])],
      outputs: [valueInfo('y', F, [3, 3])],
    }),
  );
}

test('RandomNormalLike reading float32 converts to a model onnxruntime CPU loads and runs, default and keepIoTypes', { skip: RUNTIME_SKIP }, async () => {
  const feeds = { x: { type: 'float32' as const, dims: [3, 3], data: new Float32Array(9).fill(0.5) } };
  for (const dtype of [F, undefined]) {
    const m = randomNormalLike(dtype);
    const expected = await runModel(m, feeds);
    for (const keepIoTypes of [false, true]) {
      const label = `dtype ${dtype ?? 'absent'}, keepIoTypes ${keepIoTypes}`;
      // The premise: without the runtime rule, keepIoTypes leaves the input float32 while dtype says float16.
      const plain = convertModel(m, { keepIoTypes, runtime: 'none' }).model;
      if (keepIoTypes) await assert.rejects(runModel(plain, feedsFor(plain, feeds)), /Could not find an implementation for RandomNormalLike/, label);
      const { model: converted, report } = convertModel(m, { keepIoTypes });
      assert.equal(report.runtime, 'ort-cpu');
      assert.deepEqual(
        report.keptNodes.map((k) => [k.name, k.reason.kind]),
        keepIoTypes ? [['random', 'runtime']] : [],
        label,
      );
      assert.equal(compareOutputs(expected, await runModel(converted, feedsFor(converted, feeds)), 1e-2, 1e-2), undefined, label);
    }
  }
});

test('the plain float16 conversion of a ScatterND add is what onnxruntime CPU refuses, and what runtime ort-cpu avoids', () => {
  const m = model(
    graph({
      nodes: [node('ScatterND', ['x', 'idx', 'upd'], ['y'], { reduction: 'add' }, { name: 'scatter' })],
      inputs: [valueInfo('x', F, [4])],
      outputs: [valueInfo('y', F, [4])],
      initializers: [tensor('idx', [2, 1], [0, 2], DataType.INT64), tensor('upd', [2], [1, 2])],
    }),
    { opset: 18 },
  );
  const plain = convertModel(m, { runtime: 'none' }).model;
  assert.deepEqual(runtimeReport(plain, 'ort-cpu').nodes.map((n) => [n.node, n.outcome]), [['scatter', 'refused']]);
  const converted = convertModel(m).model;
  assert.deepEqual(runtimeReport(converted, 'ort-cpu').nodes, []);
});

const WEBGPU_MODEL = 'occ_keras_model0.onnx';

test(`on ${WEBGPU_MODEL}, convert --runtime ort-webgpu keeps float32 exactly the nodes inspect --runtime ort-webgpu names`, { skip: SHARED_MODELS_SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-runtime-'));
  const input = sharedModel(WEBGPU_MODEL);
  const plainPath = join(dir, 'plain_fp16.onnx');
  assert.equal((await runCli('convert', input, '-o', plainPath, '--runtime', 'none')).code, 0);
  const inspected = await runCli('inspect', plainPath, '--runtime', 'ort-webgpu', '--json');
  assert.equal(inspected.code, 0);
  const fallbacks = (JSON.parse(inspected.stdout).runtime.nodes as { graph: string; node: string; opType: string; outcome: string }[]).map((n) => [n.graph, n.node, n.opType, n.outcome]);
  // WebGPU's operator list has neither PRelu nor Identity (the Identity nodes that write graph outputs stay on load).
  assert.deepEqual([...new Set(fallbacks.map(([, , opType]) => opType))].sort(), ['Identity', 'PRelu']);
  assert.ok(fallbacks.every(([, , , outcome]) => outcome === 'fallback'));

  const webgpuPath = join(dir, 'webgpu_fp16.onnx');
  const converted = await runCli('convert', input, '-o', webgpuPath, '--runtime', 'ort-webgpu', '--json');
  assert.equal(converted.code, 0);
  const report = JSON.parse(converted.stdout);
  assert.equal(report.runtime, 'ort-webgpu');
  const kept = (report.keptNodes as { graph: string; name: string; address: string; opType: string; reason: { kind: string; outcome: string } }[])
    .filter((k) => k.reason.kind === 'runtime')
    .map((k) => [k.graph, k.name || k.address, k.opType, k.reason.outcome]);
  assert.deepEqual(kept.sort(), [...fallbacks].sort());
  // The plain conversion kept nothing for a runtime, and the WebGPU one leaves no float16 node to the CPU.
  assert.equal(convertModel(decodeModel(readFileSync(plainPath), 'plain'), { runtime: 'none', checkFp16Ready: false }).report.keptNodes.filter((k) => k.reason.kind === 'runtime').length, 0);
  assert.deepEqual(runtimeReport(decodeModel(readFileSync(webgpuPath), 'webgpu'), 'ort-webgpu').nodes, []);
  const text = await runCli('convert', input, '-o', join(dir, 'text_fp16.onnx'), '--runtime', 'ort-webgpu');
  assert.match(text.stderr, new RegExp(`runtime ort-webgpu: ${fallbacks.length} nodes kept float32 that it would not run in float16`));
});

test('convert --runtime: a usage error names the choices and the likely one', async () => {
  const result = await runCli('convert', 'model.onnx', '--runtime', 'webgpu');
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr.split('\n')[0],
    'onnx-float16 convert: --runtime takes ort-cpu, ort-cuda, ort-dml, ort-webgpu, ort-webnn, none, got "webgpu" (did you mean ort-webgpu?); see "onnx-float16 convert --help"',
  );
});

test('auto --runtime passes the runtime to every attempt and the result', { skip: RUNTIME_SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-runtime-'));
  const input = join(dir, 'random.onnx');
  writeFileSync(input, encodeModel(randomNormalLike(F)));
  const run = (runtime: string) => runCli('auto', input, '-o', join(dir, `${runtime}.onnx`), '--random', '--atol', '0.1', '--keep-io-types', '--runtime', runtime, '--json');
  const cpu = await run('ort-cpu');
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.deepEqual(JSON.parse(cpu.stdout).keptNodes.map((k: { name: string; reason: { kind: string } }) => [k.name, k.reason.kind]), [['random', 'runtime']]);
  const cuda = await run('ort-cuda');
  assert.deepEqual(JSON.parse(cuda.stdout).keptNodes, [], 'onnxruntime CUDA has a float16 RandomNormalLike');
  assert.equal((await runCli('auto', input, '--random', '--atol', '0.1', '--runtime', 'tpu')).code, 2);
});
