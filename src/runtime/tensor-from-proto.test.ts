import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { OnnxFormatError, UnsupportedModelError } from '../errors.js';
import { TensorProtoSchema } from '../proto/onnx.js';
import { tensorFromProto } from './tensor-from-proto.js';

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

test('raw_data becomes an aligned typed array of onnxruntime\'s element type, whatever its offset', () => {
  const source = new Uint8Array(1 + 12);
  source.set(bytesOf(Float32Array.of(1.5, -2, 3.25)), 1);
  const tensor = create(TensorProtoSchema, { name: 'x', dataType: DataType.FLOAT, dims: [3n], rawData: source.subarray(1) });
  const t = tensorFromProto(tensor);
  assert.equal(t.type, 'float32');
  assert.deepEqual(t.dims, [3]);
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual(Array.from(t.data as Float32Array), [1.5, -2, 3.25]);
});

test('typed fields map to their element types: int64, float16 bit patterns in int32_data, bool, strings', () => {
  const ints = tensorFromProto(create(TensorProtoSchema, { dataType: DataType.INT64, dims: [2n], int64Data: [7n, -1n] }));
  assert.deepEqual([ints.type, Array.from(ints.data as BigInt64Array)], ['int64', [7n, -1n]]);
  const halves = tensorFromProto(create(TensorProtoSchema, { dataType: DataType.FLOAT16, dims: [2n], int32Data: [0x3c00, 0xc000] }));
  assert.deepEqual([halves.type, Array.from(halves.data as Uint16Array)], ['float16', [0x3c00, 0xc000]]);
  const flags = tensorFromProto(create(TensorProtoSchema, { dataType: DataType.BOOL, dims: [3n], int32Data: [1, 0, 1] }));
  assert.deepEqual([flags.type, Array.from(flags.data as Uint8Array)], ['bool', [1, 0, 1]]);
  const words = tensorFromProto(create(TensorProtoSchema, { dataType: DataType.STRING, dims: [2n], stringData: [new TextEncoder().encode('a'), new TextEncoder().encode('bc')] }));
  assert.deepEqual([words.type, words.data], ['string', ['a', 'bc']]);
});

test('a scalar has no dims and one element', () => {
  const t = tensorFromProto(create(TensorProtoSchema, { dataType: DataType.FLOAT, floatData: [4] }));
  assert.deepEqual([t.dims, Array.from(t.data as Float32Array)], [[], [4]]);
});

test('raw_data that contradicts the shape, and types JavaScript cannot hold, are one-line library errors naming the tensor', () => {
  const short = create(TensorProtoSchema, { name: 'w', dataType: DataType.FLOAT, dims: [4n], rawData: new Uint8Array(8) });
  assert.throws(() => tensorFromProto(short), (e) => e instanceof OnnxFormatError && e.message === 'tensor "w": raw_data has 8 bytes, its shape needs 16');
  const bf16 = create(TensorProtoSchema, { name: 'b', dataType: DataType.BFLOAT16, dims: [1n], rawData: new Uint8Array(2) });
  assert.throws(() => tensorFromProto(bf16), (e) => e instanceof UnsupportedModelError && /^tensor "b": element type BFLOAT16 cannot be passed to onnxruntime/.test(e.message));
});
