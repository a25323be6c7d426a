/**
 * Conversion of models read from and written to files: external data converted from its bytes,
 * and real models shipped in npm matching float32 under onnxruntime. (The cases that need only
 * models built in memory live beside the code, in src/convert/*.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertFloatToFloat16 } from '../src/convert/convert-model.js';
import { float32BitsToFloat16Bits } from '../src/numeric/float16.js';
import { convert } from './convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { compareOutputs, feedsFor, RUNTIME_SKIP, runModel } from './runtime-helpers.js';

const F = DataType.FLOAT;

test('external data is converted from its bytes and written as float16 external data; the input is untouched', async () => {
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
