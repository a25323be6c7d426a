import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { OptionsError } from '../errors.js';
import { convertModel } from '../convert/convert-model.js';
import { graph, model, node, valueInfo } from '../../test/model-builder.js';
import { layerNormOverflow, ones, overflowMlp, underflowChain } from '../../test/mixed-precision-models.js';
import { cpuRuntime, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { float16ArrayConstructor, toFloat16 } from '../numeric/float16-array.js';
import { compareModels, compareTensors, feedsFor, lowPrecisionOf } from './compare.js';

const F = DataType.FLOAT;

test('output statistics: max abs, max relative, L2-relative, cosine, allclose', () => {
  const a = { type: 'float32', data: new Float32Array([1, 2, 3, 4]), dims: [4] };
  const b = { type: 'float32', data: new Float32Array([1, 2.5, 3, 4]), dims: [4] };
  const result = compareTensors('y', a, b, 1e-2, 1e-3);
  assert.equal(result.maxAbsError, 0.5);
  assert.equal(result.maxRelError, 0.25);
  assert.equal(result.l2RelError, Math.sqrt(0.25 / 30));
  assert.equal(result.cosine, (1 + 5 + 9 + 16) / Math.sqrt(30 * (1 + 6.25 + 9 + 16)));
  assert.deepEqual([result.nan, result.inf], [{ a: 0, b: 0 }, { a: 0, b: 0 }]);
  assert.equal(result.passed, false);
  const close = compareTensors('y', a, { type: 'float32', data: new Float32Array([1, 2.001, 3, 4]), dims: [4] }, 1e-2, 1e-3);
  assert.equal(close.passed, true);
  const zeros = compareTensors('z', { type: 'float32', data: new Float32Array(3), dims: [3] }, { type: 'float32', data: new Float32Array(3), dims: [3] }, 0, 0);
  assert.deepEqual([zeros.l2RelError, zeros.cosine, zeros.passed], [0, 1, true]);
});

test('output statistics: NaN and Inf are counted on each side; a value B loses makes the errors infinite', () => {
  const a = { type: 'float32', data: new Float32Array([1, 2, NaN, Infinity]), dims: [4] };
  const same = compareTensors('y', a, { type: 'float32', data: new Float32Array([1, 2, NaN, Infinity]), dims: [4] }, 1e-2, 1e-3);
  assert.deepEqual([same.nan, same.inf, same.maxAbsError, same.cosine, same.passed], [{ a: 1, b: 1 }, { a: 1, b: 1 }, 0, 1, false], 'NaN never passes, as numpy.allclose');
  const lost = compareTensors('y', a, { type: 'float32', data: new Float32Array([1, Infinity, NaN, Infinity]), dims: [4] }, 1e-2, 1e-3);
  assert.deepEqual([lost.inf, lost.maxAbsError, lost.maxRelError, lost.l2RelError, lost.cosine], [{ a: 1, b: 2 }, Infinity, Infinity, Infinity, 1]);
  const none = compareTensors('y', { type: 'float32', data: new Float32Array([1]), dims: [1] }, { type: 'float32', data: new Float32Array([NaN]), dims: [1] }, 1e-2, 1e-3);
  assert.ok(Number.isNaN(none.cosine), 'no element finite in both: no cosine');
});

test('the low type of a model: float16 from initializers, declared types or Casts; none in a float32 model', () => {
  assert.equal(lowPrecisionOf(overflowMlp()), undefined);
  assert.equal(lowPrecisionOf(convertModel(overflowMlp()).model), DataType.FLOAT16);
  assert.equal(lowPrecisionOf(convertModel(overflowMlp(), {}, DataType.BFLOAT16).model), DataType.BFLOAT16);
});

test('feeds as each model takes them: float32 rounded for float16 inputs, float16 widened for float32 ones', () => {
  const converted = convertModel(overflowMlp()).model;
  const feeds = ones(8);
  const rounded = feedsFor(converted, feeds).x!;
  assert.equal(rounded.type, 'float16');
  assert.deepEqual([...(rounded.data as Uint16Array)], new Array(8).fill(0x3c00));
  const widened = feedsFor(overflowMlp(), { x: { type: 'float16', data: toFloat16(new Float32Array(8).fill(0.5)), dims: [1, 8] } }).x!;
  assert.deepEqual([widened.type, [...(widened.data as Float32Array)]], ['float32', new Array(8).fill(0.5)]);
});

test('compare: a model against itself passes with no error, measured directly', { skip: RUNTIME_SKIP }, async () => {
  const result = await compareModels(overflowMlp(), overflowMlp(), ones(8), { runtime: await cpuRuntime() });
  assert.equal(result.passed, true);
  assert.equal(result.measured, 'direct');
  assert.equal(result.lowType, null);
  assert.deepEqual([result.outputs[0]!.maxAbsError, result.outputs[0]!.cosine], [0, 1]);
  assert.deepEqual([result.rtol, result.atol], [1e-2, 2e-2], 'the default tolerances');
});

test('compare on a CPU: the float16 emulation shows the overflow the CPU provider hides, and says which way it measured', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await cpuRuntime();
  const converted = convertModel(layerNormOverflow(), { keepIoTypes: true }).model;
  const feeds = ones(4);
  const emulated = await compareModels(layerNormOverflow(), converted, feeds, { runtime });
  assert.equal(emulated.measured, 'emulated');
  assert.equal(emulated.lowType, 'float16');
  assert.equal(emulated.passed, false);
  assert.deepEqual(emulated.outputs[0]!.inf, { a: 0, b: 1 });
  const direct = await compareModels(layerNormOverflow(), converted, feeds, { runtime, emulate: false });
  assert.equal(direct.measured, 'direct');
  assert.equal(direct.passed, true, 'onnxruntime CPU computes between Casts in float32: no overflow seen');
});

