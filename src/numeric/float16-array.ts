/**
 * Float16 values in typed arrays, as users hold them: `Uint16Array` bit patterns (every engine)
 * or `Float16Array` (engines that have it: recent browsers, Node 24+; not Node 20). onnxruntime
 * returns float16 outputs as `Float16Array` where the engine has one, so everything here reads
 * either form through its bits. The conversions are the library's own kernels, bit for bit.
 */
import { convertFloat32ToFloat16, float16BitsToFloat32Bits } from './float16.js';

/** The part of a `Float16Array` used here (the TypeScript target predates its declaration). */
export interface Float16ArrayLike extends ArrayBufferView {
  readonly length: number;
  readonly [Symbol.toStringTag]: string;
}

type Float16ArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Float16ArrayLike;

/** The engine's Float16Array constructor, or undefined where it has none. */
export function float16ArrayConstructor(): Float16ArrayConstructor | undefined {
  const candidate = (globalThis as { Float16Array?: unknown }).Float16Array;
  return typeof candidate === 'function' ? (candidate as Float16ArrayConstructor) : undefined;
}

/** Whether `data` is a Float16Array (false everywhere the engine has none). */
export function isFloat16Array(data: unknown): data is Float16ArrayLike {
  return ArrayBuffer.isView(data) && (data as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'Float16Array';
}

/** The bit patterns of float16 data, a Uint16Array as given or a view over a Float16Array's bytes (no copy). */
export function float16Bits(data: ArrayBufferView): Uint16Array {
  if (data instanceof Uint16Array) return data;
  if (isFloat16Array(data)) return new Uint16Array(data.buffer, data.byteOffset, data.length);
  throw new TypeError(`float16 data must be a Uint16Array of bit patterns or a Float16Array, got ${data.constructor.name}`);
}

export interface ToFloat16Options {
  /** "bits" (default): a Uint16Array of bit patterns; "Float16Array": the engine's Float16Array (an error where it has none). */
  as?: 'bits' | 'Float16Array';
}

/**
 * Rounds float32 values to float16 (to nearest, ties to even; beyond 65504 to infinity), as the
 * conversion rounds weights. Returns bit patterns, or a Float16Array over them when asked.
 */
export function toFloat16(values: Float32Array | readonly number[], options?: { as?: 'bits' }): Uint16Array;
export function toFloat16(values: Float32Array | readonly number[], options: { as: 'Float16Array' }): Float16ArrayLike;
export function toFloat16(values: Float32Array | readonly number[], options: ToFloat16Options = {}): Uint16Array | Float16ArrayLike {
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  const bits = new Uint16Array(floats.length);
  convertFloat32ToFloat16(new Uint32Array(floats.buffer, floats.byteOffset, floats.length), bits);
  if ((options.as ?? 'bits') === 'bits') return bits;
  if (options.as !== 'Float16Array') throw new TypeError(`toFloat16: "as" must be "bits" or "Float16Array", got "${String(options.as)}"`);
  const Float16 = float16ArrayConstructor();
  if (!Float16) throw new TypeError('toFloat16: this JavaScript engine has no Float16Array; ask for bits (a Uint16Array)');
  return new Float16(bits.buffer, 0, bits.length);
}

/** The exact float32 values of float16 data (Uint16Array bit patterns or a Float16Array). */
export function fromFloat16(values: Uint16Array | Float16ArrayLike): Float32Array {
  const bits = float16Bits(values);
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = float16BitsToFloat32Bits(bits[i]!);
  return out;
}
