import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { equals } from '@bufbuild/protobuf';
import { convertFloatToFloat16 } from '../src/convert/convert-model.js';
import { saveModel } from '../src/io/save-model.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { SILERO_MODELS } from './testdata.js';
import { loadModelFromBlob, modelToBlobs } from '../src/proto/blob-io.js';
import { decodeModel, encodeModel } from '../src/proto/codec.js';
import { ModelProtoSchema } from '../src/proto/onnx.js';
import { readTensorData, tensorPayload } from '../src/proto/payload.js';

test('a model read from a Blob equals the decoded file, with large tensors left in the Blob', async () => {
  const bytes = readFileSync(SILERO_MODELS[1]!);
  assert.ok(equals(ModelProtoSchema, await loadModelFromBlob(new Blob([bytes])), decodeModel(bytes)));
  const loaded = await loadModelFromBlob(new Blob([bytes]), { lazy: true });
  let lazy = 0;
  const { forEachTensor } = await import('../src/proto/tensor-walk.js');
  forEachTensor(loaded, (t) => {
    if (tensorPayload(t)?.payload.blob) lazy++;
  });
  assert.ok(lazy >= 18, `${lazy} tensors (those of 1 KiB or more) stay in the Blob`);
  const blobs = await modelToBlobs(loaded);
  assert.deepEqual(new Uint8Array(await blobs.model.arrayBuffer()), new Uint8Array(bytes));
});

test('external data as Blobs: load, convert, write with external data, load again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-blob-'));
  const values = Float32Array.from({ length: 4096 }, (_, i) => i / 7);
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', DataType.FLOAT, [4096])],
      outputs: [valueInfo('y', DataType.FLOAT, [4096])],
      initializers: [tensor('w', [4096], values)],
    }),
  );
  await saveModel(m, join(dir, 'm.onnx'), { externalData: { location: 'm.data' } });
  const modelBlob = new Blob([readFileSync(join(dir, 'm.onnx'))]);
  await assert.rejects(loadModelFromBlob(modelBlob), /tensor "w": external data file "m\.data" was not provided/);
  const loaded = await loadModelFromBlob(modelBlob, { externalData: { 'm.data': new Blob([readFileSync(join(dir, 'm.data'))]) } });
  assert.deepEqual(await readTensorData(loaded.graph!.initializer[0]!), new Uint8Array(values.buffer));

  const converted = convertFloatToFloat16(loaded);
  const blobs = await modelToBlobs(converted, { externalData: { location: 'm_fp16.data' } });
  assert.equal(blobs.externalData!.blob.size, 4096 * 2);
  const back = await loadModelFromBlob(blobs.model, { externalData: { 'm_fp16.data': blobs.externalData!.blob } });
  const w = back.graph!.initializer[0]!;
  assert.equal(w.dataType, DataType.FLOAT16);
  const halves = new Uint16Array((await readTensorData(w))!.slice().buffer);
  assert.equal(halves[7], 0x3c00, '7/7 = 1.0');
  // Written without external data, the same model is self-contained and valid.
  const single = await modelToBlobs(converted);
  assert.equal(decodeModel(new Uint8Array(await single.model.arrayBuffer())).graph!.initializer[0]!.rawData.byteLength, 8192);
  assert.ok(encodeModel(decodeModel(new Uint8Array(await single.model.arrayBuffer()))).byteLength > 8192);
});

test('loading from and writing to Blobs report progress in bytes, ending at the total', async () => {
  // 10 Mi float32 values (40 MiB) converted into a 20 MiB weight, written in 16 MiB chunks, single-file and with external data.
  const values = new Float32Array(10 * 2 ** 20).fill(0.5);
  const m = model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', DataType.FLOAT, [values.length])], outputs: [valueInfo('y', DataType.FLOAT, [values.length])], initializers: [tensor('w', [values.length], values), tensor('b', [4], [1, 2, 3, 4])] }));
  const file = new Blob([encodeModel(m) as Uint8Array<ArrayBuffer>]);
  const reads: [number, number][] = [];
  const loaded = await loadModelFromBlob(file, { onProgress: (done, total) => reads.push([done, total]) });
  assert.deepEqual(reads, [[0, values.byteLength], [values.byteLength, values.byteLength]], 'the one large tensor is read, the small one is in the structure');

  const converted = convertFloatToFloat16(loaded);
  for (const externalData of [false, true]) {
    const writes: [number, number][] = [];
    const blobs = await modelToBlobs(converted, { externalData, onProgress: (done, total) => writes.push([done, total]) });
    const total = blobs.model.size + (blobs.externalData?.blob.size ?? 0);
    assert.ok(writes.every(([, t]) => t === total), `external data ${externalData}: every call gives the bytes of all Blobs as the total`);
    assert.deepEqual(writes[0], [0, total]);
    assert.deepEqual(writes.at(-1), [total, total]);
    assert.ok(writes.length >= 3, `external data ${externalData}: a call per 16 MiB chunk (${writes.length} calls)`);
    for (let i = 1; i < writes.length; i++) assert.ok(writes[i]![0] > writes[i - 1]![0], 'bytes written only grow');
  }
});
