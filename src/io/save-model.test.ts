import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bindLazyRawData, readTensorData } from '../proto/payload.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'onnx-float16-save-'));

function weightsModel() {
  return model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [1000])],
      outputs: [valueInfo('y', 1, [1000])],
      initializers: [tensor('w', [1000], Float32Array.from({ length: 1000 }, (_, i) => i))],
    }),
  );
}

test('saveModel tells what it wrote: the model file and the external data file with their sizes', async () => {
  const dir = tempDir();
  const single = await saveModel(weightsModel(), join(dir, 'single.onnx'));
  assert.deepEqual(single, { path: join(dir, 'single.onnx'), bytes: statSync(join(dir, 'single.onnx')).size });
  const split = await saveModel(weightsModel(), join(dir, 'split.onnx'), { externalData: true });
  assert.deepEqual(split, {
    path: join(dir, 'split.onnx'),
    bytes: statSync(join(dir, 'split.onnx')).size,
    externalData: { location: 'split.onnx.data', path: join(dir, 'split.onnx.data'), bytes: 4000 },
  });
  assert.equal(statSync(join(dir, 'split.onnx.data')).size, 4000);
});

test('external data asked for, but no tensor big enough to go there (weights in Constant nodes): no empty data file is written', async () => {
  const dir = tempDir();
  const constants = model(
    graph({
      nodes: [node('Constant', [], ['w'], { value: tensor('w', [1000], Float32Array.from({ length: 1000 }, (_, i) => i)) }), node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [1000])],
      outputs: [valueInfo('y', 1, [1000])],
    }),
  );
  const saved = await saveModel(constants, join(dir, 'c.onnx'), { externalData: true });
  assert.equal(saved.externalData, undefined);
  assert.deepEqual(readdirSync(dir), ['c.onnx']);
  const loaded = await loadModel(join(dir, 'c.onnx'));
  assert.equal(loaded.graph!.node[0]!.attribute[0]!.t!.rawData.byteLength, 4000, 'the Constant kept its data in the model');
});

test("externalData 'auto' writes one file for a small self-contained model", async () => {
  const dir = tempDir();
  const saved = await saveModel(weightsModel(), join(dir, 'm.onnx'), { externalData: 'auto' });
  assert.equal(saved.externalData, undefined);
  assert.deepEqual(readdirSync(dir), ['m.onnx']);
});

test("externalData 'auto' keeps external data for a model that has it", async () => {
  const dir = tempDir();
  await saveModel(weightsModel(), join(dir, 'in.onnx'), { externalData: { location: 'in.weights' } });
  const saved = await saveModel(await loadModel(join(dir, 'in.onnx')), join(dir, 'out.onnx'), { externalData: 'auto' });
  assert.equal(saved.externalData?.location, 'out.onnx.data');
  assert.equal(statSync(join(dir, 'out.onnx.data')).size, 4000);
  const reloaded = await loadModel(join(dir, 'out.onnx'));
  assert.deepEqual(new Float32Array((await readTensorData(reloaded.graph!.initializer[0]!))!.slice().buffer).subarray(0, 3), new Float32Array([0, 1, 2]));
});

test("externalData 'auto' moves a model over protobuf's 2 GB limit to external data instead of refusing it", async () => {
  const huge = () => {
    const m = weightsModel();
    const refuse = () => {
      throw new Error('the test payload is not meant to be read');
    };
    // 2 GiB of weights that are never materialized: the decision needs only their length.
    bindLazyRawData(m.graph!.initializer[0]!, { byteLength: 2 ** 31, origin: 'huge', readSync: refuse, read: async () => refuse() });
    return m;
  };
  const dir = tempDir();
  await assert.rejects(saveModel(huge(), join(dir, 'one.onnx')), /over protobuf's 2 GiB limit/);
  // With 'auto' the limit is no obstacle: saving goes on to stream the weights into the data file,
  // which is where this payload refuses to be read.
  await assert.rejects(saveModel(huge(), join(dir, 'auto.onnx'), { externalData: 'auto' }), /the test payload is not meant to be read/);
  assert.equal(existsSync(join(dir, 'auto.onnx')), false, 'nothing is left behind');
});
