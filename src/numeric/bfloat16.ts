/**
 * float32 -> bfloat16: round to nearest, ties to even, on the upper 16 bits (as onnx's
 * `float32_to_bfloat16` and ml_dtypes). bfloat16 has float32's exponent range, so nothing
 * overflows that was finite... except values within half an ulp of FLT_MAX, which round to
 * infinity as in ml_dtypes. NaN stays NaN with its sign and top payload bits, quiet bit set
 * (onnx's helper returns the canonical 0x7FC0; we keep the sign and payload).
 */

export function float32BitsToBfloat16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32Bits(bits: number): number {
  return (bits << 16) >>> 0;
}

/** Converts `source.length` float32 bit patterns into `target` (same length), clamping as convertFloat32ToFloat16 does. */
export function convertFloat32ToBfloat16(source: Uint32Array, target: Uint16Array, lo = 0, hi = 0x7f800000): void {
  const n = source.length;
  for (let i = 0; i < n; i++) {
    let bits = source[i]!;
    const a = bits & 0x7fffffff;
    if (a !== 0 && a < lo) bits = ((bits & 0x80000000) | lo) >>> 0;
    else if (a > hi && a < 0x7f800000) bits = ((bits & 0x80000000) | hi) >>> 0;
    target[i] = (bits & 0x7fffffff) > 0x7f800000 ? ((bits >>> 16) | 0x0040) & 0xffff : ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
  }
}
