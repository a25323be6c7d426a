/**
 * float32 -> float16 exactly as numpy's `npy_floatbits_to_halfbits` (which onnxconverter-common
 * relies on): round to nearest, ties to even; subnormals kept; overflow to infinity; NaN keeps its
 * sign and the top 10 payload bits, with a zero payload forced to 1 so it stays a NaN. Works on
 * bit patterns (Uint32Array -> Uint16Array), never on JS numbers, so NaN payloads and -0 survive.
 */

/** The float16 bit pattern of the float32 with bit pattern `bits`. */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const a = bits & 0x7fffffff;
  if (a >= 0x38800000 && a < 0x47800000) {
    // Normal range: rebias the exponent, then round on the 13 dropped bits (a carry may reach infinity).
    return sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
  }
  if (a < 0x38800000) {
    if (a < 0x33000000) return sign; // below half the smallest subnormal: rounds to zero
    const shift = 126 - (a >>> 23);
    const mantissa = (a & 0x7fffff) | 0x800000;
    return sign | ((mantissa + ((1 << (shift - 1)) - 1) + ((mantissa >>> shift) & 1)) >>> shift);
  }
  if (a > 0x7f800000) {
    const nan = 0x7c00 | ((a & 0x7fffff) >>> 13);
    return sign | (nan === 0x7c00 ? 0x7c01 : nan);
  }
  return sign | 0x7c00; // overflow and infinity
}

/** The float32 bit pattern of a float16 bit pattern (exact). */
export function float16BitsToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal: normalise the mantissa.
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * Converts `source.length` float32 bit patterns into `target` (same length). With clamp bits
 * (see clampBits), magnitudes in (0, lo) become lo and finite ones above hi become hi first,
 * exactly as clipping the float32 values would.
 */
export function convertFloat32ToFloat16(source: Uint32Array, target: Uint16Array, lo = 0, hi = 0x7f800000): void {
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const bits = source[i]!;
    const sign = (bits >>> 16) & 0x8000;
    let a = bits & 0x7fffffff;
    if (a !== 0 && a < lo) a = lo;
    else if (a > hi && a < 0x7f800000) a = hi;
    let h: number;
    if (a >= 0x38800000 && a < 0x47800000) h = (a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13;
    else if (a < 0x38800000) {
      if (a < 0x33000000) h = 0;
      else {
        const shift = 126 - (a >>> 23);
        const mantissa = (a & 0x7fffff) | 0x800000;
        h = (mantissa + ((1 << (shift - 1)) - 1) + ((mantissa >>> shift) & 1)) >>> shift;
      }
    } else if (a > 0x7f800000) {
      h = 0x7c00 | ((a & 0x7fffff) >>> 13);
      if (h === 0x7c00) h = 0x7c01;
    } else h = 0x7c00;
    target[i] = sign | h;
  }
}

/** The largest finite float16 value. */
export const FLOAT16_MAX = 65504;
