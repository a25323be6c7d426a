/**
 * Which nodes go low and which stay float32 (kinds of the reasons, not their text): block lists, schemas
 * at the model's opset, pinned and always-float inputs, unknown types, model-local functions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeProto } from '../proto/onnx.js';
import { assertRunsLike, convert, initializer, ioTypes, mlp } from '../../test/convert-checks.js';
import { fn, graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { compareOutputs, feedsFor, randomFeeds, RUNTIME_SKIP, runModel } from '../../test/runtime-helpers.js';

const F = DataType.FLOAT;

test('Cast in the block list terminates; initializers listed as inputs (IR 3)', async () => {
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

test('Resize keeps float32 scales (schema-pinned) while X converts; empty roi; computed scales get a Cast', async () => {
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

test('NonMaxSuppression, Range < 27, CumSum < 14 and Celu stay float32 by schema, with Casts around', () => {
  const cases: [NodeProto, Record<string, number>, number][] = [
    [node('Celu', ['x'], ['y']), { x: F }, 12],
    [node('CumSum', ['x', 'axis'], ['y']), { x: F, axis: DataType.INT64 }, 11],
    [node('NonMaxSuppression', ['b', 's'], ['y']), { b: F, s: F }, 11],
  ];
  for (const [n, inputs, opset] of cases) {
    const m = model(graph({ nodes: [n], inputs: Object.entries(inputs).map(([k, t]) => valueInfo(k, t)), outputs: [valueInfo('y', 0)] }), { opset });
    const { report, model: out } = convert(m, { opBlockList: [] });
    assert.equal(report.keptNodes.length, 1, n.opType);
    assert.equal(report.keptNodes[0]!.reason.kind, 'schema');
    assert.ok(out.graph!.node.some((x) => x.opType === 'Cast'));
  }
  const cumsum = model(graph({ nodes: [node('CumSum', ['x', 'axis'], ['y'])], inputs: [valueInfo('x', F), valueInfo('axis', DataType.INT64)], outputs: [valueInfo('y', 0)] }), { opset: 14 });
  assert.equal(convert(cumsum, { opBlockList: [] }).report.keptNodes.length, 0, 'CumSum-14 has float16');
});

test('DequantizeLinear/QuantizeLinear keep float32 scales below opset 19, convert from 19', () => {
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

test('LayerNormalization keeps its Mean/InvStdDev outputs float32', async () => {
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

test('com.microsoft GroupNorm gamma/beta stay float32 unless forceFp16Inputs', () => {
  const m = model(
    graph({
      nodes: [node('GroupNorm', ['x', 'gamma', 'beta'], ['y'], { groups: 1n, activation: 0n, epsilon: 1e-5 }, { domain: 'com.microsoft' })],
      inputs: [valueInfo('x', F, [1, 4, 4, 2])],
      outputs: [valueInfo('y', F, [1, 4, 4, 2])],
      initializers: [tensor('gamma', [2], [1, 1]), tensor('beta', [2], [0, 0])],
    }),
    { opsets: { '': 17, 'com.microsoft': 1 } },
  );
  // As onnxruntime's converter: the node converts, gamma and beta stay float32.
  const plain = convert(m);
  assert.equal(plain.report.keptNodes.length, 0);
  assert.equal(initializer(plain.model, 'gamma').dataType, F);
  assert.equal(initializer(plain.model, 'beta').dataType, F);
  assert.equal(ioTypes(plain.model).x, 'FLOAT16');
  // forceFp16Inputs converts them, whether it names the op bare or with its domain.
  const spellings: Record<string, number[]>[] = [{ GroupNorm: [1, 2] }, { 'com.microsoft::GroupNorm': [1, 2] }];
  for (const forceFp16Inputs of spellings) {
    const forced = convert(m, { forceFp16Inputs });
    assert.equal(initializer(forced.model, 'gamma').dataType, DataType.FLOAT16, JSON.stringify(forceFp16Inputs));
    assert.equal(initializer(forced.model, 'beta').dataType, DataType.FLOAT16, JSON.stringify(forceFp16Inputs));
    assert.equal(forced.model.graph!.node.filter((n) => n.opType === 'Cast').length, 0);
  }
  // gamma and beta share one type parameter: forcing gamma converts beta with it.
  const gammaOnly = convert(m, { forceFp16Inputs: { GroupNorm: [1] } });
  assert.equal(initializer(gammaOnly.model, 'gamma').dataType, DataType.FLOAT16);
  assert.equal(initializer(gammaOnly.model, 'beta').dataType, DataType.FLOAT16);
});

test('the block list is keyed by domain', () => {
  const m = model(
    graph({ nodes: [node('Max', ['x', 'x'], ['y'], {}, { domain: 'com.example' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }),
    { opsets: { '': 17, 'com.example': 1 } },
  );
  const { report } = convert(m);
  assert.equal(report.keptNodes[0]!.reason.kind, 'noSchema', 'kept for being unknown, not for the Max entry');
  const blocked = convert(m, { opBlockList: ['com.example::Max'] });
  assert.deepEqual(blocked.report.keptNodes[0]!.reason, { kind: 'opBlockList', op: 'com.example::Max' });
});

test('without inferred types (disableShapeInfer) nodes whose types are not declared stay float32, and the model is valid', () => {
  const m = mlp();
  const { report } = convert(m, { disableShapeInfer: true });
  assert.ok(report.keptNodes.some((k) => k.reason.kind === 'unknownType'));
  m.graph!.valueInfo.push(valueInfo('h', F, [2, 4]), valueInfo('r', F, [2, 4]));
  assert.deepEqual(convert(m, { disableShapeInfer: true }).report.keptNodes, [], 'complete value_info: everything converts');
});

test('model-local functions stay float32 and their calls get Casts', async () => {
  const fnBody = [node('Mul', ['a', 'a'], ['b'])];
  const m = model(graph({ nodes: [node('Relu', ['x'], ['r']), node('Square', ['r'], ['y'], {}, { domain: 'local' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }), {
    opsets: { '': 17, local: 1 },
    functions: [
      fn('Square', 'local', ['a'], ['b'], fnBody),
    ],
  });
  const { model: out, report } = convert(m);
  assert.equal(report.keptNodes[0]!.reason.kind, 'functionCall');
  await assertRunsLike(m, out);
});
