import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto } from '../proto/onnx.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { blockedDequantizeModel, dynamicQuantizedMlp, gatherBlockQuantizedModel, matMulNBitsModel, mixedQuantizedModel } from '../../test/quantized-models.js';
import { compareOutputs, feedsFor, randomFeeds, runModel, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { convertModel } from './convert-model.js';
import { describeReason } from './keep-reason.js';

const initializer = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name)!;

/** Runs the float32 model and its conversion on the same feeds; the conversion must stay within 1%. */
async function within1Percent(original: ModelProto, converted: ModelProto, intRange = 8): Promise<void> {
  const feeds = randomFeeds(original, {}, { intRange });
  const expected = await runModel(original, feeds);
  const actual = await runModel(converted, feedsFor(converted, feeds));
  const problem = compareOutputs(expected, actual, 1e-2, 1e-2);
  assert.equal(problem, undefined, problem);
}

test('q4 -> q4f16: MatMulNBits scales become float16, packed weights and zero points stay byte for byte', async () => {
  const original = matMulNBitsModel();
  const { model: converted, report } = convertModel(original);
  assert.deepEqual(report.keptNodes, []);
  assert.equal(initializer(converted, 'w_scales').dataType, DataType.FLOAT16);
  for (const name of ['w_q4', 'w_zero_points']) {
    assert.equal(initializer(converted, name).dataType, DataType.UINT8);
    assert.deepEqual(initializer(converted, name).rawData, initializer(original, name).rawData, `${name} untouched`);
  }
  assert.deepEqual(report.tensors.map((t) => t.name), ['w_scales']);
});

test('q4 -> q4f16 runs in onnxruntime within 1% of the float32-scale model: MatMulNBits with and without zero points', { skip: RUNTIME_SKIP }, async () => {
  for (const original of [matMulNBitsModel(), matMulNBitsModel(64, 16, false)]) await within1Percent(original, convertModel(original).model);
});

test('GatherBlockQuantized: scales float16, packed table and zero points untouched, within 1% in onnxruntime', { skip: RUNTIME_SKIP }, async () => {
  const original = gatherBlockQuantizedModel();
  const { model: converted, report } = convertModel(original, { keepIoTypes: true });
  assert.deepEqual(report.keptNodes, []);
  assert.equal(initializer(converted, 'table_scales').dataType, DataType.FLOAT16);
  assert.deepEqual(initializer(converted, 'table_q4').rawData, initializer(original, 'table_q4').rawData);
  assert.deepEqual(initializer(converted, 'table_zero_points').rawData, initializer(original, 'table_zero_points').rawData);
  await within1Percent(original, converted);
});

test('DequantizeLinear with a block size, float scales and int8 zero points: scales float16, within 1% in onnxruntime', { skip: RUNTIME_SKIP }, async () => {
  const original = blockedDequantizeModel();
  const { model: converted, report } = convertModel(original, { keepIoTypes: true });
  assert.deepEqual(report.keptNodes, []);
  assert.equal(initializer(converted, 'w_scale').dataType, DataType.FLOAT16);
  assert.deepEqual([initializer(converted, 'w_q').dataType, initializer(converted, 'w_zero').dataType], [DataType.INT8, DataType.INT8]);
  assert.deepEqual(initializer(converted, 'w_q').rawData, initializer(original, 'w_q').rawData);
  await within1Percent(original, converted);
});

test('a model mixing 4-bit ops with ordinary float ops converts whole, smaller, within 1% in onnxruntime', { skip: RUNTIME_SKIP }, async () => {
  const original = mixedQuantizedModel();
  const { model: converted, report } = convertModel(original);
  assert.deepEqual(report.keptNodes, []);
  assert.deepEqual(report.tensors.map((t) => t.name).sort(), ['beta', 'gamma', 'table_scales', 'w_scales']);
  assert.ok(encodeModel(converted).byteLength < encodeModel(original).byteLength);
  await within1Percent(original, converted);
});

test('dynamic quantization: the float path through DynamicQuantizeLinear and MatMulInteger stays float32, with no Casts and no growth', () => {
  const original = dynamicQuantizedMlp();
  const { model: converted, report } = convertModel(original, { keepIoTypes: true });
  assert.equal(report.casts.length, 0);
  assert.deepEqual(report.tensors, [], 'scales and biases stay float32');
  assert.equal(encodeModel(converted).byteLength, encodeModel(original).byteLength);
  const byReason = new Map<string, string[]>();
  for (const kept of report.keptNodes) byReason.set(kept.reason.kind, [...(byReason.get(kept.reason.kind) ?? []), kept.address]);
  assert.deepEqual(byReason.get('schema'), ['layer0/DynamicQuantizeLinear', 'layer1/DynamicQuantizeLinear', 'layer2/DynamicQuantizeLinear'], 'float32-only by its schema');
  assert.equal(byReason.get('dynamicQuantization')!.length, 5 + 5 + 4 + 1, 'Cast, the two Muls, Add (and Relu between layers) of each layer, the head Sigmoid');
  assert.ok(byReason.get('dynamicQuantization')!.includes('head/Sigmoid'));
  assert.match(describeReason({ kind: 'dynamicQuantization' }), /^on the float path of dynamic quantization .*overflow the int32 accumulators$/);
  // One rule for the model, not a warning per node: the fallback warnings are the schema's (DynamicQuantizeLinear is float32-only).
  assert.deepEqual(report.warnings.filter((w) => w.kind === 'fallback').map((w) => w.message.split('"')[1]), byReason.get('schema'));
});

test('dynamic quantization: float work that neither feeds nor follows the quantized path still converts', () => {
  const quantized = dynamicQuantizedMlp(1, 8).graph!;
  // A float side branch from the input to a second output.
  const original = model(
    graph({
      nodes: [...quantized.node, node('Mul', ['x', 'side_scale'], ['side'], {}, { name: 'side/Mul' }), node('Tanh', ['side'], ['z'], {}, { name: 'side/Tanh' })],
      inputs: quantized.input,
      outputs: [...quantized.output, valueInfo('z', DataType.FLOAT, [4, 8])],
      initializers: [...quantized.initializer, tensor('side_scale', [], [0.5])],
    }),
  );
  const { report } = convertModel(original, { keepIoTypes: true });
  const kept = new Set(report.keptNodes.map((k) => k.address));
  assert.ok(!kept.has('side/Mul') && !kept.has('side/Tanh'));
  assert.deepEqual(report.tensors.map((t) => t.name), ['side_scale']);
});

test('dynamic quantization: the converted model computes exactly what the original does in onnxruntime', { skip: RUNTIME_SKIP }, async () => {
  const original = dynamicQuantizedMlp();
  const converted = convertModel(original, { keepIoTypes: true }).model;
  const feeds = randomFeeds(original);
  const expected = await runModel(original, feeds);
  const actual = await runModel(converted, feeds);
  assert.deepEqual([...(actual.y!.data as Float32Array)], [...(expected.y!.data as Float32Array)]);
});
