/**
 * The public conversion: the input is never mutated; converting a converted model changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toBinary } from '@bufbuild/protobuf';
import { convertFloatToFloat16, convertModel } from './convert-model.js';
import { ModelProtoSchema } from '../proto/onnx.js';
import { assertWellFormed, convert, ioTypes, mlp } from '../../test/convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';

const F = DataType.FLOAT;

test('the input model is never mutated', () => {
  const m = mlp();
  m.graph!.initializer[0]!.rawData = m.graph!.initializer[0]!.rawData.slice();
  const before = toBinary(ModelProtoSchema, m);
  convertFloatToFloat16(m, { keepIoTypes: true, opBlockList: ['Relu'] });
  convertFloatToFloat16(m);
  assert.deepEqual(toBinary(ModelProtoSchema, m), before);
});

test('converting a converted model changes nothing; partly float16 models convert', () => {
  const once = convertFloatToFloat16(mlp());
  assert.throws(() => convertFloatToFloat16(once), /the model is already converted: it holds FLOAT16 values \("w1"\) and nothing float32 is left to convert/);
  const twice = convertModel(once, { checkFp16Ready: false });
  assertWellFormed(twice.model);
  assert.equal(twice.report.casts.length, 0);
  assert.deepEqual(toBinary(ModelProtoSchema, twice.model), toBinary(ModelProtoSchema, once));
  // An autocast-style model: a float16 island inside float32.
  const mixed = model(
    graph({
      nodes: [node('Cast', ['x'], ['h'], { to: BigInt(DataType.FLOAT16) }), node('Relu', ['h'], ['r']), node('Cast', ['r'], ['f'], { to: BigInt(F) }), node('Neg', ['f'], ['y'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
  const converted = convert(mixed, { checkFp16Ready: false }).model;
  assert.deepEqual(ioTypes(converted), { x: 'FLOAT16', y: 'FLOAT16' });
});

test('checkFp16Ready (default) converts the float32 rest of a partly float16 model once, says what was float16, and refuses the result', () => {
  // An autocast-style export: float32 in and out, a float16 island between Casts.
  const partly = model(
    graph({
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Cast', ['a'], ['h'], { to: BigInt(DataType.FLOAT16) }),
        node('Neg', ['h'], ['n']),
        node('Cast', ['n'], ['f'], { to: BigInt(F) }),
        node('Abs', ['f'], ['y']),
      ],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
  const first = convertModel(partly);
  assertWellFormed(first.model);
  assert.deepEqual(ioTypes(first.model), { x: 'FLOAT16', y: 'FLOAT16' });
  assert.equal(first.report.alreadyTarget, 2, 'h and n were float16 already');
  assert.ok(first.report.warnings.some((w) => w.message === '2 values were already float16 ("h", "n"); they are left as they are'));
  assert.equal(first.model.graph!.node.filter((n) => n.opType === 'Cast').length, 2, 'no second layer of Casts');
  // Nothing is left to convert: refused by default; with checkFp16Ready false, unchanged.
  assert.throws(() => convertModel(first.model), /the model is already converted/);
  const second = convertModel(first.model, { checkFp16Ready: false });
  assert.deepEqual(toBinary(ModelProtoSchema, second.model), toBinary(ModelProtoSchema, first.model));
});


test('a model spelling the default domain "ai.onnx" converts exactly as one spelling it ""', () => {
  const build = (domain: string) =>
    model(
      graph({
        nodes: [
          node('Relu', ['x'], ['r'], {}, { domain }),
          node('TopK', ['r', 'k'], ['values', 'indices'], {}, { domain }),
          node('Cast', ['values'], ['c'], { to: BigInt(F) }, { domain }),
          node('Neg', ['c'], ['y'], {}, { domain }),
        ],
        inputs: [valueInfo('x', F, [4]), valueInfo('k', DataType.INT64, [1])],
        outputs: [valueInfo('y', F, [2]), valueInfo('indices', DataType.INT64, [2])],
      }),
    );
  const plain = convertModel(build(''));
  const spelled = convertModel(build('ai.onnx'));
  const summary = (r: typeof plain) => ({
    kept: r.report.keptNodes.map((k) => [k.name, k.reason]),
    casts: r.report.casts.length,
    nodes: r.model.graph!.node.map((n) => n.opType),
    io: ioTypes(r.model),
  });
  assert.deepEqual(summary(spelled), summary(plain));
  assert.deepEqual(summary(plain).kept, [['TopK_values', { kind: 'opBlockList', op: 'TopK' }]], 'TopK is on the default block list in either spelling');
});

test('onProgress counts the float32 weight bytes as the conversion reads them, ending at the total', () => {
  // Two MatMul weights of 2.5 Mi and 1.5 Mi float32 values (10 and 6 MiB), read in 4 MiB chunks, and an int64 shape that is not counted.
  const big = new Float32Array(5 * 2 ** 19).fill(0.5);
  const small = new Float32Array(3 * 2 ** 19).fill(0.25);
  const weights = model(
    graph({
      nodes: [node('MatMul', ['x', 'w1'], ['h']), node('MatMul', ['h', 'w2'], ['m']), node('Reshape', ['m', 'shape'], ['y'])],
      inputs: [valueInfo('x', F, [1, 5 * 2 ** 9])],
      outputs: [valueInfo('y', F, [3 * 2 ** 9])],
      initializers: [tensor('w1', [5 * 2 ** 9, 2 ** 10], big), tensor('w2', [2 ** 10, 3 * 2 ** 9], small), tensor('shape', [1], [3 * 2 ** 9], DataType.INT64)],
    }),
  );
  const calls: [number, number][] = [];
  convertModel(weights, { onProgress: (done, total) => calls.push([done, total]) });
  const total = (big.length + small.length) * 4;
  assert.ok(calls.every(([, t]) => t === total), 'every call gives the float32 weight bytes as the total');
  assert.deepEqual(calls[0], [0, total]);
  assert.deepEqual(calls.at(-1), [total, total]);
  assert.ok(calls.length >= 5, `a call per chunk read (${calls.length} calls)`);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]![0] > calls[i - 1]![0], 'bytes done only grow');
  assert.throws(() => convertModel(weights, { onProgress: 'yes' } as never), /onProgress must be a function/);
});
