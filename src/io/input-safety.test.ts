import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { hasStackTrace, runCli } from '../../test/cli-process.js';
import { ModelFileError } from '../errors.js';
import { readTensorData } from '../proto/payload.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';
import { sourceFilesOf } from './source-files.js';

/** m/model.onnx whose weights live in m/w.bin. */
async function modelWithDataFile(): Promise<{ dir: string; modelPath: string; dataPath: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'onnx-float16-safety-')), 'm');
  mkdirSync(dir);
  const m = model(
    graph({
      nodes: [node('Mul', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [1000])],
      outputs: [valueInfo('y', 1, [1000])],
      initializers: [tensor('w', [1000], Float32Array.from({ length: 1000 }, (_, i) => i / 7))],
    }),
  );
  await saveModel(m, join(dir, 'model.onnx'), { externalData: { location: 'w.bin' } });
  return { dir, modelPath: join(dir, 'model.onnx'), dataPath: join(dir, 'w.bin') };
}

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
  return out;
}

function assertRefused(result: { code: number | null; stderr: string }, ...paths: string[]): void {
  assert.equal(result.code, 1, result.stderr);
  assert.ok(!hasStackTrace(result.stderr), result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /refusing to write/);
  for (const path of paths) assert.ok(result.stderr.includes(path), `the message names ${path}: ${result.stderr}`);
}

test('convert refuses an external data file that is the input\'s own data file; every input file stays byte-identical', async () => {
  const { dir, modelPath, dataPath } = await modelWithDataFile();
  const before = hashes(dir);
  assertRefused(runCli('convert', modelPath, '-o', join(dir, 'out.onnx'), '--external-data=w.bin'), join(dir, 'w.bin'), modelPath);
  assert.deepEqual(hashes(dir), before);
  assert.ok(dataPath);
});

test('convert refuses an external data file named like the input model; the input stays byte-identical', async () => {
  const { dir, modelPath } = await modelWithDataFile();
  const before = hashes(dir);
  assertRefused(runCli('convert', modelPath, '-o', join(dir, 'out.onnx'), '--external-data=model.onnx'), modelPath);
  assert.deepEqual(hashes(dir), before);
});

test('convert refuses an output model that is the input\'s data file; the input stays byte-identical', async () => {
  const { dir, modelPath, dataPath } = await modelWithDataFile();
  const before = hashes(dir);
  assertRefused(runCli('convert', modelPath, '-o', dataPath), dataPath, modelPath);
  assert.deepEqual(hashes(dir), before);
});

test('an output reaching an input file through a symbolic link, a linked folder or a hard link is refused', async () => {
  const { dir, modelPath, dataPath } = await modelWithDataFile();
  const loaded = await loadModel(modelPath); // before the links: loading refuses a hard-linked data file
  symlinkSync(dataPath, join(dir, 'alias.bin'));
  linkSync(dataPath, join(dir, 'hard.bin'));
  linkSync(modelPath, join(dir, 'hard.onnx'));
  symlinkSync(dir, join(dir, '..', 'linked'));
  const before = hashes(dir);
  const refusedNaming = (path: string) => (error: Error) => error instanceof ModelFileError && error.message.includes(path) && error.message.startsWith('refusing to write');
  for (const output of ['alias.bin', 'hard.bin', join('..', 'linked', 'w.bin')]) {
    await assert.rejects(saveModel(loaded, join(dir, output)), refusedNaming(dataPath));
  }
  await assert.rejects(saveModel(loaded, join(dir, 'elsewhere.onnx'), { externalData: { location: 'hard.onnx' } }), refusedNaming(modelPath));
  await assert.rejects(saveModel(loaded, join(dir, 'elsewhere.onnx'), { externalData: { location: 'alias.bin' } }), /refused for safety/);
  assert.deepEqual(hashes(dir), before);
});

test('converting in place over the input\'s own data file is allowed: every weight is read before the files are replaced', async () => {
  const { dir, modelPath } = await modelWithDataFile();
  const reference = join(mkdtempSync(join(tmpdir(), 'onnx-float16-safety-ref-')), 'ref.onnx');
  const ok = runCli('convert', modelPath, '-o', reference);
  assert.equal(ok.code, 0, ok.stderr);
  const inPlace = runCli('convert', modelPath, '-o', modelPath, '--external-data=w.bin');
  assert.equal(inPlace.code, 0, inPlace.stderr);
  const [converted, expected] = await Promise.all([loadModel(modelPath), loadModel(reference)]);
  assert.deepEqual(sourceFilesOf(converted).map((p) => p.slice(dir.length + 1)), ['model.onnx', 'w.bin']);
  const weights = await readTensorData(converted.graph!.initializer[0]!);
  assert.deepEqual(weights, await readTensorData(expected.graph!.initializer[0]!));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
});

test('a model saved over its own file in the same process keeps reading its original bytes', async () => {
  const { dir, modelPath } = await modelWithDataFile();
  const loaded = await loadModel(modelPath);
  const original = await readTensorData(loaded.graph!.initializer[0]!);
  await saveModel(loaded, modelPath, { externalData: { location: 'w.bin' } });
  assert.deepEqual(await readTensorData(loaded.graph!.initializer[0]!), original);
  assert.deepEqual(await readTensorData((await loadModel(modelPath)).graph!.initializer[0]!), original);
  assert.ok(dir);
});

test('sourceFilesOf lists the model file and its data files', async () => {
  const { modelPath, dataPath } = await modelWithDataFile();
  assert.deepEqual(sourceFilesOf(await loadModel(modelPath)), [modelPath, dataPath]);
  assert.deepEqual(sourceFilesOf(model(graph({ nodes: [] }))), []);
});

test('a folder as input or as output is a one-line error, exit code 1', async () => {
  const { dir, modelPath } = await modelWithDataFile();
  // A folder is a batch input (convert FOLDER --out-dir DIR); -o names one model's output.
  const input = runCli('convert', dir, '-o', join(dir, 'x.onnx'));
  assert.equal(input.code, 2);
  assert.equal(input.stderr.trim(), 'onnx-float16 convert: -o names the output of one model; for several models or a folder use --out-dir; see "onnx-float16 convert --help"');
  mkdirSync(join(dir, 'out'));
  const output = runCli('convert', modelPath, '-o', join(dir, 'out'));
  assert.equal(output.code, 1);
  assert.equal(output.stderr.trim(), `onnx-float16 convert: cannot write ${join(dir, 'out')}: it is a folder; name a file to write`);
  const inspect = runCli('inspect', dir);
  assert.equal(inspect.code, 1);
  assert.ok(!hasStackTrace(inspect.stderr) && inspect.stderr.trim().split('\n').length === 1, inspect.stderr);
});
