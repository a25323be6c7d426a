import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { float16BitsToFloat32Bits } from '../numeric/float16.js';
import { graph, model, node, valueInfo } from '../../test/model-builder.js';
import { randomFeeds } from './random-feeds.js';

const m = model(
  graph({
    nodes: [node('Cast', ['h'], ['hf'], { to: 1n }), node('Add', ['x', 'hf'], ['y'])],
    inputs: [valueInfo('x', DataType.FLOAT, ['batch', 4]), valueInfo('h', DataType.FLOAT16, ['batch', 4]), valueInfo('n', DataType.INT64, [2])],
    outputs: [valueInfo('y', DataType.FLOAT, ['batch', 4])],
  }),
);

test('randomFeeds: an options object; symbolic dimensions by name; float16 inputs as bit patterns in [-1, 1)', () => {
  const feeds = randomFeeds(m, { dims: { batch: 3 }, seed: 5, intRange: 7 });
  assert.deepEqual(feeds.x!.dims, [3, 4]);
  assert.equal(feeds.h!.type, 'float16');
  assert.ok(feeds.h!.data instanceof Uint16Array && feeds.h!.data.length === 12);
  for (const bits of feeds.h!.data as Uint16Array) {
    const value = new Float32Array(Uint32Array.of(float16BitsToFloat32Bits(bits)).buffer)[0]!;
    assert.ok(value >= -1 && value <= 1, String(value));
  }
  assert.ok([...(feeds.n!.data as BigInt64Array)].every((v) => v >= 0n && v < 7n));
  assert.deepEqual(randomFeeds(m, { dims: { batch: 3 }, seed: 5, intRange: 7 }), feeds, 'deterministic for a seed');
  assert.deepEqual(randomFeeds(m, { shapes: { x: [2, 4] } }).x!.dims, [2, 4]);
});

test('randomFeeds: names that match no dimension or input, and unknown options, are errors in library terms', () => {
  assert.throws(() => randomFeeds(m, { dims: { sequence: 2 } }), /dims names "sequence", which is neither a symbolic dimension \(batch\) nor an input/);
  assert.throws(() => randomFeeds(m, { shapes: { z: [1] } }), /shapes names "z", which is not a model input \(inputs: x, h, n\)/);
  assert.throws(() => randomFeeds(m, { batch: 1 } as never), /unknown option "batch"/);
  assert.doesNotThrow(() => randomFeeds(m));
});
