/**
 * Runtime-aware planning: a node the target runtime would not run with its converted types stays
 * float32 with reason kind `runtime`, to a fixed point; nodes onnxruntime folds on load are not
 * its concern; the `runtime` option's validation and defaults.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convert, assertRunsLike } from '../../test/convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { runtimeSupport } from '../schema/runtime-support.js';
import { describeReason } from './keep-reason.js';
import { convertModel } from './convert-model.js';

const F = DataType.FLOAT;

/** ScatterND with reduction 'add' (no float16 kernel for it on onnxruntime CPU), its output read by a RandomNormalLike typed by `dtype`. */
function scatterThenRandom() {
  return model(
    graph({
      nodes: [
        node('ScatterND', ['x', 'idx', 'upd'], ['s'], { reduction: 'add' }, { name: 'scatter' }),
        node('RandomNormalLike', ['s'], ['r'], { dtype: BigInt(F), scale: 1e-6 }, { name: 'random' }),
        node('Add', ['s', 'r'], ['y'], {}, { name: 'add' }),
      ],
      inputs: [valueInfo('x', F, [4])],
      outputs: [valueInfo('y', F, [4])],
      initializers: [tensor('idx', [2, 1], [0, 2], DataType.INT64), tensor('upd', [2], [1, 2])],
    }),
    { opset: 18 },
  );
}

const keptFor = (report: ReturnType<typeof convert>['report']) => report.keptNodes.map((k) => [k.name, k.reason.kind === 'runtime' ? `runtime ${k.reason.runtime} ${k.reason.outcome}` : k.reason.kind]);

test('ort-cpu keeps what it would refuse in float16, and what keeping it then makes unrunnable (a fixed point)', async () => {
  // ScatterND add is refused in float16; kept float32, its output reaches RandomNormalLike as
  // float32 while dtype would say float16: nothing for onnxruntime to cast, so that one stays too.
  const m = scatterThenRandom();
  const { model: out, report } = convert(m, { runtime: 'ort-cpu' });
  assert.deepEqual(keptFor(report), [
    ['scatter', 'runtime ort-cpu refused'],
    ['random', 'runtime ort-cpu refused'],
  ]);
  assert.match(describeReason(report.keptNodes[0]!.reason), /^runtime ort-cpu: onnxruntime CPU does not run ScatterND with reduction 'add' in float16$/);
  assert.deepEqual(report.warnings.filter((w) => w.kind === 'fallback').length, 2, 'each runtime keep is reported');
  await assertRunsLike(m, out);
  // Without a runtime the conversion converts both (test/convert-runtime.test.ts: onnxruntime refuses that).
  assert.deepEqual(convert(m, { runtime: 'none' }).report.keptNodes, []);
});

test('float16 defaults to ort-cpu; bfloat16 to none, and either takes any runtime', () => {
  const m = scatterThenRandom();
  assert.deepEqual(keptFor(convert(m).report).map(([name]) => name), ['scatter', 'random']);
  const bf16 = convertModel(m, {}, 'bfloat16').report;
  assert.ok(!bf16.keptNodes.some((k) => k.reason.kind === 'runtime'), 'no runtime check for bfloat16 by default');
  const bf16Cpu = convertModel(m, { runtime: 'ort-cpu' }, 'bfloat16').report;
  assert.deepEqual(keptFor(bf16Cpu), [
    ['scatter', 'runtime ort-cpu refused'],
    ['random', 'schema'],
    ['add', 'runtime ort-cpu refused'],
  ]);
});

test('a runtime that has the float16 kernels keeps nothing', () => {
  // onnxruntime CUDA registers ScatterND (with reductions) and RandomNormalLike for float16.
  const { report } = convert(scatterThenRandom(), { runtime: 'ort-cuda' });
  assert.deepEqual(report.keptNodes, []);
});

test('a node whose float32 form the runtime refuses too is not kept: keeping it would not make the model load', () => {
  // Gemm-6 has no onnxruntime CPU kernel in any type (the pytorch-converted suite models).
  const m = model(
    graph({
      nodes: [node('Gemm', ['a', 'b'], ['y'], {}, { name: 'gemm' })],
      inputs: [valueInfo('a', F, [2, 2]), valueInfo('b', F, [2, 2])],
      outputs: [valueInfo('y', F, [2, 2])],
    }),
    { opset: 6 },
  );
  assert.deepEqual(convert(m, { runtime: 'ort-cpu' }).report.keptNodes, []);
});

test('a node onnxruntime folds into a constant on load is not checked: no provider runs it', () => {
  // PRelu-9 has no WebGPU kernel, but with constant inputs it is computed once on the CPU.
  const m = model(
    graph({
      nodes: [node('PRelu', ['c', 'slope'], ['p'], {}, { name: 'folded' }), node('PRelu', ['x', 'slope'], ['q'], {}, { name: 'prelu' }), node('Add', ['p', 'q'], ['y'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
      initializers: [tensor('c', [2], [-1, 1]), tensor('slope', [2], [0.5, 0.5])],
    }),
    { opset: 9 },
  );
  const prelu = runtimeSupport('ort-webgpu', { domain: '', opType: 'PRelu', opset: 9, bindings: { T: 'tensor(float16)' } });
  assert.equal(prelu.supported, false, 'the premise: WebGPU leaves a float16 PRelu to the CPU');
  assert.deepEqual(keptFor(convert(m, { runtime: 'ort-webgpu' }).report), [['prelu', 'runtime ort-webgpu fallback']]);
});

test('the runtime option is validated, with a hint', () => {
  const m = scatterThenRandom();
  assert.throws(() => convertModel(m, { runtime: 'webgpu' as never }), /runtime must be one of ort-cpu, ort-cuda, ort-dml, ort-webgpu, ort-webnn, none, got "webgpu"; did you mean ort-webgpu\?/);
  assert.throws(() => convertModel(m, { runtime: 'ort_cpu' as never }), /did you mean ort-cpu\?/);
  assert.throws(() => convertModel(m, { runtime: 3 as never }), /runtime must be one of .*, got 3$/);
});

test('nodes alike but for the attribute that picks the kernel are asked about each: of two ScatterND, the one reducing by add stays float32', () => {
  const m = model(
    graph({
      nodes: [
        node('ScatterND', ['x', 'idx', 'upd'], ['a'], { reduction: 'none' }, { name: 'plain' }),
        node('ScatterND', ['a', 'idx', 'upd'], ['b'], { reduction: 'add' }, { name: 'adding' }),
        node('ScatterND', ['b', 'idx', 'upd'], ['y'], {}, { name: 'default' }),
      ],
      inputs: [valueInfo('x', F, [4])],
      outputs: [valueInfo('y', F, [4])],
      initializers: [tensor('idx', [2, 1], [0, 2], DataType.INT64), tensor('upd', [2], [1, 2])],
    }),
    { opset: 18 },
  );
  assert.deepEqual(keptFor(convert(m, { runtime: 'ort-cpu' }).report), [['adding', 'runtime ort-cpu refused']]);
});
