/**
 * numpy's .npy format (version 1-3): a magic string, a header dict (descr, fortran_order, shape)
 * and the raw little-endian data. Read into a TensorLike; the core of `--feeds x.npy`.
 */
import { OptionsError } from '../errors.js';
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

/** The header of a .npy file: element layout, shape, and where the data starts. */
export interface NpyHeader {
  readonly type: string;
  readonly dims: number[];
  readonly elementBytes: number;
  readonly dataStart: number;
  /** The bytes the data needs: elements x element size. */
  readonly dataBytes: number;
}

/** Reads and checks a .npy header; refuses pickled (object) arrays and shapes the file cannot hold. */
export function parseNpyHeader(bytes: Uint8Array, label: string): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new OptionsError(`${label}: not a .npy file`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new OptionsError(`${label}: .npy format version ${major} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new OptionsError(`${label}: .npy header is truncated`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLength > bytes.length) throw new OptionsError(`${label}: .npy header of ${headerLength} bytes runs past the end of the file`);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new OptionsError(`${label}: unreadable .npy header ${header.trim().slice(0, 200)}`);
  if (/^[|<>=]?O/.test(descr)) throw new OptionsError(`${label}: the .npy array holds Python objects (a pickle), which is refused: save a numeric array`);
  const layout = DESCRS[descr.replace('=', '<')];
  if (!layout) throw new OptionsError(`${label}: .npy element type ${descr} is not supported`);
  if (fortran) throw new OptionsError(`${label}: Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new OptionsError(`${label}: .npy shape (${shapeText}) is not a list of non-negative integers`);
  const dataBytes = dims.reduce((a, b) => a * b, 1) * layout.bytes;
  return { type: layout.type, dims, elementBytes: layout.bytes, dataStart: headerStart + headerLength, dataBytes };
}

/** Parses a .npy file; `label` names it in errors. */
export function parseNpy(bytes: Uint8Array, label: string): TensorLike {
  const header = parseNpyHeader(bytes, label);
  const layout = DESCRS[Object.keys(DESCRS).find((k) => DESCRS[k]!.type === header.type)!]!;
  const available = bytes.length - header.dataStart;
  if (header.dataBytes > available) {
    throw new OptionsError(`${label}: the .npy header declares shape (${header.dims.join(', ')}) of ${header.type}, ${header.dataBytes} bytes, but the file holds ${available}`);
  }
  const copy = new ArrayBuffer(header.dataBytes);
  new Uint8Array(copy).set(bytes.subarray(header.dataStart, header.dataStart + header.dataBytes));
  return { type: layout.type, data: new layout.array(copy), dims: header.dims };
}
