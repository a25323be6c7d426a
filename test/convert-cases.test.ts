/**
 * The test cases of anchors.md section E (and the upstream bugs they come from), each on a model
 * built here: every converted model is checked for valid types, unique names, topological order
 * and its I/O types, and, where onnxruntime-node is installed, run against the float32 model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { convertFloatToBfloat16, convertFloatToFloat16, convertModel } from '../src/convert/convert-model.js';
import type { ConvertOptions } from '../src/convert/options.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, ModelProtoSchema, type ModelProto, type NodeProto } from '../src/proto/onnx.js';
import { float16BitsToFloat32Bits, float32BitsToFloat16Bits } from '../src/numeric/float16.js';
import { assertWellFormed, ioTypes, opTypes } from './convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { compareOutputs, feedsFor, randomFeeds, RUNTIME_SKIP, runModel } from './runtime-helpers.js';

const F = DataType.FLOAT;

function convert(m: ModelProto, options: ConvertOptions = {}) {
  const result = convertModel(m, options);
  assertWellFormed(result.model);
  return result;
}

/** Runs both models on the same random feeds and asserts the converted one matches within tolerance. */
async function assertRunsLike(original: ModelProto, converted: ModelProto, dims: Record<string, number> = {}, tolerance = 1e-2) {
  if (RUNTIME_SKIP) return;
  const feeds = randomFeeds(original, dims);
  const expected = await runModel(original, feeds);
  const actual = await runModel(converted, feedsFor(converted, feeds));
  assert.equal(compareOutputs(expected, actual, tolerance, tolerance), undefined);
}

const rawHalves = (t: { rawData: Uint8Array }) => {
  const bytes = Uint8Array.from(t.rawData);
  return Array.from(new Uint16Array(bytes.buffer));
};
const halfValue = (bits: number) => new Float32Array(Uint32Array.of(float16BitsToFloat32Bits(bits)).buffer)[0]!;
const initializer = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name)!;

function mlp() {
  return model(
    graph({
      nodes: [node('MatMul', ['x', 'w1'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'w2'], ['y'])],
      inputs: [valueInfo('x', F, [2, 4])],
      outputs: [valueInfo('y', F, [2, 3])],
      initializers: [tensor('w1', [4, 4], Array.from({ length: 16 }, (_, i) => (i - 8) / 10)), tensor('w2', [4, 3], Array.from({ length: 12 }, (_, i) => i / 10))],
    }),
  );
}

test('E1/E4: constants are converted bit-exactly; float_data tensors too; non-float tensors untouched', () => {
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

test('E2/E3: clipping with Python defaults and a report of exact counts', () => {
  const m = model(
    graph({
      nodes: [node('Mul', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', F, [6])],
      outputs: [valueInfo('y', F, [6])],
      initializers: [tensor('w', [6], [5e-8, -5e-8, 2e4, 1e4, Infinity, 0])],
    }),
  );
  const warnings: string[] = [];
  const { model: out, report } = convert(m, { onWarning: (w) => warnings.push(w.message) });
  assert.deepEqual(rawHalves(initializer(out, 'w')), [0x0002, 0x8002, 0x70e2, 0x70e2, 0x7c00, 0x0000]);
  assert.deepEqual(
    report.tensors.map((t) => [t.name, t.clampedSmall, t.clampedLarge]),
    [['w', 2, 1]],
    'infinity is not counted as clipped, 1e4 itself is not changed',
  );
  assert.match(warnings.join('\n'), /tensor "w": 2 nonzero values closer to 0 than 1e-7 .*1 values beyond \+-10000/);
});

test('E5: bfloat16 target rounds to nearest even without clipping', () => {
  const m = mlp();
  m.graph!.initializer[0] = tensor('w1', [4, 4], [3.4e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8, ...Array(13).fill(1)]);
  const out = convertFloatToBfloat16(m);
  assertWellFormed(out);
  assert.deepEqual(rawHalves(initializer(out, 'w1')).slice(0, 3), [0x7f80, 0x3f80, 0x3f82]);
  assert.deepEqual(ioTypes(out), { x: 'BFLOAT16', y: 'BFLOAT16' });
});

test('E6: the input model is never mutated', () => {
  const m = mlp();
  m.graph!.initializer[0]!.rawData = m.graph!.initializer[0]!.rawData.slice();
  const before = toBinary(ModelProtoSchema, m);
  convertFloatToFloat16(m, { keepIoTypes: true, opBlockList: ['Relu'] });
  convertFloatToFloat16(m);
  assert.deepEqual(toBinary(ModelProtoSchema, m), before);
});

test('E7: keepIoTypes with several unnamed consumers of an input inserts one Cast', async () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['a'], {}, { name: '' }), node('Neg', ['x'], ['b'], {}, { name: '' }), node('Add', ['a', 'b'], ['y'], {}, { name: '' })],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out, report } = convert(m, { keepIoTypes: true });
  assert.equal(report.casts.filter((c) => c.from === 'x').length, 1);
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT' });
  await assertRunsLike(m, out);
});

