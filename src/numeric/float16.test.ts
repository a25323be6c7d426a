import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertFloat32ToBfloat16, float32BitsToBfloat16Bits } from './bfloat16.js';
import { clampBits, clampFloat32, Float32StatsAccumulator } from './clamp.js';
import { convertFloat32ToFloat16, float16BitsToFloat32Bits, float32BitsToFloat16Bits } from './float16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]!);
const valueOf = (bits: number) => ((u32[0] = bits), f32[0]!);

/**
 * An independent reference: exact rounding of the float32 value in double arithmetic, ties to
 * even, with numpy's NaN rule. Shares no code or bit tricks with the kernel.
 */
function referenceFloat16Bits(bits: number): number {
  const sign = bits & 0x80000000 ? 0x8000 : 0;
  const exponentBits = (bits >>> 23) & 0xff;
  const mantissaBits = bits & 0x7fffff;
  if (exponentBits === 0xff) {
    if (mantissaBits === 0) return sign | 0x7c00;
    const payload = mantissaBits >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 1 : payload);
  }
  const x = Math.abs(valueOf(bits));
  if (x === 0) return sign;
  // exponent of x, from its value
  let e = exponentBits === 0 ? -127 : exponentBits - 127;
  if (exponentBits === 0) while (2 ** (e + 1) <= x) e++;
  const e16 = Math.max(e, -14);
  const quantum = 2 ** (e16 - 10);
  const scaled = x / quantum; // exact: a power-of-two division
  let r = Math.floor(scaled);
  const rest = scaled - r;
  if (rest > 0.5 || (rest === 0.5 && r % 2 === 1)) r++;
  const value = r * quantum;
  if (value >= 65520) return sign | 0x7c00;
  if (value > 65504) return sign | 0x7c00;
  if (e16 === -14 && r < 1024) return sign | r;
  return sign | (((e16 + 15) << 10) + (r - 1024));
}

test('all 65,536 float16 values round-trip through float32', () => {
  for (let h = 0; h < 0x10000; h++) {
    assert.equal(float32BitsToFloat16Bits(float16BitsToFloat32Bits(h)), h, `0x${h.toString(16)}`);
  }
});

test('reference vectors: ties, subnormals, overflow, NaN payloads (anchors B1)', () => {
  const vectors: [number, number][] = [
    [0x3f801000, 0x3c00], // 1 + 2^-11: tie to even (down)
    [0x3f803000, 0x3c02], // 1 + 3*2^-11: tie to even (up)
    [0x3f802001, 0x3c01],
    [0x33000000, 0x0000], // 2^-25: subnormal tie to zero
    [0x33400000, 0x0001],
    [0x387fc000, 0x03ff], // largest subnormal
    [0x38800000, 0x0400], // smallest normal
    [0x477fefff, 0x7bff],
    [0x477ff000, 0x7c00], // 65520: tie rounds to infinity
    [0x7f7fffff, 0x7c00],
    [0x80000000, 0x8000],
    [0x7fc00000, 0x7e00],
    [0x7f800001, 0x7c01], // signalling NaN keeps a non-zero payload
    [0xffc00001, 0xfe00],
    [0xc2f70000, 0xd7b8],
    [0x7f800000, 0x7c00],
    [0xff800000, 0xfc00],
  ];
  for (const [input, expected] of vectors) {
    assert.equal(float32BitsToFloat16Bits(input), expected, `0x${input.toString(16)}`);
    const out = new Uint16Array(1);
    convertFloat32ToFloat16(Uint32Array.of(input), out);
    assert.equal(out[0], expected, `array kernel 0x${input.toString(16)}`);
  }
});

test('every tie class rounds to even: each exponent, mantissa even and odd, just below and above', () => {
  for (let exponent = 0x33; exponent <= 0x47; exponent++) {
    for (const high of [0x000000, 0x002000, 0x7fe000, 0x400000, 0x6000]) {
      for (const low of [0x0fff, 0x1000, 0x1001, 0x0800, 0x0c00, 0x1800]) {
        const bits = ((exponent << 24) | high | low) >>> 0;
        assert.equal(float32BitsToFloat16Bits(bits), referenceFloat16Bits(bits), `0x${bits.toString(16)}`);
      }
    }
  }
});

