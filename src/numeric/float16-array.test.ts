import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float16BitsToFloat32Bits, float32BitsToFloat16Bits } from './float16.js';
import { float16ArrayConstructor, float16Bits, fromFloat16, isFloat16Array, toFloat16 } from './float16-array.js';

/** Values that exercise every rounding branch: ties, subnormals, overflow, infinities, NaN with payloads, -0. */
function awkwardFloats(): Float32Array {
  const bits = new Uint32Array([
    0x00000000, 0x80000000, 0x3f800000, 0x3f801000, 0x3f803000, 0x477fe000, 0x477ff000, 0x47800000, 0x7f800000, 0xff800000, 0x7fc00000,
    0x7f800001, 0xffa00000, 0x33000000, 0x33000001, 0x38800000, 0x387fffff, 0x00000001, 0xc7fff000,
  ]);
  let state = 12345;
  const random = new Uint32Array(2000);
  for (let i = 0; i < random.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    random[i] = state;
  }
  const all = new Uint32Array(bits.length + random.length);
  all.set(bits);
  all.set(random, bits.length);
  return new Float32Array(all.buffer);
}

test('toFloat16 gives the bit patterns of the scalar kernel, bit for bit (NaN payloads, -0, overflow, subnormals)', () => {
  const floats = awkwardFloats();
  const bits = toFloat16(floats);
  assert.ok(bits instanceof Uint16Array);
  const source = new Uint32Array(floats.buffer);
  for (let i = 0; i < floats.length; i++) assert.equal(bits[i], float32BitsToFloat16Bits(source[i]!), `element ${i} (bits 0x${source[i]!.toString(16)})`);
});

test('toFloat16 reads a plain number list and a Float32Array view at an offset', () => {
  assert.deepEqual([...toFloat16([1, 65504, 65520, -2.5])], [0x3c00, 0x7bff, 0x7c00, 0xc100]);
  const backing = new Float32Array([9, 1, 2]);
  assert.deepEqual([...toFloat16(backing.subarray(1))], [0x3c00, 0x4000]);
});

test('fromFloat16 widens every float16 bit pattern exactly as the kernel does', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const widened = new Uint32Array(fromFloat16(all).buffer);
  for (let i = 0; i < 65536; i++) {
    // NaN patterns may be canonicalised by a float store in some engines; compare them as NaN.
    const expected = float16BitsToFloat32Bits(i);
    if ((i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0) assert.ok(Number.isNaN(new Float32Array(new Uint32Array([widened[i]!]).buffer)[0]));
    else assert.equal(widened[i], expected, `pattern 0x${i.toString(16)}`);
  }
});

test('float16 round trip: toFloat16 then fromFloat16 is the identity on values float16 holds', () => {
  const values = new Float32Array([0, -0, 1, -1, 0.5, 65504, -65504, 2 ** -24, 6.103515625e-5, 1023.5]);
  assert.deepEqual([...fromFloat16(toFloat16(values))], [...values]);
});

test('float16Bits rejects data that is neither bit patterns nor a Float16Array, naming what it got', () => {
  assert.throws(() => float16Bits(new Float32Array(2)), /Uint16Array of bit patterns or a Float16Array, got Float32Array/);
  const bits = new Uint16Array([1, 2]);
  assert.equal(float16Bits(bits), bits);
});

const Float16 = float16ArrayConstructor();

test('without Float16Array (Node 20), asking toFloat16 for one is a clear error and nothing is taken for one', { skip: Float16 ? 'this engine has Float16Array' : false }, () => {
  assert.throws(() => toFloat16([1], { as: 'Float16Array' }), /no Float16Array; ask for bits/);
  assert.equal(isFloat16Array(new Uint16Array(1)), false);
});

test('with Float16Array, toFloat16 returns one over the same bits and every helper reads it', { skip: Float16 ? false : 'this JavaScript engine has no Float16Array (Node 20): the Float16Array path is untested here' }, () => {
  const floats = awkwardFloats();
  const array = toFloat16(floats, { as: 'Float16Array' });
  assert.ok(isFloat16Array(array));
  assert.deepEqual([...float16Bits(array)], [...toFloat16(floats)]);
  // The engine's own Float16Array, filled by the engine, reads back through the same bits.
  const native = new Float16!(new ArrayBuffer(8), 0, 4) as unknown as number[];
  [1, -2, 65504, 0.1].forEach((v, i) => (native[i] = v));
  assert.deepEqual([...fromFloat16(native as unknown as Uint16Array)], [1, -2, 65504, Math.fround(fromFloat16(toFloat16([0.1]))[0]!)]);
});