test('E8: keepIoTypes as a list keeps only those; unknown names are reported', () => {
  const m = model(
    graph({
      nodes: [node('Add', ['a', 'b'], ['s']), node('Relu', ['s'], ['y']), node('Neg', ['s'], ['z'])],
      inputs: [valueInfo('a', F, [2]), valueInfo('b', F, [2])],
      outputs: [valueInfo('y', F, [2]), valueInfo('z', F, [2])],
    }),
  );
  const { model: out, report } = convert(m, { keepIoTypes: ['a', 'z', 'nope'] });
  assert.deepEqual(ioTypes(out), { a: 'FLOAT', b: 'FLOAT16', y: 'FLOAT16', z: 'FLOAT' });
  assert.deepEqual(report.unmatchedIoNames, ['nope']);
});

test('E9: a graph output consumed inside the graph: consumers read float16, the output stays float32', async () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['y']), node('Neg', ['y'], ['z'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3]), valueInfo('z', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  const neg = out.graph!.node.find((n) => n.opType === 'Neg')!;
  const relu = out.graph!.node.find((n) => n.opType === 'Relu')!;
  assert.equal(neg.input[0], relu.output[0], 'Neg reads the float16 Relu output directly');
  assert.notEqual(relu.output[0], 'y');
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT', z: 'FLOAT' });
  await assertRunsLike(m, out);
});

test('E10/E11: an output produced by a blocked node keeps float32 with no Cast pair (also when in value_info)', () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['r']), node('Max', ['r', 'x'], ['y'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
      valueInfo: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT' });
  const max = out.graph!.node.find((n) => n.opType === 'Max')!;
  assert.equal(max.output[0], 'y', 'Max writes the output directly');
  assert.equal(out.graph!.node.filter((n) => n.opType === 'Cast').length, 2, 'x -> fp16 for Relu, Relu -> fp32 for Max');
});

test('E12: a graph input that is directly a graph output', () => {
  const m = model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('x', F, [2]), valueInfo('y', F, [2])] }));
  assert.deepEqual(ioTypes(convert(m).model), { x: 'FLOAT16', y: 'FLOAT16' });
  assert.deepEqual(ioTypes(convert(m, { keepIoTypes: true }).model), { x: 'FLOAT', y: 'FLOAT' });
});

test('E13/E14: unnamed blocked nodes and names that look like generated ones never clash', async () => {
  const m = model(
    graph({
      nodes: [
        node('Relu', ['x'], ['x_fp16'], {}, { name: '' }),
        node('TopK', ['x_fp16', 'k'], ['v', 'i'], {}, { name: '' }),
        node('TopK', ['v', 'k'], ['y', 'j'], {}, { name: '' }),
        node('Identity', ['y'], ['graph_input_cast_0'], {}, { name: 'x_fp32' }),
      ],
      inputs: [valueInfo('x', F, [5]), valueInfo('k', DataType.INT64, [1])],
      outputs: [valueInfo('graph_input_cast_0', F, [null])],
      initializers: [],
    }),
  );
  const { model: out } = convert(m);
  await assertRunsLike(m, out, {}, 1e-2);
  assert.ok(out.graph!.node.filter((n) => n.opType === 'Cast').length >= 2);
});

