import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { test } from 'node:test';
import { loadModel, saveModel } from '../node.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { dynamicQuantizedMlp, matMulNBitsModel } from '../../test/quantized-models.js';
import { SHARED_MODELS_DIR, SHARED_MODELS_SKIP } from '../../test/testdata.js';
import { batchJobs, isVariantName, outputName } from './batch.js';
import { runCli } from '../../test/cli-run.js';

const run = runCli;

const weighted = (n: number) =>
  model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', 1, [n])], outputs: [valueInfo('y', 1, [n])], initializers: [tensor('w', [n], new Float32Array(n).fill(0.25))] }));

/** A transformers.js-like export: onnx/encoder, onnx/decoder (external data), their variants, a sub-folder. */
async function exportFolder(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'onnx-float16-batch-'));
  const onnx = join(root, 'onnx');
  mkdirSync(join(onnx, 'extra'), { recursive: true });
  await saveModel(weighted(1000), join(onnx, 'encoder_model.onnx'));
  await saveModel(weighted(3000), join(onnx, 'decoder_model.onnx'), { externalData: { location: 'decoder_model.onnx_data' } });
  for (const variant of ['encoder_model_fp16', 'encoder_model_q4', 'encoder_model_q4f16', 'encoder_model_quantized', 'decoder_model_int8', 'decoder_model_uint8', 'decoder_model_bnb4']) {
    await saveModel(weighted(10), join(onnx, `${variant}.onnx`));
  }
  await saveModel(weighted(10), join(onnx, 'extra', 'head.onnx'));
  writeFileSync(join(onnx, 'config.json'), '{}');
  return root;
}

test('variant names: converted and quantized variants are recognised, plain names and look-alikes are not', () => {
  for (const name of ['model_fp16.onnx', 'model_bf16.onnx', 'model_q4.onnx', 'model_Q4F16.onnx', 'model_int8.onnx', 'model_uint8.onnx', 'model_quantized.onnx', 'model_mixed.onnx', 'model_bnb4.onnx']) {
    assert.ok(isVariantName(name), name);
  }
  for (const name of ['model.onnx', 'decoder_model_merged.onnx', 'fp16_model.onnx', 'model_q4x.onnx', 'int8model.onnx']) assert.ok(!isVariantName(name), name);
  assert.equal(outputName('a/model.onnx', 'fp16'), 'model_fp16.onnx');
  assert.equal(outputName('a/model.onnx', 'bf16'), 'model_bf16.onnx');
  assert.equal(outputName('a/model_q4.onnx', 'fp16'), 'model_q4f16.onnx', 'a 4-bit model converts to its q4f16 variant');
});

test('a folder gives its non-variant models, sub-folders included, with outputs beside them or under --out-dir', async () => {
  const root = await exportFolder();
  const beside = batchJobs([join(root, 'onnx')], { to: 'fp16' });
  assert.ok(beside.batch);
  assert.deepEqual(
    beside.jobs.map((j) => [j.input.slice(root.length), j.output.slice(root.length)]),
    [
      ['/onnx/decoder_model.onnx', '/onnx/decoder_model_fp16.onnx'],
      ['/onnx/encoder_model.onnx', '/onnx/encoder_model_fp16.onnx'],
      ['/onnx/extra/head.onnx', '/onnx/extra/head_fp16.onnx'],
    ],
  );
  const into = batchJobs([root], { to: 'bf16', outDir: '/out' });
  assert.deepEqual(into.jobs.map((j) => j.output), ['/out/onnx/decoder_model_bf16.onnx', '/out/onnx/encoder_model_bf16.onnx', '/out/onnx/extra/head_bf16.onnx']);
  assert.equal(batchJobs([join(root, 'onnx', 'encoder_model.onnx')], { to: 'fp16' }).batch, false, 'one file is the one-model conversion');
});

test('batch usage errors: -o with several models, two inputs written to one output', async () => {
  const root = await exportFolder();
  const several = await run('convert', join(root, 'onnx'), '-o', join(root, 'x.onnx'));
  assert.equal(several.code, 2);
  assert.match(several.stderr, /^onnx-float16 convert: -o names the output of one model; for several models or a folder use --out-dir; see "onnx-float16 convert --help"\n$/);
  const clash = await run('convert', join(root, 'onnx', 'encoder_model.onnx'), join(root, 'onnx', 'encoder_model.onnx'));
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /would both be written to .*encoder_model_fp16\.onnx/);
});

