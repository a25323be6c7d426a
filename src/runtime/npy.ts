/**
 * numpy's .npy format (version 1-3): a magic string, a header dict (descr, fortran_order, shape)
 * and the raw little-endian data. Read into a TensorLike; the core of `--feeds x.npy`.
 */
import type { TensorLike } from './runtime.js';

const DESCRS: Record<string, { type: string; array: { new (buffer: ArrayBuffer): ArrayBufferView }; bytes: number }> = {
  '<f4': { type: 'float32', array: Float32Array, bytes: 4 },
  '<f8': { type: 'float64', array: Float64Array, bytes: 8 },
  '<f2': { type: 'float16', array: Uint16Array, bytes: 2 },
  '<i8': { type: 'int64', array: BigInt64Array, bytes: 8 },
  '<i4': { type: 'int32', array: Int32Array, bytes: 4 },
  '<i2': { type: 'int16', array: Int16Array, bytes: 2 },
  '|i1': { type: 'int8', array: Int8Array, bytes: 1 },
  '<u8': { type: 'uint64', array: BigUint64Array, bytes: 8 },
  '<u4': { type: 'uint32', array: Uint32Array, bytes: 4 },
  '<u2': { type: 'uint16', array: Uint16Array, bytes: 2 },
  '|u1': { type: 'uint8', array: Uint8Array, bytes: 1 },
  '|b1': { type: 'bool', array: Uint8Array, bytes: 1 },
};

/** Parses a .npy file; `label` names it in errors. */
export function parseNpy(bytes: Uint8Array, label: string): TensorLike {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${label}: not a .npy file`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${label}: unreadable .npy header ${header.trim()}`);
  const layout = DESCRS[descr.replace('=', '<')];
  if (!layout) throw new Error(`${label}: .npy element type ${descr} is not supported`);
  if (fortran) throw new Error(`${label}: Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  const length = count * layout.bytes;
  if (start + length > bytes.length) throw new Error(`${label}: .npy data is truncated`);
  const copy = new ArrayBuffer(length);
  new Uint8Array(copy).set(bytes.subarray(start, start + length));
  return { type: layout.type, data: new layout.array(copy), dims };
}
