/**
 * Converting constants: initializers and Constant values are converted bit-exactly (clipped as the Python tool clips),
 * duplicated when float32 consumers need the exact values, and kept when a node would read them out of range.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { convertFloatToBfloat16 } from './convert-model.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, SparseTensorProtoSchema } from '../proto/onnx.js';
import { assertRunsLike, assertWellFormed, convert, halfValue, initializer, ioTypes, mlp, rawHalves } from '../../test/convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { feedsFor, randomFeeds, RUNTIME_SKIP, runModel } from '../../test/runtime-helpers.js';

const F = DataType.FLOAT;

test('constants are converted bit-exactly; float_data tensors too; non-float tensors untouched', () => {
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['s']), node('Mul', ['s', 'v'], ['y']), node('Reshape', ['y', 'shape'], ['z'])],
      inputs: [valueInfo('x', F, [4])],
      outputs: [valueInfo('z', F, [2, 2])],
      initializers: [tensor('w', [4], [1 + 2 ** -11, 65504, -123.5, 0]), tensor('shape', [2], [2, 2], DataType.INT64)],
    }),
  );
  const v = tensor('v', [4], [0.1, 0.2, 0.3, 0.4]);
  v.rawData = new Uint8Array(0);
  v.floatData = [1 + 3 * 2 ** -11, 2, 3, 4];
  m.graph!.initializer.push(v);
  const out = convert(m, { maxFiniteVal: 65504 }).model;
  assert.deepEqual(rawHalves(initializer(out, 'w')), [0x3c00, 0x7bff, 0xd7b8, 0x0000]);
  assert.deepEqual(rawHalves(initializer(out, 'v')), [0x3c02, 0x4000, 0x4200, 0x4400]);
  assert.equal(initializer(out, 'shape').dataType, DataType.INT64);
  assert.deepEqual(initializer(out, 'shape').rawData, initializer(m, 'shape').rawData);
});

test('a Constant written as value_float(s) or sparse_value beyond maxFiniteVal keeps its reader float32 as a value tensor does, instead of being clipped', () => {
  const cases = [
    create(AttributeProtoSchema, { name: 'value_floats', type: AttributeProto_AttributeType.FLOATS, floats: [20000, 1] }),
    create(AttributeProtoSchema, { name: 'value_float', type: AttributeProto_AttributeType.FLOAT, f: 20000 }),
    create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR, t: tensor('v', [2], [20000, 1]) }),
    create(AttributeProtoSchema, {
      name: 'sparse_value',
      type: AttributeProto_AttributeType.SPARSE_TENSOR,
      sparseTensor: create(SparseTensorProtoSchema, { dims: [2n], values: tensor('v', [1], [20000]), indices: tensor('i', [1], [0], DataType.INT64) }),
    }),
  ];
  for (const attr of cases) {
    const constant = node('Constant', [], ['c']);
    constant.attribute.push(attr);
    const m = model(graph({ nodes: [constant, node('Mul', ['x', 'c'], ['y'])], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }));
    const { report } = convert(m);
    assert.deepEqual(report.keptNodes.map((k) => [k.name, k.reason]), [['Mul_y', { kind: 'outOfRange', value: 'c', count: 1, maxAbs: 20000, bound: 10000 }]], attr.name);
    assert.deepEqual(report.tensors.filter((t) => t.clampedLarge > 0), [], `${attr.name}: nothing clipped`);
  }
});

test('constants beyond maxFiniteVal keep their node float32 by default; blockOutOfRangeConstants: false clips as Python, with exact counts', () => {
  const m = model(
    graph({
      nodes: [node('Mul', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', F, [6])],
      outputs: [valueInfo('y', F, [6])],
      initializers: [tensor('w', [6], [5e-8, -5e-8, 2e4, 1e4, Infinity, 0])],
    }),
  );
  // By default the Mul stays float32: converting it would clip 2e4 to maxFiniteVal.
  const kept = convert(m).report;
  assert.deepEqual(kept.keptNodes.map((k) => k.reason), [{ kind: 'outOfRange', value: 'w', count: 1, maxAbs: 20000, bound: 10000 }]);
  assert.ok(kept.warnings.some((w) => w.message === 'maxFiniteVal: 65504 (--max-finite-val 65504) would convert 1 more node'));
  // Python's clipping, exactly, with blockOutOfRangeConstants: false.
  const warnings: string[] = [];
  const { model: out, report } = convert(m, { blockOutOfRangeConstants: false, onWarning: (w) => warnings.push(w.message) });
  assert.deepEqual(rawHalves(initializer(out, 'w')), [0x0002, 0x8002, 0x70e2, 0x70e2, 0x7c00, 0x0000]);
  assert.deepEqual(
    report.tensors.map((t) => [t.name, t.clampedSmall, t.clampedLarge]),
    [['w', 2, 1]],
    'infinity is not counted as clipped, 1e4 itself is not changed',
  );
  assert.match(warnings.join('\n'), /tensor "w": 2 nonzero values closer to 0 than 1e-7 .*1 values beyond \+-10000/);
});

test('bfloat16 target rounds to nearest even without clipping', () => {
  const m = mlp();
  m.graph!.initializer[0] = tensor('w1', [4, 4], [3.4e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8, ...Array(13).fill(1)]);
  const out = convertFloatToBfloat16(m);
  assertWellFormed(out);
  assert.deepEqual(rawHalves(initializer(out, 'w1')).slice(0, 3), [0x7f80, 0x3f80, 0x3f82]);
  assert.deepEqual(ioTypes(out), { x: 'BFLOAT16', y: 'BFLOAT16' });
});

test('a shared initializer keeps exact float32 values for its float32 consumer', async () => {
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['a']), node('Max', ['x', 'w'], ['b']), node('Sub', ['a', 'b'], ['y']), node('Min', ['x', 'only32'], ['c'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2]), valueInfo('c', F, [2])],
      initializers: [tensor('w', [2], [0.1, 1 / 3]), tensor('only32', [2], [0.7, 0.9])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  const max = out.graph!.node.find((n) => n.opType === 'Max')!;
  assert.equal(max.input[1], 'w');
  assert.deepEqual(initializer(out, 'w').rawData, initializer(m, 'w').rawData, 'exact float32 bytes for Max');
  assert.equal(initializer(out, 'w_fp16').dataType, DataType.FLOAT16);
  assert.deepEqual(initializer(out, 'only32').rawData, initializer(m, 'only32').rawData, 'used only by float32 nodes: byte-identical');
  await assertRunsLike(m, out);
});

test('constants and integer casts feeding float32-only nodes keep their float32 values', async () => {
  const m = model(
    graph({
      nodes: [
        node('Constant', [], ['limit'], { value: tensor('l', [], [100000]) }),
        node('Constant', [], ['start'], { value: tensor('s', [], [0]) }),
        node('Size', ['x'], ['size']),
        node('Cast', ['size'], ['delta'], { to: BigInt(F) }),
        node('Range', ['start', 'limit', 'delta'], ['r']),
        node('ReduceSum', ['r'], ['y'], { keepdims: 0n }),
      ],
      inputs: [valueInfo('x', F, [100000])],
      outputs: [valueInfo('y', F, [])],
    }),
    { opset: 13 },
  );
  const { model: out, report } = convert(m, { opBlockList: [] });
  assert.ok(report.keptNodes.some((k) => k.opType === 'Range' && k.reason.kind === 'schema'), 'Range is float32-only below opset 27');
  const limit = out.graph!.node.find((n) => n.output[0] === 'limit')!;
  assert.equal(limit.attribute[0]!.t!.dataType, F, 'the Constant feeding only Range stays float32');
  const cast = out.graph!.node.find((n) => n.output[0] === 'delta')!;
  assert.equal(Number(cast.attribute[0]!.i), F, 'Cast(int64 -> float) feeding float32 consumers stays FLOAT');
  if (!RUNTIME_SKIP) {
    const feeds = randomFeeds(m);
    const expected = await runModel(m, feeds);
    const actual = await runModel(out, feedsFor(out, feeds));
    // y = sum(0..99999) = 4.99995e9 is beyond float16: the output overflows, but the Range is exact.
    assert.ok(expected.y && actual.y);
  }
});

test('a source Cast(to=FLOAT) becomes FLOAT16 only when all its consumers are float16', () => {
  const m = model(
    graph({
      nodes: [node('Cast', ['i'], ['f'], { to: BigInt(F) }), node('Relu', ['f'], ['a']), node('Neg', ['f'], ['b']), node('Add', ['a', 'b'], ['y'])],
      inputs: [valueInfo('i', DataType.INT32, [3])],
      outputs: [valueInfo('y', F, [3])],
    }),
  );
  const out = convert(m).model;
  assert.equal(Number(out.graph!.node.find((n) => n.output[0] === 'f')!.attribute[0]!.i), DataType.FLOAT16);
  const blocked = convert(m, { opBlockList: ['Neg'] }).model;
  assert.equal(Number(blocked.graph!.node.find((n) => n.output[0] === 'f')!.attribute[0]!.i), F, 'a float32 consumer keeps the Cast FLOAT');
});

test('Constant value_float(s), sparse_value, ConstantOfShape without value, dtype and output_datatype ops', async () => {
  const floats = node('Constant', [], ['c2']);
  floats.attribute.push(create(AttributeProtoSchema, { name: 'value_floats', type: AttributeProto_AttributeType.FLOATS, floats: [1, 2, 3] }));
  const m = model(
    graph({
      nodes: [
        node('Constant', [], ['c1'], { value_float: 0.5 }),
        floats,
        node('Shape', ['x'], ['shape']),
        node('ConstantOfShape', ['shape'], ['zeros']),
        node('RandomNormal', [], ['noise'], { shape: [3], scale: 0.0 }),
        node('EyeLike', ['sq'], ['eye'], { dtype: BigInt(F) }),
        node('HannWindow', ['n'], ['win']),
        node('Add', ['x', 'c1'], ['a']),
        node('Add', ['a', 'c2'], ['b']),
        node('Add', ['b', 'zeros'], ['c']),
        node('Add', ['c', 'noise'], ['d']),
        node('Add', ['d', 'win'], ['y']),
        node('Relu', ['eye'], ['e']),
      ],
      inputs: [valueInfo('x', F, [3]), valueInfo('sq', F, [2, 2]), valueInfo('n', DataType.INT64, [])],
      outputs: [valueInfo('y', F, [3]), valueInfo('e', F, [2, 2])],
    }),
    { opset: 17 },
  );
  // runtime 'none': the schemas allow every rewrite; onnxruntime CPU has no float16 RandomNormal (checked below).
  const { model: out, report } = convert(m, { runtime: 'none' });
  assert.deepEqual(report.keptNodes, []);
  assert.deepEqual(convert(m).report.keptNodes.map((k) => [k.opType, k.reason.kind]), [['RandomNormal', 'runtime']]);
  const byOutput = (name: string) => out.graph!.node.find((n) => n.output[0] === name)!;
  assert.equal(byOutput('c1').attribute[0]!.t!.dataType, DataType.FLOAT16);
  assert.deepEqual(byOutput('c1').attribute[0]!.t!.dims, []);
  assert.deepEqual(rawHalves(byOutput('c2').attribute[0]!.t!), [0x3c00, 0x4000, 0x4200]);
  assert.equal(byOutput('zeros').attribute.find((a) => a.name === 'value')!.t!.dataType, DataType.FLOAT16);
  assert.equal(Number(byOutput('noise').attribute.find((a) => a.name === 'dtype')!.i), DataType.FLOAT16);
  assert.equal(Number(byOutput('eye').attribute.find((a) => a.name === 'dtype')!.i), DataType.FLOAT16);
  assert.equal(Number(byOutput('win').attribute.find((a) => a.name === 'output_datatype')!.i), DataType.FLOAT16);
  assert.equal(out.graph!.node.filter((n) => n.opType === 'Cast').length, 0);
});

test('no silent damage: a node reading a constant beyond float16 stays float32 (PP-OCRv4 BatchNorm)', async () => {
  const build = (opset: number) => model(
    graph({
      nodes: [node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], ['bn']), node('Relu', ['bn'], ['y'])],
      inputs: [valueInfo('x', F, [1, 2, 2, 2])],
      outputs: [valueInfo('y', F, [1, 2, 2, 2])],
      initializers: [tensor('scale', [2], [1, 1]), tensor('bias', [2], [0, 0]), tensor('mean', [2], [0, 0]), tensor('var', [2], [9.8e7, 1])],
    }),
    { opset },
  );
  // BatchNormalization-9: statistics share X's type, so converting the node would clip var.
  const m = build(13);
  const { model: out, report } = convert(m);
  assert.deepEqual(report.keptNodes[0]!.reason, { kind: 'outOfRange', value: 'var', count: 1, maxAbs: 98_000_000, bound: 10000 });
  assert.equal(initializer(out, 'var').dataType, F);
  await assertRunsLike(m, out);
  const clipped = convert(m, { blockOutOfRangeConstants: false });
  assert.equal(clipped.report.keptNodes.length, 0);
  assert.equal(halfValue(rawHalves(initializer(clipped.model, 'var'))[0]!), 10000, 'as Python: clipped to maxFiniteVal');
  // BatchNormalization-15 types its statistics separately: X converts and var stays float32 as it is.
  const recent = convert(build(15));
  assert.deepEqual(recent.report.keptNodes, []);
  assert.equal(initializer(recent.model, 'var').dataType, F);
});


