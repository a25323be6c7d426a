import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { create, equals, toBinary } from '@bufbuild/protobuf';
import { decodeModel, encodeModel, encodeModelParts } from './codec.js';
import { ModelProtoSchema, StringStringEntryProtoSchema } from './onnx.js';
import { memoryPayload, bindLazyRawData } from './payload.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { SHARED_MODELS_SKIP, SILERO_MODELS, sharedModel } from '../../test/testdata.js';

function bigModel() {
  const weights = Float32Array.from({ length: 50_000 }, (_, i) => Math.sin(i));
  const g = graph({
    nodes: [node('MatMul', ['x', 'w'], ['y']), node('Constant', [], ['c'], { value: tensor('cv', [3000], new Float32Array(3000).fill(2)) })],
    inputs: [valueInfo('x', DataType.FLOAT, [1, 50_000])],
    outputs: [valueInfo('y', DataType.FLOAT, [1, 1])],
    initializers: [tensor('w', [50_000, 1], weights), tensor('small', [2], [1, 2])],
  });
  const m = model(g);
  m.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'k', value: 'v' }));
  return m;
}

test('encodeModel equals toBinary for a model with large and small tensors', () => {
  const m = bigModel();
  const expected = toBinary(ModelProtoSchema, m);
  assert.deepEqual(encodeModel(m), expected);
  const parts = encodeModelParts(m);
  assert.equal(parts.byteLength, expected.byteLength);
  // Large raw_data is emitted as a view of the tensor's own bytes, not copied.
  assert.ok(parts.parts.some((p) => p === m.graph!.initializer[0]!.rawData));
});

test('decodeModel keeps raw_data as views into the input bytes', () => {
  const bytes = toBinary(ModelProtoSchema, bigModel());
  const decoded = decodeModel(bytes);
  assert.equal(decoded.graph!.initializer[0]!.rawData.buffer, bytes.buffer);
});

test('unknown fields survive decode and encode', () => {
  const bytes = toBinary(ModelProtoSchema, bigModel());
  // Field 1000, varint 42, appended to the ModelProto.
  const extra = new Uint8Array([0xc0, 0x3e, 42]);
  const withUnknown = new Uint8Array(bytes.length + extra.length);
  withUnknown.set(bytes);
  withUnknown.set(extra, bytes.length);
  const decoded = decodeModel(withUnknown);
  assert.equal(decoded.$unknown?.length, 1);
  assert.deepEqual(encodeModel(decoded), withUnknown);
});

test('a lazy payload is streamed by the encoder in place of raw_data', () => {
  const m = bigModel();
  const expected = toBinary(ModelProtoSchema, m);
  const w = m.graph!.initializer[0]!;
  const bytes = w.rawData;
  bindLazyRawData(w, memoryPayload(bytes.slice()));
  const { parts } = encodeModelParts(m);
  assert.ok(parts.some((p) => !(p instanceof Uint8Array)));
  assert.deepEqual(encodeModel(m), expected);
});

test('bad bytes are refused with a clear message', () => {
  assert.throws(() => decodeModel(new TextEncoder().encode('hello, this is not a model'), 'notes.txt'), /notes\.txt: not/);
  const bytes = toBinary(ModelProtoSchema, bigModel());
  assert.throws(() => decodeModel(bytes.subarray(0, bytes.length - 100), 'cut.onnx'), /cut\.onnx: not a valid ONNX model, or truncated/);
  assert.throws(() => decodeModel(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: not an ONNX model/);
});

test('real models re-encode byte for byte', { skip: SHARED_MODELS_SKIP }, () => {
  const files = [
    ...SILERO_MODELS,
    ...['ultraface_rfb320.onnx', 'gpt2_tiny_ort_fused.onnx', 'occ_keras_lstm.onnx', 'light_densenet121.onnx', 'occ_coreml_onehot.onnx'].map(sharedModel),
  ];
  for (const file of files) {
    const bytes = readFileSync(file);
    const decoded = decodeModel(bytes, file);
    assert.equal(Buffer.compare(Buffer.from(encodeModel(decoded)), bytes), 0, file);
    assert.ok(equals(ModelProtoSchema, decodeModel(encodeModel(decoded)), decoded), file);
  }
});

test('a model over protobuf\'s 2 GB limit is refused with the way out, before any payload is read', () => {
  const m = bigModel();
  const never = () => {
    throw new Error('read');
  };
  bindLazyRawData(m.graph!.initializer[0]!, { byteLength: 2 ** 31, origin: 'huge', readSync: never, read: async () => never() });
  assert.equal(encodeModelParts(m).byteLength > 2 ** 31, true, 'sizes are known without reading');
  assert.throws(() => encodeModel(m), /over protobuf's 2 GiB limit: save it with external data/);
});

test('a graph of many nodes is encoded in several parts whose bytes are those of one toBinary', () => {
  const count = 20_000;
  const nodes = Array.from({ length: count }, (_, i) => node('Relu', [`v${i}`], [`v${i + 1}`]));
  const m = model(graph({ name: 'chain', nodes, inputs: [valueInfo('v0', DataType.FLOAT, [2])], outputs: [valueInfo(`v${count}`, DataType.FLOAT, [2])] }));
  m.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'k', value: 'v' }));
  const { parts, byteLength } = encodeModelParts(m);
  assert.ok(parts.length > 3, `${parts.length} parts`);
  assert.deepEqual(encodeModel(m), toBinary(ModelProtoSchema, m));
  assert.equal(byteLength, toBinary(ModelProtoSchema, m).byteLength);
});
