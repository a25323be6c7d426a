/**
 * Bad input to the conversion gets a one-line error that says what is wrong and where, never an
 * internal error: a type-invalid input model, a Constant without a value, an unknown target,
 * block-list names that match nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasStackTrace, runCli } from '../../test/cli-process.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { OptionsError, ValidationError } from '../errors.js';
import { encodeModel } from '../proto/codec.js';
import { convertModel } from './convert-model.js';

const F = DataType.FLOAT;

function addFloatInt64() {
  return model(
    graph({
      nodes: [node('Add', ['x', 'i'], ['y'], {}, { name: 'add' })],
      inputs: [valueInfo('x', F, [2]), valueInfo('i', DataType.INT64, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
}

function hAssignedTwice() {
  return model(graph({ nodes: [node('Relu', ['x'], ['h'], {}, { name: 'a' }), node('Neg', ['h'], ['h'], {}, { name: 'b' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('h', F, [2])] }));
}

function constantWithoutValue() {
  return model(
    graph({
      nodes: [node('Constant', [], ['c'], {}, { name: 'const' }), node('Add', ['x', 'c'], ['y'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
      valueInfo: [valueInfo('c', F, [2])],
    }),
  );
}

test('a type-invalid input model is refused before planning, naming the node', () => {
  assert.throws(
    () => convertModel(addFloatInt64()),
    (error: Error) =>
      error instanceof ValidationError &&
      error.message === 'the input model is invalid: node "add" (Add): input 1 ("B") "i" is tensor(int64) but input 0 ("A") is tensor(float); both are T',
  );
});

test('a Constant without a value attribute is refused, naming the node', () => {
  assert.throws(
    () => convertModel(constantWithoutValue()),
    (error: Error) => error instanceof ValidationError && error.message === 'the input model is invalid: node "const" (Constant) must hold exactly one value attribute (found none)',
  );
});

test('a name assigned twice in one graph is refused before the IR is built, naming both writers', () => {
  const cases: [ReturnType<typeof model>, string][] = [
    [
      hAssignedTwice(),
      '"h" is assigned twice in graph main, by node "a" (Relu) and by node "b" (Neg)',
    ],
    [
      model(graph({ nodes: [node('Relu', ['x'], ['x'], {}, { name: 'a' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('x', F, [2])] })),
      '"x" is assigned twice in graph main, by input "x" and by node "a" (Relu)',
    ],
    [
      model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', F, [1])], outputs: [valueInfo('y', F, [1])], initializers: [tensor('w', [1], [1]), tensor('w', [1], [2])] })),
      '"w" is assigned twice in graph main, by initializer "w" and by initializer "w"',
    ],
  ];
  for (const [m, detail] of cases) {
    assert.throws(
      () => convertModel(m),
      (error: Error) => error instanceof ValidationError && error.message === `the input model is invalid: ${detail}; each name may be assigned once`,
    );
  }
  // An initializer that is also a graph input (its default value) is no second assignment.
  const defaulted = model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', F, [1]), valueInfo('w', F, [1])], outputs: [valueInfo('y', F, [1])], initializers: [tensor('w', [1], [1])] }));
  assert.equal(convertModel(defaulted).report.target, 'float16');
});

test('an ai.onnx node in a model that imports no ai.onnx opset is refused, naming the node and the imports', () => {
  const m = model(
    graph({ nodes: [node('Relu', ['x'], ['y'], {}, { name: 'r' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }),
    { opsets: { 'ai.onnx.ml': 3 } },
  );
  assert.throws(
    () => convertModel(m),
    (error: Error) => error instanceof ValidationError && error.message === 'the input model is invalid: node "r" (Relu) is an ai.onnx operator, but the model imports no ai.onnx opset (its opset imports: ai.onnx.ml 3)',
  );
});

test('the target is validated: the documented names and DataType numbers convert, anything else is an OptionsError', () => {
  const m = model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }));
  assert.equal(convertModel(m, {}, 'bfloat16').report.target, 'bfloat16');
  assert.equal(convertModel(m, {}, DataType.BFLOAT16).report.target, 'bfloat16');
  assert.equal(convertModel(m, {}, 'float16').report.target, 'float16');
  assert.equal(convertModel(m).report.target, 'float16');
  for (const bad of [3, 'half', 1, null]) {
    assert.throws(
      () => convertModel(m, {}, bad as never),
      (error: Error) => error instanceof OptionsError && /^the target must be 'float16' or 'bfloat16' \(DataType.FLOAT16 = 10, DataType.BFLOAT16 = 16\), got /.test(error.message),
    );
  }
});

test('CLI: invalid input models exit 1 with one line naming the file and the node, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-invalid-'));
  for (const [file, m, detail] of [
    ['add.onnx', addFloatInt64(), 'node "add" (Add)'],
    ['const.onnx', constantWithoutValue(), 'node "const" (Constant) must hold exactly one value attribute'],
    ['twice.onnx', hAssignedTwice(), '"h" is assigned twice in graph main'],
  ] as const) {
    const path = join(dir, file);
    writeFileSync(path, encodeModel(m));
    const run = runCli('convert', path, '-o', join(dir, `out-${file}`));
    assert.equal(run.code, 1, run.stderr);
    assert.ok(!hasStackTrace(run.stderr), run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0]!.startsWith(`onnx-float16 convert: ${path}: the input model is invalid: ${detail}`), lines[0]);
  }
});

function twoNodes() {
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['h'], {}, { name: 'conv1' }), node('Neg', ['h'], ['y'], {}, { name: 'head' })],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
}

test('block-list and keepIoTypes names that match nothing are an OptionsError with a "did you mean" hint', () => {
  const cases: [Parameters<typeof convertModel>[1], string][] = [
    [{ nodeBlockList: ['conv_1'] }, 'nodeBlockList names "conv_1", which matches no node name or address; did you mean "conv1"?'],
    [{ opBlockList: ['Reluu'] }, 'opBlockList names "Reluu", which matches no operator; did you mean "Relu"?'],
    [{ keepIoTypes: ['yy'] }, 'keepIoTypes names "yy", which matches no graph input or output; did you mean "y"?'],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => convertModel(twoNodes(), options), (error: Error) => error instanceof OptionsError && error.message === message);
  }
  // Known op types the model lacks (the default list's), and custom-domain ops are not typos.
  assert.doesNotThrow(() => convertModel(twoNodes(), { opBlockList: ['TopK', 'my.domain::Fancy'], nodeBlockList: ['head'] }));
});

test('unknownNames: "warn" turns an unknown name into a warning and converts', () => {
  const { report } = convertModel(twoNodes(), { nodeBlockList: ['conv_1'], unknownNames: 'warn' });
  assert.deepEqual(
    report.warnings.filter((w) => w.kind === 'unknownName').map((w) => w.message),
    ['nodeBlockList names "conv_1", which matches no node name or address; did you mean "conv1"?'],
  );
  assert.deepEqual(report.keptNodes, []);
  assert.throws(() => convertModel(twoNodes(), { unknownNames: 'ignore' as never }), OptionsError);
});

test('CLI: a misspelt --node-block-list name exits 1 with the hint, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-names-'));
  const path = join(dir, 'm.onnx');
  writeFileSync(path, encodeModel(twoNodes()));
  const run = runCli('convert', path, '-o', join(dir, 'out.onnx'), '--node-block-list', 'conv_1');
  assert.equal(run.code, 1, run.stderr);
  assert.ok(!hasStackTrace(run.stderr), run.stderr);
  assert.equal(run.stderr.trim(), 'onnx-float16 convert: nodeBlockList names "conv_1", which matches no node name or address; did you mean "conv1"?');
});
