import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnxruntimeAdapter, type OnnxruntimeModule } from './onnxruntime-adapter.js';
import type { TensorLike } from './runtime.js';

/** A stand-in for onnxruntime-common: records what the adapter asks of it; "runs" by doubling x. */
function fakeOrt() {
  const log: { created: Record<string, unknown>[]; fetches: (readonly string[] | undefined)[]; released: number } = { created: [], fetches: [], released: 0 };
  class Tensor implements TensorLike {
    constructor(
      readonly type: string,
      readonly data: Float32Array,
      readonly dims: readonly number[],
    ) {}
  }
  const ort: OnnxruntimeModule = {
    Tensor: Tensor as unknown as OnnxruntimeModule['Tensor'],
    InferenceSession: {
      async create(_model: Uint8Array, options: Record<string, unknown> = {}) {
        log.created.push(options);
        return {
          outputNames: ['y', 'z'],
          async run(feeds: Record<string, TensorLike>, fetches?: readonly string[]) {
            log.fetches.push(fetches);
            assert.ok(feeds.x instanceof Tensor, 'feeds are passed as the module\'s own Tensor objects');
            const x = feeds.x!.data as Float32Array;
            return { y: new Tensor('float32', x.map((v) => v * 2), feeds.x!.dims), z: new Tensor('float32', x, feeds.x!.dims) };
          },
          async release() {
            log.released++;
          },
        };
      },
    },
  };
  return { ort, log };
}

const x = { type: 'float32', data: Float32Array.of(1, 2), dims: [2] };

test('run loads, runs every output, returns plain tensors, and releases the session', async () => {
  const { ort, log } = fakeOrt();
  const runtime = onnxruntimeAdapter(ort, { executionProviders: ['cuda'], sessionOptions: { logSeverityLevel: 3 } });
  assert.equal(runtime.name, 'onnxruntime (cuda)');
  const out = await runtime.run(new Uint8Array(), { x });
  assert.deepEqual(Object.keys(out), ['y', 'z']);
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [2, 4]);
  assert.equal(Object.getPrototypeOf(out.y), Object.prototype, 'outputs are plain objects, not runtime tensors');
  assert.deepEqual(log.created, [{ logSeverityLevel: 3, executionProviders: ['cuda'] }]);
  assert.deepEqual(log.fetches, [['y', 'z']]);
  assert.equal(log.released, 1);
});

test('a loaded session serves many runs, fetches named outputs, and skips optimizations when asked', async () => {
  const { ort, log } = fakeOrt();
  const runtime = onnxruntimeAdapter(ort);
  const session = await runtime.load!(new Uint8Array(), { optimize: false });
  await session.run({ x });
  const only = await session.run({ x }, ['z']);
  assert.deepEqual(log.created, [{ graphOptimizationLevel: 'disabled' }]);
  assert.deepEqual(log.fetches, [['y', 'z'], ['z']]);
  assert.ok(only.z);
  await session.release();
  assert.equal(log.released, 1);
});

test('the session is released even when a run fails', async () => {
  const { ort, log } = fakeOrt();
  const runtime = onnxruntimeAdapter(ort, { name: 'test runtime' });
  await assert.rejects(runtime.run(new Uint8Array(), {}), /Cannot read properties of undefined|feeds are passed/);
  assert.equal(log.released, 1);
  assert.equal(runtime.name, 'test runtime');
});
