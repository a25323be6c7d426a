/**
 * When a mixed-precision attempt is good enough: onnxconverter-common's rules exactly. With only
 * atol given, rtol is 1e-5; with only rtol, atol is 1e-8; with neither and no validateFn, it is an
 * error. validateFn (if given) and numpy.allclose on every output pair (if a tolerance is set)
 * must both accept; NaN never equals NaN.
 */
import { OptionsError } from '../errors.js';
import { fromFloat16 } from '../numeric/float16-array.js';
import type { TensorLike } from '../runtime/runtime.js';

/** Receives the float32 outputs and the attempt's outputs, in graph output order. */
export type ValidateFn = (expected: TensorLike[], actual: TensorLike[]) => boolean | Promise<boolean>;

export interface Validation {
  readonly rtol: number | undefined;
  readonly atol: number | undefined;
  readonly validateFn: ValidateFn | undefined;
}

export function resolveValidation(options: { rtol?: number | undefined; atol?: number | undefined; validateFn?: ValidateFn | undefined }): Validation {
  let { rtol, atol } = options;
  const { validateFn } = options;
  if (atol !== undefined && rtol === undefined) rtol = 1e-5;
  if (rtol !== undefined && atol === undefined) atol = 1e-8;
  if (rtol === undefined && validateFn === undefined) throw new OptionsError('give rtol/atol, validateFn, or both: nothing says when an attempt is good enough');
  for (const [name, value] of [['rtol', rtol], ['atol', atol]] as const) {
    if (value !== undefined && !(value >= 0)) throw new OptionsError(`${name} must be a non-negative number, got ${value}`);
  }
  return { rtol, atol, validateFn };
}

/** Whether `actual` passes against `expected`. */
export async function validateOutputs(expected: TensorLike[], actual: TensorLike[], validation: Validation): Promise<boolean> {
  if (validation.validateFn && !(await validation.validateFn(expected, actual))) return false;
  if (validation.rtol === undefined) return true;
  const pairs = Math.min(expected.length, actual.length); // as Python's zip
  for (let i = 0; i < pairs; i++) if (!allClose(expected[i]!, actual[i]!, validation.rtol, validation.atol ?? 0)) return false;
  return true;
}

/** numpy.allclose(a, b): |a - b| <= atol + rtol * |b| elementwise; equal infinities match; NaN never does. */
export function allClose(a: TensorLike, b: TensorLike, rtol: number, atol: number): boolean {
  const x = numbers(a);
  const y = numbers(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    // numpy.isclose: non-finite values match only themselves (inf == inf); NaN never.
    if (!Number.isFinite(p) || !Number.isFinite(q)) return false;
    if (!(Math.abs(p - q) <= atol + rtol * Math.abs(q))) return false;
  }
  return true;
}

/** A tensor's values as numbers (float16 widened exactly, int64 converted). */
export function numbers(tensor: TensorLike): ArrayLike<number> {
  const data = tensor.data;
  // Bit patterns or, from onnxruntime on engines that have one, a Float16Array.
  if (tensor.type === 'float16') return fromFloat16(data as Uint16Array);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  if (Array.isArray(data)) return data.map(Number);
  return data as unknown as ArrayLike<number>;
}

/** Whether any value is NaN (a float32 reference with NaN cannot validate against itself). */
export function hasNaN(tensor: TensorLike): boolean {
  const values = numbers(tensor);
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}
