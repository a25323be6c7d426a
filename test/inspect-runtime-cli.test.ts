import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertModel } from '../src/convert/convert-model.js';
import { decodeModel, encodeModel } from '../src/proto/codec.js';
import { SHARED_MODELS_SKIP, sharedModel } from './testdata.js';
import { runCli } from './cli-run.js';

const run = runCli;

test('inspect --runtime ort-webgpu lists the float16 nodes WebGPU leaves to the CPU, as text and JSON', { skip: SHARED_MODELS_SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-runtime-'));
  const path = join(dir, 'gpt2_fp16.onnx');
  writeFileSync(path, encodeModel(convertModel(decodeModel(readFileSync(sharedModel('gpt2_tiny_ort_fused.onnx')), 'gpt2')).model));
  const json = await run('inspect', path, '--runtime', 'ort-webgpu', '--json');
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout).runtime;
  assert.equal(report.runtime, 'ort-webgpu');
  assert.deepEqual(
    report.byOp.map((g: { opType: string; outcome: string; count: number }) => [g.opType, g.outcome, g.count]),
    [['EmbedLayerNormalization', 'fallback', 1]],
  );
  const text = await run('inspect', path, '--runtime', 'ort-webgpu');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /Runtime ort-webgpu \(WebGPU\): 1 float16\/bfloat16 nodes it leaves to the CPU or refuses, of 39 nodes/);
  assert.match(text.stdout, /1 {2}com\.microsoft::EmbedLayerNormalization {2}falls back {2}WebGPU has no kernel for com\.microsoft::EmbedLayerNormalization: falls back to CPU/);
});

test('inspect --runtime with an unknown runtime is a usage error naming the choices', async () => {
  const result = await run('inspect', 'model.onnx', '--runtime', 'tpu');
  assert.equal(result.code, 2);
  assert.equal(result.stderr.split('\n')[0], 'onnx-float16 inspect: --runtime: unknown runtime "tpu" (expected one of ort-cpu, ort-cuda, ort-dml, ort-webgpu, ort-webnn); see "onnx-float16 inspect --help"');
});
