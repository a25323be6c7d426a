/**
 * Small float32 tensors held in memory are measured and converted at once; every other tensor
 * through a lazy payload. Both ways must give the same bytes and the same statistics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { TensorProtoSchema, type TensorProto } from '../proto/onnx.js';
import { bindLazyRawData, memoryPayload, readTensorData, tensorPayload } from '../proto/payload.js';
import { convertFloatTensor, float32Stats } from './tensor-conversion.js';

/** Values that exercise rounding, clipping, subnormals, overflow and NaN. */
function awkwardValues(count: number): Float32Array {
  const special = [0, -0, 1 + 2 ** -11, 1e-8, -3e-8, 6e-5, 65504, 65520, -70000, 3e38, Infinity, -Infinity, NaN, 0.1, -123.456];
  return Float32Array.from({ length: count }, (_, i) => special[i % special.length]! * (i % 3 === 0 ? 1 : -1));
}

function bytesOf(values: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function inMemory(values: Float32Array): TensorProto {
  return create(TensorProtoSchema, { name: 't', dims: [BigInt(values.length)], dataType: DataType.FLOAT, rawData: bytesOf(values) });
}

function lazy(values: Float32Array): TensorProto {
  const tensor = create(TensorProtoSchema, { name: 't', dims: [BigInt(values.length)], dataType: DataType.FLOAT });
  bindLazyRawData(tensor, memoryPayload(bytesOf(values)));
  return tensor;
}

test('a small in-memory tensor converts to the bytes and statistics a lazily read one gives, for both targets, with and without clipping', async () => {
  for (const count of [1, 15, 16, 1024]) {
    const values = awkwardValues(count);
    for (const target of [DataType.FLOAT16, DataType.BFLOAT16]) {
      for (const bounds of [undefined, { minPositiveVal: 1e-7, maxFiniteVal: 1e4 }]) {
        const small = convertFloatTensor(inMemory(values), target, bounds);
        const streamed = convertFloatTensor(lazy(values), target, bounds);
        assert.equal(tensorPayload(small), undefined, 'the small tensor is converted at once');
        assert.ok(tensorPayload(streamed), 'the lazy tensor stays lazy');
        assert.deepEqual(await readTensorData(small), await readTensorData(streamed), `${count} values to ${target}`);
        assert.deepEqual(float32Stats(inMemory(values), bounds), float32Stats(lazy(values), bounds));
      }
    }
  }
});

test('a small tensor given as float_data converts as its raw bytes do', async () => {
  const values = awkwardValues(20);
  const typed = create(TensorProtoSchema, { name: 't', dims: [20n], dataType: DataType.FLOAT, floatData: [...values] });
  assert.deepEqual(await readTensorData(convertFloatTensor(typed, DataType.FLOAT16, undefined)), await readTensorData(convertFloatTensor(lazy(values), DataType.FLOAT16, undefined)));
  assert.deepEqual(float32Stats(typed, undefined), float32Stats(lazy(values), undefined));
});
