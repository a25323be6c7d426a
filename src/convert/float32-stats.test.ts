import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Float32StatsAccumulator } from '../numeric/clamp.js';
import { WASM_CHUNK_ELEMENTS } from '../numeric/wasm-kernels.js';
import { TensorProtoSchema } from '../proto/onnx.js';
import { float32Stats } from './tensor-conversion.js';

/**
 * Values over more than one kernel chunk, with a tail that is no multiple of 4, and outliers of
 * every kind: weight-like (some tiny magnitudes of their own) or all within clipping's bounds.
 */
function weights(kind: 'weight-like' | 'within bounds'): Float32Array<ArrayBuffer> {
  const values = new Float32Array(WASM_CHUNK_ELEMENTS + 7);
  for (let i = 0; i < values.length; i++) values[i] = kind === 'weight-like' ? 0.02 * Math.sin(i * 0.618) : 0.5 + 0.25 * Math.sin(i * 0.618);
  const outliers: [number, number][] = [
    [3, 1e-9],
    [17, -3e-8],
    [1000, 2e4],
    [5000, -7e4],
    [WASM_CHUNK_ELEMENTS - 1, Infinity],
    [WASM_CHUNK_ELEMENTS, NaN],
    [WASM_CHUNK_ELEMENTS + 2, 1e30],
    [WASM_CHUNK_ELEMENTS + 6, -1e-20],
  ];
  for (const [at, value] of outliers) values[at] = value;
  return values;
}

test('float32Stats counts exactly what the JavaScript accumulator counts, across chunks and a ragged tail', () => {
  const values = weights('weight-like');
  for (const bounds of [undefined, { minPositiveVal: 1e-7, maxFiniteVal: 1e4 }]) {
    const tensor = create(TensorProtoSchema, { name: 'w', dims: [BigInt(values.length)], dataType: 1, rawData: new Uint8Array(values.buffer.slice(0)) });
    const expected = new Float32StatsAccumulator(bounds);
    expected.add(new Uint32Array(values.buffer));
    assert.deepEqual(float32Stats(tensor, bounds), expected.result(), `bounds ${JSON.stringify(bounds)}`);
  }
});

test('float32Stats counts each kind of outlier once', () => {
  const values = weights('within bounds');
  const stats = float32Stats(create(TensorProtoSchema, { name: 'w', dims: [BigInt(values.length)], dataType: 1, rawData: new Uint8Array(values.buffer) }), { minPositiveVal: 1e-7, maxFiniteVal: 1e4 });
  assert.deepEqual(
    { small: stats.clampedSmall, large: stats.clampedLarge, beyond: stats.beyondFloat16, nonFinite: stats.nonFinite, maxAbs: stats.maxAbs },
    { small: 3, large: 3, beyond: 2, nonFinite: 2, maxAbs: Math.fround(1e30) },
  );
});