test('E15/E16: converting a converted model changes nothing; partly float16 models convert', () => {
  const once = convertFloatToFloat16(mlp());
  assert.throws(() => convertFloatToFloat16(once), /already holds FLOAT16 values/);
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

test('E17: a blocked chain reads the float32 value directly, with no float16 round trip', () => {
  const m = model(
    graph({
      nodes: [node('Max', ['x', 'x'], ['a']), node('Min', ['a', 'x'], ['b']), node('Relu', ['a'], ['c']), node('Add', ['b', 'c'], ['y'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  const min = out.graph!.node.find((n) => n.opType === 'Min')!;
  assert.equal(min.input[0], 'a', 'Min (blocked) reads Max (blocked) directly');
});

test('E18/E21: Cast in the block list terminates; initializers listed as inputs (IR 3)', async () => {
  const m = mlp();
  m.irVersion = 3n;
  m.graph!.input.push(valueInfo('w1', F, [4, 4]), valueInfo('w2', F, [4, 3]));
  for (const keepIoTypes of [false, true]) {
    const { model: out } = convert(m, { keepIoTypes, opBlockList: ['Cast'] });
    assert.equal(out.graph!.initializer[0]!.dataType, DataType.FLOAT16, 'weights are converted, not cast');
    assert.equal(ioTypes(out).w1, 'FLOAT16');
    await assertRunsLike(m, out);
  }
});

test('E19/E20: a shared initializer keeps exact float32 values for its float32 consumer', async () => {
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

test('E22/E28: constants and integer casts feeding float32-only nodes keep their float32 values', async () => {
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
  assert.ok(report.keptNodes.some((k) => k.opType === 'Range' && /allows no float16/.test(k.reason)), 'Range is float32-only below opset 27');
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

test('E23: Resize keeps float32 scales (schema-pinned) while X converts; empty roi; computed scales get a Cast', async () => {
  for (const opset of [13, 18, 19]) {
    const m = model(
      graph({
        nodes: [
          node('Mul', ['s_in', 'two'], ['scales']),
          node('Resize', ['x', '', 'scales'], ['y'], { mode: 'linear' }),
          node('Resize', ['x', '', 'const_scales'], ['z']),
        ],
        inputs: [valueInfo('x', F, [1, 1, 2, 2]), valueInfo('s_in', F, [4])],
        outputs: [valueInfo('y', F, null), valueInfo('z', F, null)],
        initializers: [tensor('two', [4], [1, 1, 1, 1]), tensor('const_scales', [4], [1, 1, 1 / 3, 2])],
      }),
      { opset },
    );
    const { model: out } = convert(m, { opBlockList: [] });
    const resize = out.graph!.node.filter((n) => n.opType === 'Resize');
    assert.equal(resize[0]!.input[1], '', 'the empty roi stays empty');
    assert.equal(initializer(out, 'const_scales').dataType, F, 'initializer scales stay float32');
    assert.ok(out.graph!.node.some((n) => n.opType === 'Cast' && n.input[0] === 'scales'), 'computed scales are cast to float32');
    assert.equal(ioTypes(out).x, 'FLOAT16', 'X converts');
    if (!RUNTIME_SKIP) {
      const feeds = randomFeeds(m, {}, { values: { s_in: { type: 'float32', data: Float32Array.of(1, 1, 2, 2), dims: [4] } } });
      const expected = await runModel(m, feeds);
      const actual = await runModel(out, feedsFor(out, feeds));
      assert.equal(compareOutputs(expected, actual), undefined, `opset ${opset}`);
    }
  }
});

test('E24: NonMaxSuppression, Range < 27, CumSum < 14 and Celu stay float32 by schema, with Casts around', () => {
  const cases: [NodeProto, Record<string, number>, number][] = [
    [node('Celu', ['x'], ['y']), { x: F }, 12],
    [node('CumSum', ['x', 'axis'], ['y']), { x: F, axis: DataType.INT64 }, 11],
    [node('NonMaxSuppression', ['b', 's'], ['y']), { b: F, s: F }, 11],
  ];
  for (const [n, inputs, opset] of cases) {
    const m = model(graph({ nodes: [n], inputs: Object.entries(inputs).map(([k, t]) => valueInfo(k, t)), outputs: [valueInfo('y', 0)] }), { opset });
    const { report, model: out } = convert(m, { opBlockList: [] });
    assert.equal(report.keptNodes.length, 1, n.opType);
    assert.match(report.keptNodes[0]!.reason, /allows no float16/);
    assert.ok(out.graph!.node.some((x) => x.opType === 'Cast'));
  }
  const cumsum = model(graph({ nodes: [node('CumSum', ['x', 'axis'], ['y'])], inputs: [valueInfo('x', F), valueInfo('axis', DataType.INT64)], outputs: [valueInfo('y', 0)] }), { opset: 14 });
  assert.equal(convert(cumsum, { opBlockList: [] }).report.keptNodes.length, 0, 'CumSum-14 has float16');
});

test('E25: DequantizeLinear/QuantizeLinear keep float32 scales below opset 19, convert from 19', () => {
  const build = (opset: number) =>
    model(
      graph({
        nodes: [node('QuantizeLinear', ['x', 'scale', 'zp'], ['q']), node('DequantizeLinear', ['q', 'scale', 'zp'], ['y'])],
        inputs: [valueInfo('x', F, [4])],
        outputs: [valueInfo('y', F, [4])],
        initializers: [tensor('scale', [], [0.1]), { ...tensor('zp', [], [0], DataType.INT32), dataType: DataType.UINT8, rawData: new Uint8Array(1) }],
      }),
      { opset },
    );
  const old = convert(build(13));
  assert.equal(initializer(old.model, 'scale').dataType, F);
  assert.equal(old.report.keptNodes.length, 2);
  const recent = convert(build(19));
  assert.equal(initializer(recent.model, 'scale').dataType, DataType.FLOAT16);
  assert.equal(recent.report.keptNodes.length, 0);
});

test('E26: LayerNormalization keeps its Mean/InvStdDev outputs float32', async () => {
  const m = model(
    graph({
      nodes: [node('LayerNormalization', ['x', 'g', 'b'], ['y', 'mean', 'inv'], { axis: -1n }), node('Relu', ['mean'], ['m2'])],
      inputs: [valueInfo('x', F, [2, 4])],
      outputs: [valueInfo('y', F, [2, 4]), valueInfo('m2', F, [2, 1])],
      initializers: [tensor('g', [4], [1, 1, 1, 1]), tensor('b', [4], [0, 0, 0, 0])],
    }),
  );
  const { model: out } = convert(m);
  assert.ok(out.graph!.node.some((n) => n.opType === 'Cast' && n.input[0] === 'mean'), 'mean is float32 and cast for Relu');
  await assertRunsLike(m, out);
});

test('E27: com.microsoft GroupNorm gamma/beta stay float32 unless forceFp16Inputs', () => {
  const m = model(
    graph({
      nodes: [node('GroupNorm', ['x', 'gamma', 'beta'], ['y'], { groups: 1n, activation: 0n, epsilon: 1e-5 }, { domain: 'com.microsoft' })],
      inputs: [valueInfo('x', F, [1, 4, 4, 2])],
      outputs: [valueInfo('y', F, [1, 4, 4, 2])],
      initializers: [tensor('gamma', [2], [1, 1]), tensor('beta', [2], [0, 0])],
    }),
    { opsets: { '': 17, 'com.microsoft': 1 } },
  );
  const schema = convert(m);
  // Without GroupNorm in the operator table the node is unknown and stays float32; with it, gamma stays float32.
  assert.equal(initializer(schema.model, 'gamma').dataType, F);
});

test('E28: a source Cast(to=FLOAT) becomes FLOAT16 only when all its consumers are float16', () => {
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

test('E29/E30: Constant value_float(s), sparse_value, ConstantOfShape without value, dtype and output_datatype ops', async () => {
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
  const { model: out, report } = convert(m);
  assert.deepEqual(report.keptNodes, []);
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

test('E32: the block list is keyed by domain', () => {
  const m = model(
    graph({ nodes: [node('Max', ['x', 'x'], ['y'], {}, { domain: 'com.example' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }),
    { opsets: { '': 17, 'com.example': 1 } },
  );
  const { report } = convert(m);
  assert.match(report.keptNodes[0]!.reason, /com\.example::Max: domain "com\.example" is not in the operator table/, 'kept for being unknown, not for the Max entry');
  const blocked = convert(m, { opBlockList: ['com.example::Max'] });
  assert.match(blocked.report.keptNodes[0]!.reason, /opBlockList/);
});

test('E33/E34/E35: empty optional names, an unsorted input, and a 100k-node half-blocked chain', () => {
  const unsorted = model(
    graph({
      nodes: [node('Add', ['d', 'x'], ['y']), node('Dropout', ['r'], ['d', '']), node('Relu', ['x'], ['r'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
  assert.deepEqual(opTypes(convert(unsorted).model.graph!), ['Relu', 'Dropout', 'Add']);
  const nodes = Array.from({ length: 100_000 }, (_, i) => node(i % 2 ? 'Max' : 'Relu', i % 2 ? [`v${i}`, `v${i}`] : [`v${i}`], [`v${i + 1}`], {}, { name: `n${i}` }));
  const chain = model(graph({ nodes, inputs: [valueInfo('v0', F, [4])], outputs: [valueInfo('v100000', F, [4])] }));
  const { report } = convertModel(chain);
  assert.equal(report.keptNodes.length, 50_000);
  // One Cast at each of the 99,999 precision boundaries, and one for the output (produced by the last Max).
  assert.equal(report.casts.length, 100_000);
});

test('E36: without inferred types (disableShapeInfer) nodes whose types are not declared stay float32, and the model is valid', () => {
  const m = mlp();
  const { report } = convert(m, { disableShapeInfer: true });
  assert.ok(report.keptNodes.some((k) => /unknown/.test(k.reason)));
  m.graph!.valueInfo.push(valueInfo('h', F, [2, 4]), valueInfo('r', F, [2, 4]));
  assert.deepEqual(convert(m, { disableShapeInfer: true }).report.keptNodes, [], 'complete value_info: everything converts');
});

test('E37: sequences convert as a whole, or stay float32 as a whole', async () => {
  const m = model(
    graph({
      nodes: [node('SequenceConstruct', ['a', 'b'], ['s']), node('ConcatFromSequence', ['s'], ['y'], { axis: 0n })],
      inputs: [valueInfo('a', F, [2]), valueInfo('b', F, [2])],
      outputs: [valueInfo('y', F, [4])],
    }),
    { opset: 13 },
  );
  const out = convert(m).model;
  assert.deepEqual(ioTypes(out), { a: 'FLOAT16', b: 'FLOAT16', y: 'FLOAT16' });
  const kept = convert(m, { opBlockList: ['ConcatFromSequence'] });
  assert.equal(kept.report.keptNodes.length, 2, 'the sequence cannot be cast, so its producer stays float32 too');
  await assertRunsLike(m, out);
});

function ifModel(options: { blockedOuter?: boolean } = {}) {
  const thenBranch = graph({ name: 'then', nodes: [node('Mul', ['h', 'w'], ['t'], {}, { name: 'then_mul' })], outputs: [valueInfo('t', F, [3])] });
  const elseBranch = graph({ name: 'else', nodes: [node('Max', ['h', 'x'], ['e'], {}, { name: 'else_max' })], outputs: [valueInfo('e', F, [3])] });
  return model(
    graph({
      nodes: [
        node(options.blockedOuter ? 'Min' : 'Relu', options.blockedOuter ? ['x', 'x'] : ['x'], ['h'], {}, { name: 'outer' }),
        node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }, { name: 'if' }),
      ],
      inputs: [valueInfo('x', F, [3]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', F, [3])],
      initializers: [tensor('w', [3], [1, 2, 3])],
    }),
  );
}

test('E38/E39/E41: If branches capture outer values; Casts go where their consumers are', async () => {
  for (const blockedOuter of [false, true]) {
    for (const keepIoTypes of [false, true]) {
      const m = ifModel({ blockedOuter });
      const { model: out } = convert(m, { keepIoTypes });
      const ifNode = out.graph!.node.find((n) => n.opType === 'If')!;
      const elseBranch = ifNode.attribute.find((a) => a.name === 'else_branch')!.g!;
      if (!blockedOuter) assert.ok(elseBranch.node.some((n) => n.opType === 'Cast'), 'the blocked Max inside the branch gets its Cast inside the branch');
      await assertRunsLike(m, out, {}, 1e-2);
    }
  }
});

test('E40: a graph input used only inside a branch gets its Cast in the main graph', () => {
  const thenBranch = graph({ name: 'then', nodes: [node('Relu', ['x'], ['t'])], outputs: [valueInfo('t', F, [2])] });
  const elseBranch = graph({ name: 'else', nodes: [node('Neg', ['x'], ['e'])], outputs: [valueInfo('e', F, [2])] });
  const m = model(graph({ nodes: [node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch })], inputs: [valueInfo('x', F, [2]), valueInfo('c', DataType.BOOL, [])], outputs: [valueInfo('y', F, [2])] }));
  const out = convert(m, { keepIoTypes: true }).model;
  assert.deepEqual(opTypes(out.graph!), ['Cast', 'If', 'Cast']);
});

test('E42: a blocked If keeps its body float32 and reads converted values through Casts', async () => {
  const m = ifModel();
  const { model: out, report } = convert(m, { nodeBlockList: ['if'] });
  assert.deepEqual(report.keptNodes.map((k) => k.address).sort(), ['if', 'if/else_branch/else_max', 'if/then_branch/then_mul']);
  assert.equal(initializer(out, 'w').dataType, F, 'w is read only inside the float32 body');
  await assertRunsLike(m, out);
});

test('E43: Loop with float carried and scan outputs; Scan', async () => {
  const body = graph({
    name: 'body',
    nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc', 'x'], ['acc_out']), node('Relu', ['acc_out'], ['scan'])],
    inputs: [valueInfo('iter', DataType.INT64, []), valueInfo('cond_in', DataType.BOOL, []), valueInfo('acc', F, [2])],
    outputs: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('acc_out', F, [2]), valueInfo('scan', F, [2])],
  });
  const scanBody = graph({
    name: 'scan',
    nodes: [node('Add', ['s', 'slice'], ['s_out']), node('Neg', ['slice'], ['ys'])],
    inputs: [valueInfo('s', F, [2]), valueInfo('slice', F, [2])],
    outputs: [valueInfo('s_out', F, [2]), valueInfo('ys', F, [2])],
  });
  const m = model(
    graph({
      nodes: [
        node('Loop', ['trip', 'cond', 'init'], ['final', 'scans'], { body }),
        node('Scan', ['final', 'seq'], ['s_final', 'ys_all'], { body: scanBody, num_scan_inputs: 1n }),
      ],
      inputs: [valueInfo('x', F, [2]), valueInfo('trip', DataType.INT64, []), valueInfo('cond', DataType.BOOL, []), valueInfo('init', F, [2]), valueInfo('seq', F, [3, 2])],
      outputs: [valueInfo('final', F, [2]), valueInfo('scans', F, [null, 2]), valueInfo('s_final', F, [2]), valueInfo('ys_all', F, [3, 2])],
    }),
    { opset: 16 },
  );
  for (const keepIoTypes of [false, true]) {
    const { model: out } = convert(m, { keepIoTypes });
    if (!RUNTIME_SKIP) {
      const feeds = randomFeeds(m, {}, { values: { trip: { type: 'int64', data: BigInt64Array.of(3n), dims: [] }, cond: { type: 'bool', data: Uint8Array.of(1), dims: [] } } });
      assert.equal(compareOutputs(await runModel(m, feeds), await runModel(out, feedsFor(out, feeds))), undefined);
    }
  }
});

test('E44: sibling branches with initializers of the same name', () => {
  const branch = (name: string, v: number) =>
    graph({ name, nodes: [node('Add', ['x', 'k'], [`${name}_out`])], outputs: [valueInfo(`${name}_out`, F, [2])], initializers: [tensor('k', [2], [v, v])] });
  const m = model(graph({ nodes: [node('If', ['c'], ['y'], { then_branch: branch('then', 1), else_branch: branch('else', 2) })], inputs: [valueInfo('x', F, [2]), valueInfo('c', DataType.BOOL, [])], outputs: [valueInfo('y', F, [2])] }));
  const { report } = convert(m);
  assert.deepEqual(report.tensors.map((t) => `${t.graph}:${t.name}`).sort(), ['If_y/else_branch:k', 'If_y/then_branch:k']);
});

test('E45: model-local functions stay float32 and their calls get Casts', async () => {
  const fnBody = [node('Mul', ['a', 'a'], ['b'])];
  const m = model(graph({ nodes: [node('Relu', ['x'], ['r']), node('Square', ['r'], ['y'], {}, { domain: 'local' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }), {
    opsets: { '': 17, local: 1 },
    functions: [
      (await import('./model-builder.js')).fn('Square', 'local', ['a'], ['b'], fnBody),
    ],
  });
  const { model: out, report } = convert(m);
  assert.match(report.keptNodes[0]!.reason, /model-local function/);
  await assertRunsLike(m, out);
});

test('E54/E55: no redundant Cast pairs; source Cast chains are preserved; new Casts have value_info with shapes', () => {
  const m = model(
    graph({
      nodes: [node('Cast', ['x'], ['i'], { to: BigInt(DataType.INT32) }), node('Cast', ['i'], ['f'], { to: BigInt(F) }), node('Relu', ['f'], ['r']), node('TopK', ['r', 'k'], ['y', 'idx'])],
      inputs: [valueInfo('x', F, [4]), valueInfo('k', DataType.INT64, [1])],
      outputs: [valueInfo('y', F, [1]), valueInfo('idx', DataType.INT64, [1])],
      valueInfo: [valueInfo('r', F, [4])],
    }),
  );
  const { model: out } = convert(m);
  const casts = out.graph!.node.filter((n) => n.opType === 'Cast');
  assert.ok(casts.some((n) => n.input[0] === 'x') && casts.some((n) => n.input[0] === 'i'), 'the float -> int -> float chain is kept');
  const inserted = casts.find((n) => n.input[0] === 'r')!;
  const info = out.graph!.valueInfo.find((v) => v.name === inserted.output[0])!;
  const tt = info.type!.value.value as { elemType: number; shape?: { dim: unknown[] } };
  assert.equal(tt.elemType, F);
  assert.equal(tt.shape?.dim.length, 1, 'shape copied from r');
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
  assert.match(report.keptNodes[0]!.reason, /constant input "var" holds 1 finite value beyond float16's range \(max \|x\| = 9\.80e\+7\)/);
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

test('options: unknown keys are refused with a hint; wrong types are explained', () => {
  assert.throws(() => convertFloatToFloat16(mlp(), { keep_io_types: true } as never), /unknown option "keep_io_types"; did you mean keepIoTypes\?/);
  assert.throws(() => convertFloatToFloat16(mlp(), { opBlockLst: [] } as never), /did you mean opBlockList\?/);
  assert.throws(() => convertFloatToFloat16(mlp(), { keepIoTypes: 'yes' } as never), /keepIoTypes must be true, false, or a list/);
  assert.throws(() => convertFloatToFloat16(mlp(), { minPositiveVal: 1, maxFiniteVal: 0.5 }), /minPositiveVal \(1\) must be >= 0 and below maxFiniteVal/);
});

test('E46/E47: external data is converted from its bytes and written as float16 external data; the input is untouched', async () => {
  const { mkdtempSync, readFileSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadModel } = await import('../src/io/load-model.js');
  const { saveModel } = await import('../src/io/save-model.js');
  const { decodeModel } = await import('../src/proto/codec.js');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-e46-'));
  const values = Float32Array.from({ length: 2 * 1024 * 1024 }, (_, i) => Math.sin(i) * 100); // 8 MB
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', F, [values.length])],
      outputs: [valueInfo('y', F, [values.length])],
      initializers: [tensor('w', [values.length], values), tensor('tiny', [2], [1, 2])],
    }),
  );
  await saveModel(m, join(dir, 'in.onnx'), { externalData: { location: 'in.data', sizeThreshold: 1024 } });
  const before = readFileSync(join(dir, 'in.data'));
  const loaded = await loadModel(join(dir, 'in.onnx'));
  const converted = convertFloatToFloat16(loaded);
  await saveModel(converted, join(dir, 'out.onnx'), { externalData: { location: 'out.data', sizeThreshold: 1024 } });
  assert.deepEqual(readFileSync(join(dir, 'in.data')), before, 'the input data file is untouched');
  assert.equal(statSync(join(dir, 'out.data')).size, values.length * 2);
  const out = await loadModel(join(dir, 'out.onnx'));
  const w = out.graph!.initializer.find((t) => t.name === 'w')!;
  assert.equal(w.dataType, DataType.FLOAT16);
  assert.deepEqual(Object.fromEntries(w.externalData.map((e) => [e.key, e.value])), { location: 'out.data', offset: '0', length: String(values.length * 2) });
  const halves = new Uint16Array(Uint8Array.from(w.rawData.length ? w.rawData : readFileSync(join(dir, 'out.data'))).buffer);
  for (const i of [0, 1, 12345, values.length - 1]) assert.equal(halves[i], float32BitsToHalf(values[i]!), `element ${i}`);
  // A model decoded without its external data cannot be converted: it is never relabelled unconverted.
  assert.throws(() => convertFloatToFloat16(decodeModel(readFileSync(join(dir, 'in.onnx')))), /external data was never loaded/);
});

function float32BitsToHalf(x: number): number {
  const bits = new Uint32Array(Float32Array.of(Math.max(-1e4, Math.min(1e4, x))).buffer)[0]!;
  return float32BitsToFloat16Bits(bits);
}

test('real models shipped in npm (Silero VAD: LSTM inside nested If subgraphs) convert in both modes, load, and match float32', { skip: RUNTIME_SKIP }, async () => {
  const { loadModel } = await import('../src/io/load-model.js');
  const { SILERO_MODELS } = await import('./testdata.js');
  const { randomFeeds: modelFeeds } = await import('../src/mixed/random-feeds.js');
  for (const path of SILERO_MODELS) {
    const m = await loadModel(path);
    const names = m.graph!.input.map((i) => i.name);
    // v5 takes input [1, 512] and state [2, 1, 128]; the legacy model input [1, 512], h and c [2, 1, 64].
    const feeds = { ...modelFeeds(m, { seed: 5, ...(names.includes('state') ? { shapes: { input: [1, 512], state: [2, 1, 128] } } : { dims: { batch: 1, sequence: 512 } }) }), sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } };
    const expected = await runModel(m, feeds);
    for (const keepIoTypes of [false, true]) {
      const converted = convert(m, { keepIoTypes }).model;
      const actual = await runModel(converted, feedsFor(converted, feeds));
      assert.equal(compareOutputs(expected, actual, 2e-2, 2e-2), undefined, `${path} keepIoTypes=${keepIoTypes}`);
    }
  }
});
