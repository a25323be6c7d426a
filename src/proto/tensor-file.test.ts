/**
 * TensorProto files: decoded with their data checked against their dims; bad bytes are one line naming the file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { OnnxFormatError } from '../errors.js';
import { TensorProtoSchema } from './onnx.js';
import { decodeTensor } from './tensor-file.js';

test('decodeTensor reads a TensorProto file and refuses bytes that are not one, or data that contradicts the dims', () => {
  const values = new Float32Array([1.5, -2, 3.25]);
  const bytes = toBinary(TensorProtoSchema, create(TensorProtoSchema, { name: 'x', dims: [3n], dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer) }));
  const tensor = decodeTensor(bytes, 'input_0.pb');
  assert.equal(tensor.name, 'x');
  assert.deepEqual(new Float32Array(tensor.rawData.slice().buffer), values);

  assert.throws(() => decodeTensor(Uint8Array.of(0xff, 0xff, 0xff), 'junk.pb'), (error: Error) => error instanceof OnnxFormatError && /^junk\.pb: not a TensorProto file \(/.test(error.message) && !error.message.includes('\n'));
  const short = toBinary(TensorProtoSchema, create(TensorProtoSchema, { name: 'x', dims: [4n], dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer) }));
  assert.throws(() => decodeTensor(short, 'short.pb'), /^OnnxFormatError: short\.pb: tensor "x" \(FLOAT, dims \[4\]\): raw_data holds 12 bytes but the shape and type need 16$/);
});