test('convert FOLDER --out-dir converts every model once, data files follow, a summary table and one JSON report per model', async () => {
  const root = await exportFolder();
  const out = join(root, 'converted');
  const result = await run('convert', join(root, 'onnx'), '--out-dir', out, '--json');
  assert.equal(result.code, 0, result.stderr);
  const reports = JSON.parse(result.stdout) as { input: string; output: string; externalData: string | null; nodeCount: number; inputBytes: number; outputBytes: number }[];
  assert.deepEqual(reports.map((r) => r.output.slice(out.length)), ['/decoder_model_fp16.onnx', '/encoder_model_fp16.onnx', '/extra/head_fp16.onnx'], 'sub-paths relative to the folder given');
  assert.deepEqual(readdirSync(out).sort(), ['decoder_model_fp16.onnx', 'decoder_model_fp16.onnx.data', 'encoder_model_fp16.onnx', 'extra']);
  const decoder = reports[0]!;
  assert.equal(decoder.externalData, 'decoder_model_fp16.onnx.data', 'external data follows the model');
  assert.ok(decoder.inputBytes > 12000, 'the size before counts the data file');
  assert.ok(decoder.outputBytes < decoder.inputBytes);
  const converted = await loadModel(join(out, 'decoder_model_fp16.onnx'));
  assert.equal(converted.graph!.initializer[0]!.dataType, 10);
  assert.match(result.stderr, /^\[1\/3\] .*decoder_model\.onnx -> .*decoder_model_fp16\.onnx$/m);
  assert.match(result.stderr, /^ {2}model +kept +before +after +time +output$/m);
  assert.match(result.stderr, /^ {2}.*encoder_model\.onnx +0\/1 +4\.\d+ kB +2\.\d+ kB +\d+\.\d\d s +.*encoder_model_fp16\.onnx$/m);
  assert.match(result.stderr, /^3 of 3 models converted\n$/m);
});

test('a model that fails is reported, the others still convert, and the exit code is 1', async () => {
  const root = await exportFolder();
  writeFileSync(join(root, 'onnx', 'broken.onnx'), 'not a model');
  const result = await run('convert', join(root, 'onnx'), join(root, 'missing.onnx'), '--json');
  assert.equal(result.code, 1);
  const reports = JSON.parse(result.stdout) as { input: string; error?: string }[];
  assert.equal(reports.length, 5);
  const failures = reports.filter((r) => r.error !== undefined);
  assert.deepEqual(failures.map((r) => r.input.slice(root.length)), ['/onnx/broken.onnx', '/missing.onnx']);
  assert.ok(failures.every((r) => !r.error!.includes('\n')), 'each failure is one line');
  assert.ok(existsSync(join(root, 'onnx', 'encoder_model_fp16.onnx')) && existsSync(join(root, 'onnx', 'extra', 'head_fp16.onnx')));
  assert.match(result.stderr, /^ {2}.*broken\.onnx +FAILED +.*broken\.onnx/m);
  assert.match(result.stderr, /^3 of 5 models converted, 2 failed$/m);
});

test('the real models folder converts in one command', { skip: SHARED_MODELS_SKIP }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'onnx-float16-batch-real-'));
  const result = await run('convert', SHARED_MODELS_DIR, '--out-dir', out, '--json');
  assert.equal(result.code, 0, result.stderr);
  const models = readdirSync(SHARED_MODELS_DIR).filter((f) => extname(f) === '.onnx' && !isVariantName(f));
  const reports = JSON.parse(result.stdout) as { output: string; nodeCount: number }[];
  assert.equal(reports.length, models.length);
  for (const report of reports) assert.ok(existsSync(report.output) && report.nodeCount > 0, report.output);
  assert.match(result.stderr, new RegExp(`^${models.length} of ${models.length} models converted$`, 'm'));
});

test('convert says when a model is quantized and what it did: q4 -> q4f16 by name, dynamic quantization kept float32', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-quantized-'));
  await saveModel(matMulNBitsModel(), join(dir, 'model_q4.onnx'));
  await saveModel(dynamicQuantizedMlp(), join(dir, 'isnet_quantized_like.onnx'));
  const result = await run('convert', join(dir, 'model_q4.onnx'), join(dir, 'isnet_quantized_like.onnx'), '--keep-io-types', '--json');
  assert.equal(result.code, 0, result.stderr);
  const [q4, dynamic] = JSON.parse(result.stdout) as { output: string; quantization: string; casts: unknown[] }[];
  assert.equal(q4!.output, join(dir, 'model_q4f16.onnx'));
  assert.equal(q4!.quantization, 'weight-quantized (1 MatMulNBits): packed weights kept as they are; 1 float tensors (scales, biases, float weights) converted (q4 -> q4f16)');
  assert.match(dynamic!.quantization, /^dynamically quantized \(3 DynamicQuantizeLinear, 3 MatMulInteger\): 15 nodes on its float path kept float32 /);
  assert.equal(dynamic!.casts.length, 0);
  assert.match(result.stderr, /^ {2}dynamically quantized \(3 DynamicQuantizeLinear, 3 MatMulInteger\)/m);
});
