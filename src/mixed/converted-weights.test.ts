/**
 * Converted weights shared between the attempts of a search on a float16 provider: the models
 * encode byte for byte as plain conversions do, each weight is converted once, and a search that
 * runs converted models (forced on the CPU) converts every weight once in all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { convertModel } from '../convert/convert-model.js';
import { decodeModel, encodeModel } from '../proto/codec.js';
import { forEachTensor } from '../proto/tensor-walk.js';
import type { TensorProto } from '../proto/onnx.js';
import { transformerFeeds, transformerLike } from '../../test/mixed-precision-models.js';
import { cpuRuntime, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { convertingRunner } from './attempts.js';
import { findNodeBlockList } from './auto-mixed-precision.js';
import { ConvertedWeights } from './converted-weights.js';

const float16Tensors = (model: ReturnType<typeof transformerLike>) => {
  const found = new Map<string, TensorProto>();
  forEachTensor(model, (tensor) => tensor.dataType === DataType.FLOAT16 && found.set(tensor.name, tensor));
  return found;
};

test('converted weights: models encode byte for byte as plain conversions, and a weight converted by one attempt is reused by the next', () => {
  const model = transformerLike(60);
  const weights = new ConvertedWeights();
  const blockLists = [[], ['b0_mm1', 'b1_q'], ['b0_mm1', 'b1_q', 'b1_h2']];
  const models = blockLists.map((nodeBlockList) => {
    const converted = convertModel(model, { keepIoTypes: true, nodeBlockList }).model;
    weights.fill(converted);
    assert.deepEqual(encodeModel(converted), encodeModel(convertModel(model, { keepIoTypes: true, nodeBlockList }).model), `block list [${nodeBlockList.join(', ')}]`);
    return converted;
  });
  const first = float16Tensors(models[0]!);
  assert.equal(weights.converted, first.size, 'the first attempt converts each of its weights');
  assert.ok(weights.reused > 0);
  const later = float16Tensors(models[2]!);
  const shared = [...later].filter(([name, tensor]) => first.get(name)?.rawData === tensor.rawData);
  assert.ok(shared.length > 0 && shared.length === [...later.keys()].filter((name) => first.has(name)).length, 'a weight both attempts convert has the same bytes, converted once');
});

test('a search that runs converted models (a float16 provider, forced on the CPU) converts each weight once in all', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await cpuRuntime();
  const model = transformerLike(60);
  const runner = convertingRunner(model, { runtime, target: DataType.FLOAT16, keepIoTypes: true, convertOptions: undefined, outputNames: ['y'], expose: false, emulate: false });
  const feeds = transformerFeeds();
  await runner.run([], feeds, false);
  const first = runner.weights.converted;
  assert.ok(first > 0 && first <= model.graph!.initializer.length);
  // Blocking nodes keeps some weights float32: later attempts convert subsets of the first one's.
  for (const blocked of [['b0_mm1'], ['b0_mm1', 'b1_q'], []]) await runner.run(blocked, feeds, false);
  assert.equal(runner.times.attempts, 4);
  assert.equal(runner.weights.converted, first, 'no weight converted twice');
  assert.ok(runner.weights.reused >= 3 * (first - 4), `${runner.weights.reused} weights reused`);
  // The whole search on the converted models: onnxruntime's CPU computes float16 models in float32
  // between Casts, so every float16 attempt passes here; the point is that it runs.
  const result = await findNodeBlockList(model, feeds, { runtime, rtol: 1e-2, atol: 1e-2, keepIoTypes: true, emulate: false });
  assert.equal(result.runs, 2, 'the float32 reference and the all-float16 attempt, which passes');
});

test('when the guided analysis run (every intermediate exposed) fails on a float16 provider, the search goes on in graph order and says why', { skip: RUNTIME_SKIP }, async () => {
  const cpu = await cpuRuntime();
  const model = transformerLike(8);
  const outputs = model.graph!.output.length;
  // A provider that runs the model but refuses the analysis run's extra outputs.
  const runtime = {
    name: 'refuses exposed intermediates',
    run: async (bytes: Uint8Array, feeds: Parameters<typeof cpu.run>[1], outputNames?: readonly string[]) => {
      if (decodeModel(bytes).graph!.output.length > outputs) throw new Error('out of device memory');
      return cpu.run(bytes, feeds, outputNames);
    },
  };
  // A tolerance the all-float16 model misses, so that the search (and its analysis) runs.
  const result = await findNodeBlockList(model, transformerFeeds(), { runtime, rtol: 1e-5, atol: 1e-6, keepIoTypes: true, emulate: false });
  assert.equal(result.analysisFailure, 'out of device memory');
  assert.ok(result.nodeBlockList.length > 0);
});
