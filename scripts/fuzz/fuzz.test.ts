import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toBinary } from '@bufbuild/protobuf';
import { main } from '../../src/cli/main.js';
import { ModelProtoSchema } from '../../src/proto/onnx.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { corpus, hashFiles, prepareCase } from './cases.js';
import { BYTE_MUTATIONS, mutateModel, wireFields } from './mutate.js';
import { Random } from './random.js';
import { runCase, stackTraceIn } from './worker.js';

const small = () =>
  toBinary(ModelProtoSchema, model(graph({
    nodes: [node('Add', ['x', 'w'], ['s']), node('Relu', ['s'], ['y'])],
    inputs: [valueInfo('x', 1, [3])],
    outputs: [valueInfo('y', 1, [3])],
    initializers: [tensor('w', [3], [1, 2, 3])],
  })));

test('a case is a pure function of seed and index', async () => {
  const models = corpus();
  for (const index of [3, 4]) {
    const runs = await Promise.all([0, 1].map(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-fuzz-test-'));
      const prepared = await prepareCase(5, index, dir, models);
      const files = [...hashFiles([join(dir, 'm')])].map(([path, hash]) => [path.slice(dir.length), hash]).sort();
      rmSync(dir, { recursive: true, force: true });
      return { description: prepared.description, files };
    }));
    assert.equal(runs[0]!.description, runs[1]!.description);
    assert.deepEqual(runs[0]!.files, runs[1]!.files);
  }
});

test('the wire walk finds nested fields, and length-prefix and field mutations change the bytes', () => {
  const bytes = small();
  const fields = wireFields(bytes);
  assert.ok(fields.length > 10, `${fields.length} fields`);
  assert.ok(fields.some((f) => f.lengthAt !== undefined && f.start > 0), 'nested length-delimited fields');
  for (const kind of ['lengthPrefix', 'duplicateField', 'deleteField', 'truncate'] as const) {
    assert.notDeepEqual(BYTE_MUTATIONS[kind](bytes, new Random(1)), bytes, kind);
  }
});

test('a cycle mutation makes a model that the CLI refuses in one line', async () => {
  const mutated = mutateModel(small(), 'cycle', new Random(1), { linkName: 'link.bin', outsideRelative: '../x' })!;
  const path = join(mkdtempSync(join(tmpdir(), 'onnx-float16-fuzz-test-')), 'cycle.onnx');
  writeFileSync(path, mutated);
  let stderr = '';
  const code = await main(['inspect', '--types', path], { stdout: { write: () => undefined }, stderr: { write: (text: string) => (stderr += text) } });
  assert.equal(code, 1);
  assert.match(stderr, /has a cycle through/);
  assert.ok(!stackTraceIn(stderr), stderr);
});

test('fuzz cases run their commands and report only failures the allow-list knows', async () => {
  const allow = (JSON.parse(readFileSync(new URL('./known-failures.json', import.meta.url), 'utf8')) as { failures: { kind: string; match: string }[] }).failures;
  for (const index of [0, 1, 2, 3]) {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-fuzz-test-'));
    const result = await runCase(20261202, index, dir);
    rmSync(dir, { recursive: true, force: true });
    assert.ok(result.description.length > 0);
    const unknown = result.failures.filter((f) => !allow.some((a) => a.kind === f.kind && new RegExp(a.match).test(f.detail)));
    assert.deepEqual(unknown, [], `case ${index}: ${result.description}`);
  }
  assert.ok(stackTraceIn('onnx-float16 convert: unexpected error: Error: x\n    at f (/a/src/b.ts:1:2)'));
  assert.ok(!stackTraceIn('onnx-float16 convert: m.onnx: no such file'));
});
