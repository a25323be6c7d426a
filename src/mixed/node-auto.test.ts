/**
 * The Node entry's mixed precision on a provider: the final conversion targets that provider's
 * kernels unless the caller names a runtime.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertOptionsForProvider } from './node-auto.js';

test('a search on CUDA, DirectML or WebGPU converts for that runtime unless convertOptions names one', () => {
  assert.deepEqual(convertOptionsForProvider('cuda', undefined), { runtime: 'ort-cuda' });
  assert.deepEqual(convertOptionsForProvider('dml', { maxFiniteVal: 65504 }), { maxFiniteVal: 65504, runtime: 'ort-dml' });
  assert.deepEqual(convertOptionsForProvider('webgpu', {}), { runtime: 'ort-webgpu' });
  assert.deepEqual(convertOptionsForProvider('cuda', { runtime: 'none' }), { runtime: 'none' }, 'an explicit runtime stays');
});

test('on the CPU, or a provider with no kernel table, the conversion options stay as given', () => {
  for (const provider of [undefined, 'cpu', 'tensorrt', 'toString']) {
    assert.equal(convertOptionsForProvider(provider, undefined), undefined);
    const given = { maxFiniteVal: 1e4 };
    assert.equal(convertOptionsForProvider(provider, given), given);
  }
});
