import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../errors.js';
import { npyFile } from '../../test/numpy-files.js';
import { parseNpy, parseNpyHeader } from './npy.js';

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

test('a float32 array reads with its shape; a 1-element tuple and a scalar too', () => {
  const t = parseNpy(npyFile('<f4', '2, 2', bytesOf(Float32Array.of(1, 2, 3, 4))), 'x.npy');
  assert.deepEqual([t.type, t.dims, Array.from(t.data as Float32Array)], ['float32', [2, 2], [1, 2, 3, 4]]);
  assert.deepEqual(parseNpy(npyFile('<i8', '3,', bytesOf(BigInt64Array.of(1n, 2n, 3n))), 'i.npy').dims, [3]);
  const scalar = parseNpy(npyFile('<f8', '', bytesOf(Float64Array.of(0.5))), 's.npy');
  assert.deepEqual([scalar.type, scalar.dims, Array.from(scalar.data as Float64Array)], ['float64', [], [0.5]]);
});

test('float16 arrays stay bit patterns; the header says where the data starts and how long it is', () => {
  const file = npyFile('<f2', '2', bytesOf(Uint16Array.of(0x3c00, 0x7bff)));
  const header = parseNpyHeader(file, 'h.npy');
  assert.equal(header.dataStart, file.length - 4);
  assert.equal(header.dataStart % 64, 0, 'numpy aligns the data to 64 bytes');
  assert.equal(header.dataBytes, 4);
  assert.deepEqual(Array.from(parseNpy(file, 'h.npy').data as Uint16Array), [0x3c00, 0x7bff]);
});

test('bad files are refused with one line naming the file: not .npy, pickles, Fortran order, short data, unknown types', () => {
  const refuse = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(() => parseNpy(bytes, 'f.npy'), (e) => e instanceof OptionsError && pattern.test(e.message) && !e.message.includes('\n'));
  refuse(new TextEncoder().encode('hello, this is text'), /^f\.npy: not a \.npy file$/);
  refuse(npyFile('|O', '1', new Uint8Array(8)), /^f\.npy: the \.npy array holds Python objects \(a pickle\)/);
  refuse(npyFile('<f4', '2', new Uint8Array(8), { fortran: true }), /^f\.npy: Fortran-ordered/);
  refuse(npyFile('<f4', '1000', new Uint8Array(8)), /^f\.npy: the \.npy header declares shape \(1000\) of float32, 4000 bytes, but the file holds 8$/);
  refuse(npyFile('<c8', '1', new Uint8Array(8)), /^f\.npy: \.npy element type <c8 is not supported$/);
});
