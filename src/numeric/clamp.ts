/**
 * The clipping of onnxconverter-common's `convert_np_to_float16`, with counts instead of
 * warnings. With lo = minPositiveVal and hi = maxFiniteVal (both as float32), comparisons strict:
 *   x in (0, lo) -> lo,  x in (-lo, 0) -> -lo,  x in (hi, inf) -> hi,  x in (-inf, -hi) -> -hi;
 * 0, -0, NaN and +-inf are unchanged. The statistics also count what float16 cannot hold.
 */

export interface ClampBounds {
  /** Positive values below this (as float32) become it; negatives above its negation become -it. */
  readonly minPositiveVal: number;
  /** Finite values above this (as float32) become it; below its negation become -it. */
  readonly maxFiniteVal: number;
}

/** What a float32 tensor holds, as far as a conversion cares. */
export interface Float32Stats {
  readonly count: number;
  /** Values moved up to minPositiveVal (or down to -minPositiveVal). */
  readonly clampedSmall: number;
  /** Finite values moved down to maxFiniteVal (or up to -maxFiniteVal). */
  readonly clampedLarge: number;
  /** Finite values beyond +-65504, which float16 cannot hold (infinity after conversion without clipping). */
  readonly beyondFloat16: number;
  /** Largest finite magnitude. */
  readonly maxAbs: number;
  readonly nonFinite: number;
}

/** Accumulates statistics chunk by chunk. */
export class Float32StatsAccumulator {
  count = 0;
  clampedSmall = 0;
  clampedLarge = 0;
  beyondFloat16 = 0;
  nonFinite = 0;
  #maxAbsBits = 0;
  readonly #lo: number;
  readonly #hi: number;

  constructor(bounds: ClampBounds | undefined) {
    const { lo, hi } = clampBits(bounds);
    this.#lo = lo;
    this.#hi = hi;
  }

  /** Adds float32 values given as bit patterns (comparisons of magnitudes on bits are exact and fast). */
  add(bits: Uint32Array): void {
    // Fast path: the extreme magnitudes alone show whether anything needs counting.
    let max = 0;
    let minNonZero = 0xffffffff;
    for (let i = 0; i < bits.length; i++) {
      const a = bits[i]! & 0x7fffffff;
      if (a > max) max = a;
      if (a < minNonZero && a !== 0) minNonZero = a;
    }
    const nothingToCount = max < 0x7f800000 && max <= this.#hi && max <= FLOAT16_MAX_BITS && minNonZero >= this.#lo;
    if (nothingToCount) this.addCounts({ count: bits.length, clampedSmall: 0, clampedLarge: 0, beyondFloat16: 0, nonFinite: 0, maxAbsBits: max });
    else this.addCounts(countFloat32(bits, this.#lo, this.#hi));
  }

  /** Adds the counts of a chunk counted elsewhere (the SIMD kernel) under the same bounds. */
  addCounts(counts: Float32Counts): void {
    this.count += counts.count;
    this.clampedSmall += counts.clampedSmall;
    this.clampedLarge += counts.clampedLarge;
    this.beyondFloat16 += counts.beyondFloat16;
    this.nonFinite += counts.nonFinite;
    if (counts.maxAbsBits > this.#maxAbsBits) this.#maxAbsBits = counts.maxAbsBits;
  }

  result(): Float32Stats {
    const { count, clampedSmall, clampedLarge, beyondFloat16, nonFinite } = this;
    return { count, clampedSmall, clampedLarge, beyondFloat16, maxAbs: bitsToFloat(this.#maxAbsBits), nonFinite };
  }
}

/** What one pass over a chunk counts, for Float32StatsAccumulator.addCounts. */
export interface Float32Counts {
  readonly count: number;
  readonly clampedSmall: number;
  readonly clampedLarge: number;
  readonly beyondFloat16: number;
  readonly nonFinite: number;
  /** The largest finite magnitude, as float32 bits (0 when there is none). */
  readonly maxAbsBits: number;
}

/** Counts one chunk of float32 bit patterns against the clamp bits `lo`, `hi` (the scalar kernel). */
export function countFloat32(bits: Uint32Array, lo: number, hi: number): Float32Counts {
  let small = 0;
  let large = 0;
  let beyond = 0;
  let nonFinite = 0;
  let maxAbs = 0;
  for (let i = 0; i < bits.length; i++) {
    const a = bits[i]! & 0x7fffffff;
    if (a >= 0x7f800000) {
      nonFinite++;
      continue;
    }
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < lo) small++;
    else if (a > hi) large++;
    if (a > FLOAT16_MAX_BITS) beyond++;
  }
  return { count: bits.length, clampedSmall: small, clampedLarge: large, beyondFloat16: beyond, nonFinite, maxAbsBits: maxAbs };
}

/** 65504, the largest finite float16, as float32 bits. */
const FLOAT16_MAX_BITS = 0x477fe000;

const scratch32 = new Float32Array(1);
const scratchBits = new Uint32Array(scratch32.buffer);

function floatToBits(x: number): number {
  scratch32[0] = x;
  return scratchBits[0]!;
}

function bitsToFloat(bits: number): number {
  scratchBits[0] = bits;
  return scratch32[0]!;
}

/**
 * The clamp bounds as float32 magnitude bits: |x| in (0, lo) is raised to lo, |x| in (hi, inf)
 * lowered to hi. Without bounds, lo = 0 and hi = the infinity bits (nothing changes).
 */
export function clampBits(bounds: ClampBounds | undefined): { lo: number; hi: number } {
  if (!bounds) return { lo: 0, hi: 0x7f800000 };
  return { lo: floatToBits(Math.fround(bounds.minPositiveVal)), hi: Math.min(floatToBits(Math.fround(bounds.maxFiniteVal)), 0x7f800000) };
}

/** Clamps `values` in place; returns how many changed. */
export function clampFloat32(values: Float32Array, bounds: ClampBounds): number {
  const lo = Math.fround(bounds.minPositiveVal);
  const hi = Math.fround(bounds.maxFiniteVal);
  let changed = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x > 0) {
      if (x < lo) {
        values[i] = lo;
        changed++;
      } else if (x > hi && x !== Infinity) {
        values[i] = hi;
        changed++;
      }
    } else if (x < 0) {
      if (x > -lo) {
        values[i] = -lo;
        changed++;
      } else if (x < -hi && x !== -Infinity) {
        values[i] = -hi;
        changed++;
      }
    }
  }
  return changed;
}