test('compare --locate names the overflowing node with the value that explains it, not the nodes downstream', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await cpuRuntime();
  const result = await compareModels(layerNormOverflow(), convertModel(layerNormOverflow(), { keepIoTypes: true }).model, ones(4), { runtime, locate: true });
  assert.equal(result.passed, false);
  assert.deepEqual(
    result.located!.map((l) => [l.node, l.kind]),
    [['LayerNorm/Pow', 'overflow']],
  );
  assert.equal(result.located![0]!.message, 'LayerNorm/Pow (Pow) output "squared" reaches 1.6e5 > 65504 (float16\'s largest): NaN/Inf in float16');
  assert.deepEqual(result.located![0]!.range, [160000, 160000]);
  assert.deepEqual(result.outputs[0]!.inf, { a: 0, b: 1 }, 'the outputs are the same as without locate');

  const mlp = await compareModels(overflowMlp(), convertModel(overflowMlp()).model, ones(8), { runtime, locate: true });
  assert.deepEqual(mlp.located!.map((l) => l.message), ['mm1 (MatMul) output "h" reaches 8.0e4 > 65504 (float16\'s largest): NaN/Inf in float16']);
});

test('compare --locate names values that flush to zero in float16', { skip: RUNTIME_SKIP }, async () => {
  const result = await compareModels(underflowChain(), convertModel(underflowChain(), { keepIoTypes: true }).model, ones(4), { runtime: await cpuRuntime(), locate: true });
  assert.equal(result.passed, false);
  const first = result.located![0]!;
  assert.deepEqual([first.node, first.kind], ['m2', 'underflow']);
  assert.match(first.message, /^m2 \(Mul\) output "b": 4 of 4 nonzero values \(down to 1\.0e-9\) are below 3\.0e-8 and become 0 in float16$/);
});

test('compare: clear one-line errors for outputs B lacks, unknown options, no runtime', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await cpuRuntime();
  const renamed = model(graph({ nodes: [node('Relu', ['x'], ['z'])], inputs: [valueInfo('x', F, [1, 8])], outputs: [valueInfo('z', F, [1, 8])] }));
  await assert.rejects(compareModels(overflowMlp(), renamed, ones(8), { runtime }), (e: Error) => e instanceof OptionsError && e.message === 'model B has no output "y" of model A (B\'s outputs: z)');
  await assert.rejects(compareModels(overflowMlp(), overflowMlp(), ones(8), { runtime, rtoll: 1 } as never), /unknown option "rtoll"/);
  await assert.rejects(compareModels(overflowMlp(), overflowMlp(), ones(8)), /a runtime is needed/);
});

test('compare reads float16 outputs given as Float16Array', { skip: float16ArrayConstructor() ? false : 'this JavaScript engine has no Float16Array (Node 20): the Float16Array output path is untested here' }, () => {
  const a = { type: 'float32', data: new Float32Array([1, 2]), dims: [2] };
  const b = { type: 'float16', data: toFloat16(new Float32Array([1, 2]), { as: 'Float16Array' }), dims: [2] };
  assert.equal(compareTensors('y', a, b, 0, 0).passed, true);
});
