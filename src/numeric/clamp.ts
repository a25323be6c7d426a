/**
 * The clipping of onnxconverter-common's `convert_np_to_float16`, with counts instead of
 * warnings. With lo = minPositiveVal and hi = maxFiniteVal (both as float32), comparisons strict:
 *   x in (0, lo) -> lo,  x in (-lo, 0) -> -lo,  x in (hi, inf) -> hi,  x in (-inf, -hi) -> -hi;
 * 0, -0, NaN and +-inf are unchanged. `scanFloat32` also measures what float16 cannot hold.
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
  maxAbs = 0;
  nonFinite = 0;
  readonly #lo: number;
  readonly #hi: number;

  constructor(bounds: ClampBounds | undefined) {
    this.#lo = bounds ? Math.fround(bounds.minPositiveVal) : 0;
    this.#hi = bounds ? Math.fround(bounds.maxFiniteVal) : Infinity;
  }

  add(values: Float32Array): void {
    const lo = this.#lo;
    const hi = this.#hi;
    let small = 0;
    let large = 0;
    let beyond = 0;
    let nonFinite = 0;
    let maxAbs = this.maxAbs;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      const a = x < 0 ? -x : x;
      if (a === Infinity || a !== a) {
        nonFinite++;
        continue;
      }
      if (a > maxAbs) maxAbs = a;
      if (a > 0 && a < lo) small++;
      else if (a > hi) large++;
      if (a > 65504) beyond++;
    }
    this.count += values.length;
    this.clampedSmall += small;
    this.clampedLarge += large;
    this.beyondFloat16 += beyond;
    this.nonFinite += nonFinite;
    this.maxAbs = maxAbs;
  }

  result(): Float32Stats {
    const { count, clampedSmall, clampedLarge, beyondFloat16, maxAbs, nonFinite } = this;
    return { count, clampedSmall, clampedLarge, beyondFloat16, maxAbs, nonFinite };
  }
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