test('10^6 random float32 bit patterns match the independent reference', () => {
  let seed = 12345;
  const next = () => {
    // xorshift32: deterministic, covers every bit.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const n = 1_000_000;
  const source = new Uint32Array(n);
  for (let i = 0; i < n; i++) source[i] = next();
  const target = new Uint16Array(n);
  convertFloat32ToFloat16(source, target);
  let mismatches = 0;
  for (let i = 0; i < n; i++) if (target[i] !== referenceFloat16Bits(source[i]!)) mismatches++;
  assert.equal(mismatches, 0);
});

test('bfloat16 rounds to nearest even; NaN stays NaN with sign', () => {
  const vectors: [number, number][] = [
    [bitsOf(1), 0x3f80],
    [0x3f808000, 0x3f80], // tie, even stays
    [0x3f818000, 0x3f82], // tie, odd rounds up
    [0x3f808001, 0x3f81],
    [0x7f7fffff, 0x7f80], // FLT_MAX rounds to infinity
    [bitsOf(-2.5), 0xc020],
    [0x7f800001, 0x7fc0],
    [0xff800001, 0xffc0],
    [0x00000001, 0x0000], // smallest subnormal rounds to zero
    [0x00010000, 0x0001],
  ];
  for (const [input, expected] of vectors) {
    assert.equal(float32BitsToBfloat16Bits(input), expected, `0x${input.toString(16)}`);
    const out = new Uint16Array(1);
    convertFloat32ToBfloat16(Uint32Array.of(input), out);
    assert.equal(out[0], expected);
  }
});

test('clamping follows Python: strict bounds; 0, -0, NaN and infinities unchanged; exact counts', () => {
  const ocCC = { minPositiveVal: 1e-7, maxFiniteVal: 1e4 };
  const values = Float32Array.of(5e-8, -5e-8, 1e-7, 2e4, -2e4, 1e4, 0, -0, NaN, Infinity, -Infinity, 3);
  const stats = new Float32StatsAccumulator(ocCC);
  stats.add(new Uint32Array(values.slice().buffer));
  assert.deepEqual(stats.result(), { count: 12, clampedSmall: 2, clampedLarge: 2, beyondFloat16: 0, maxAbs: 2e4, nonFinite: 3 });
  assert.equal(clampFloat32(values, ocCC), 4);
  assert.deepEqual(Array.from(values.slice(0, 6)), [Math.fround(1e-7), -Math.fround(1e-7), Math.fround(1e-7), 1e4, -1e4, 1e4]);
  assert.ok(Object.is(values[7], -0));
  assert.ok(Number.isNaN(values[8]));
  assert.equal(values[9], Infinity);
  // After clipping, 1e-7 becomes float16 0x0002 and 1e4 exactly 0x70E2 (anchors B1).
  assert.equal(float32BitsToFloat16Bits(bitsOf(values[0]!)), 0x0002);
  assert.equal(float32BitsToFloat16Bits(bitsOf(values[3]!)), 0x70e2);
  // The fused kernel clamps on bits exactly as clampFloat32 + convert does.
  const raw = Float32Array.of(5e-8, -5e-8, 1e-7, 2e4, -2e4, 1e4, 0, -0, NaN, Infinity, -Infinity, 3);
  const fused = new Uint16Array(raw.length);
  const { lo, hi } = clampBits(ocCC);
  convertFloat32ToFloat16(new Uint32Array(raw.buffer), fused, lo, hi);
  const separate = new Uint16Array(raw.length);
  convertFloat32ToFloat16(new Uint32Array(values.buffer), separate);
  assert.deepEqual(fused, separate);
  // With onnxruntime's bounds, values beyond the float16 range are counted.
  const big = new Float32StatsAccumulator({ minPositiveVal: 5.96e-8, maxFiniteVal: 65504 });
  big.add(new Uint32Array(Float32Array.of(9.8e7, 65504, 65505, -70000).buffer));
  assert.equal(big.result().beyondFloat16, 3);
  assert.equal(big.result().clampedLarge, 3);
});
