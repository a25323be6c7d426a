import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeModel } from '../proto/codec.js';
import { graph, model, node, valueInfo } from '../../test/model-builder.js';
import { RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { loadOnnxruntimeNode, nodeRuntime } from './node-runtime.js';

const negate = () => encodeModel(model(graph({ nodes: [node('Neg', ['x'], ['y'])], inputs: [valueInfo('x', 1, [2])], outputs: [valueInfo('y', 1, [2])] })));
const x = { type: 'float32', data: Float32Array.of(1, -2), dims: [2] };

test('nodeRuntime runs model bytes on onnxruntime-node, named for messages by its providers', { skip: RUNTIME_SKIP }, async () => {
  const runtime = await nodeRuntime();
  assert.equal(runtime.name, 'onnxruntime-node (cpu)');
  const { y } = await runtime.run(negate(), { x });
  assert.deepEqual([y!.type, [...(y!.data as Float32Array)], y!.dims], ['float32', [-1, 2], [2]]);
  const session = await runtime.load!(negate());
  assert.deepEqual([...((await session.run({ x }))['y']!.data as Float32Array)], [-1, 2], 'a loaded session runs as often as asked');
  await session.release();
  assert.equal((await nodeRuntime({ executionProviders: ['cpu'] })).name, 'onnxruntime-node (cpu)');
});

test('onnxruntime-node is imported once, on first use', { skip: RUNTIME_SKIP }, async () => {
  assert.equal(loadOnnxruntimeNode(), loadOnnxruntimeNode());
  assert.equal(typeof (await loadOnnxruntimeNode()).InferenceSession.create, 'function');
});
