import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveModel } from '../io/save-model.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { SHARED_MODELS_SKIP, SILERO_MODELS, sharedModel } from '../../test/testdata.js';
import { main } from './main.js';
import { RUNTIME_SKIP as RUNTIME_SKIP_CLI } from '../../test/runtime-helpers.js';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, (t) => (stdout += `${t}\n`), (t) => (stderr += `${t}\n`));
  return { code, stdout, stderr };
}

test('inspect --json on a real model with nested If subgraphs', async () => {
  const { code, stdout } = await run('inspect', SILERO_MODELS[1]!, '--json');
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.irVersion, 8);
  assert.equal(report.nodeCount, 689);
  assert.equal(report.subgraphCount, 50);
  assert.deepEqual(report.opsets, [{ domain: '', version: 16 }]);
  assert.deepEqual(report.inputs.map((i: { name: string }) => i.name), ['input', 'state', 'sr']);
  assert.deepEqual(report.inputs[1], { name: 'state', kind: 'tensor', elemType: 'FLOAT', shape: [2, null, 128] });
  assert.equal(report.ops.find((o: { opType: string }) => o.opType === 'If').count, 25);
  assert.equal(report.constants.count, 345, 'Silero keeps its weights in Constant nodes');
  assert.deepEqual(report.constants.byType[0], { elemType: 'FLOAT', count: 36, bytes: 2_181_152 });
});

test('inspect --json on an onnxruntime-fused transformer lists com.microsoft ops', { skip: SHARED_MODELS_SKIP }, async () => {
  const { code, stdout } = await run('inspect', '--json', sharedModel('gpt2_tiny_ort_fused.onnx'));
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.opsets, [
    { domain: '', version: 11 },
    { domain: 'com.microsoft', version: 1 },
  ]);
  const attention = report.ops.find((o: { opType: string }) => o.opType === 'Attention');
  assert.deepEqual(attention, { domain: 'com.microsoft', opType: 'Attention', count: 5 });
  assert.equal(report.initializers.count, report.initializers.byType.reduce((n: number, t: { count: number }) => n + t.count, 0));
});

test('inspect reports external data files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [2000])],
      outputs: [valueInfo('y', 1, [2000])],
      initializers: [tensor('w', [2000], new Float32Array(2000))],
    }),
  );
  await saveModel(m, join(dir, 'm.onnx'), { externalData: { location: 'm.weights' } });
  const { code, stdout } = await run('inspect', join(dir, 'm.onnx'), '--json');
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout).externalData, [{ location: 'm.weights', tensors: 1, bytes: 8000 }]);
  const text = await run('inspect', join(dir, 'm.onnx'));
  assert.match(text.stdout, /External data:\n\s+m\.weights\s+1 tensors\s+8\.00 kB/);
});

test('exit codes: 2 for usage errors, 1 for bad files, with one-line messages', async () => {
  assert.equal((await run()).code, 2);
  assert.equal((await run('--help')).code, 0);
  const unknown = await run('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const badFlag = await run('inspect', 'x.onnx', '--nope');
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Unknown option '--nope'/);
  assert.equal((await run('inspect')).code, 2);
  const missing = await run('inspect', '/nonexistent/model.onnx');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'onnx-float16 inspect: /nonexistent/model.onnx: no such file');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  writeFileSync(join(dir, 'junk.onnx'), 'not a model at all');
  const junk = await run('inspect', join(dir, 'junk.onnx'));
  assert.equal(junk.code, 1);
  assert.doesNotMatch(junk.stderr, /\n\s+at /, 'no stack trace');
});

test('inspect --types --json lists every tensor with its type and source, subgraphs included', async () => {
  const { code, stdout } = await run('inspect', SILERO_MODELS[1]!, '--types', '--json');
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.values[0], { graph: '', name: 'input', elemType: 'FLOAT', source: 'declared' });
  assert.ok(report.values.every((v: { source: string }) => v.source !== 'unknown'));
  const nested = report.values.filter((v: { graph: string }) => v.graph.split('/').length >= 8);
  assert.ok(nested.length > 0, 'values of If bodies nested 4 deep are listed');
  assert.deepEqual(report.typeWarnings, []);
});

test('inspect --types reports unknown types with their reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('Custom', ['x'], ['y'], {}, { domain: 'acme' }), node('Relu', ['y'], ['z'])],
      inputs: [valueInfo('x', 1, [2])],
      outputs: [valueInfo('z', 0)],
    }),
    { opsets: { '': 17, acme: 1 } },
  );
  await saveModel(m, join(dir, 'custom.onnx'));
  const { code, stdout } = await run('inspect', join(dir, 'custom.onnx'), '--types', '--json');
  assert.equal(code, 0);
  const byName = Object.fromEntries(JSON.parse(stdout).values.map((v: { name: string }) => [v.name, v]));
  assert.deepEqual(byName.x, { graph: '', name: 'x', elemType: 'FLOAT', source: 'declared' });
  assert.equal(byName.y.source, 'unknown');
  assert.match(byName.y.reason, /acme::Custom: domain "acme" is not in the operator table/);
  assert.equal(byName.z.elemType, null);
  const text = await run('inspect', join(dir, 'custom.onnx'), '--types');
  assert.match(text.stdout, /Tensor types: 3 values, 2 unknown/);
});

test('convert: default output name, JSON report, node block list from a file saved by auto', { skip: RUNTIME_SKIP_CLI }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('MatMul', ['x', 'w'], ['h'], {}, { name: 'mm' }), node('Div', ['h', 'k'], ['y'], {}, { name: 'div' })],
      inputs: [valueInfo('x', 1, [1, 8])],
      outputs: [valueInfo('y', 1, [1, 4])],
      initializers: [tensor('w', [8, 4], new Array(32).fill(10000)), tensor('k', [], [1000])],
    }),
  );
  await saveModel(m, join(dir, 'net.onnx'));
  const convert = await run('convert', join(dir, 'net.onnx'), '--keep-io-types', '--json');
  assert.equal(convert.code, 0);
  const report = JSON.parse(convert.stdout);
  assert.equal(report.output, join(dir, 'net_fp16.onnx'));
  assert.equal(report.tensors.length, 2);
  assert.deepEqual(report.keptNodes, []);
  writeFileSync(join(dir, 'feeds.json'), JSON.stringify({ x: [[1, 1, 1, 1, 1, 1, 1, 1]] }));
  const auto = await run('auto', join(dir, 'net.onnx'), '--feeds', join(dir, 'feeds.json'), '--rtol', '1e-2', '--atol', '1e-2', '--keep-io-types', '--save-block-list', join(dir, 'block.json'), '--json');
  assert.equal(auto.code, 0, auto.stderr);
  const found = JSON.parse(auto.stdout);
  assert.deepEqual([...found.nodeBlockList].sort(), ['div', 'mm']);
  const again = await run('convert', join(dir, 'net.onnx'), '-o', join(dir, 'again.onnx'), '--keep-io-types', '--node-block-list', `@${join(dir, 'block.json')}`, '--json');
  assert.deepEqual(JSON.parse(again.stdout).keptNodes.map((k: { name: string }) => k.name).sort(), ['div', 'mm']);
  const usage = await run('auto', join(dir, 'net.onnx'), '--rtol', '1e-2');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give --feeds PATH or --random/);
});
