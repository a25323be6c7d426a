/**
 * The convert command's report of sizes counts every file: an external-data input's data files
 * are part of its input bytes, measured before an in-place conversion replaces them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveModel } from '../src/node.js';
import { runCli } from './cli-process.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';

const F = DataType.FLOAT;

test('CLI: input bytes count the external data files, measured before an in-place conversion replaces them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-sizes-'));
  const path = join(dir, 'm.onnx');
  const weights = Array.from({ length: 4096 }, (_, i) => i / 4096);
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', F, [4096])],
      outputs: [valueInfo('y', F, [4096])],
      initializers: [tensor('w', [4096], weights)],
    }),
  );
  await saveModel(m, path, { externalData: { location: 'm.data' } });
  const before = statSync(path).size + statSync(join(dir, 'm.data')).size;
  const run = runCli('convert', path, '-o', path, '--json'); // in place
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { inputBytes: number; outputBytes: number };
  assert.equal(report.inputBytes, before);
  assert.ok(report.outputBytes < before * 0.6, `${report.outputBytes} vs ${before}`);
});
