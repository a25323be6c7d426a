/**
 * Writing the numpy files feeds come in, for tests and the fuzzer: a version-1 `.npy` (header
 * padded so the data starts on a 64-byte boundary, as numpy writes it) and a one-entry `.npz`
 * (a zip, stored or deflated), with ways to make them lie.
 */
import { deflateRawSync } from 'node:zlib';

/** A `.npy` file: `shape` as numbers, or as the tuple's text ("2, 2", "3,", "" for a scalar). */
export function npyFile(descr: string, shape: readonly number[] | string, data: Uint8Array, options: { fortran?: boolean } = {}): Uint8Array {
  const tuple = typeof shape === 'string' ? shape : `${shape.join(', ')}${shape.length === 1 ? ',' : ''}`;
  let header = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': (${tuple}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

export interface ZipOptions {
  /** Deflate the entry (method 8) instead of storing it (method 0). */
  deflate?: boolean;
  /** The uncompressed size the central directory claims (default: the true size). */
  declaredSize?: number;
}

/** A zip (an `.npz`) holding one entry `name`. */
export function zipFile(name: string, content: Uint8Array, options: ZipOptions = {}): Uint8Array {
  return zipArchive([{ name, content, ...options }]);
}

/** A zip of several entries, in order: local headers and data, then the central directory and its end record. */
export function zipArchive(entries: readonly ({ name: string; content: Uint8Array } & ZipOptions)[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const directory: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const method = entry.deflate ? 8 : 0;
    const stored = entry.deflate ? new Uint8Array(deflateRawSync(entry.content)) : entry.content;
    const nameBytes = new TextEncoder().encode(entry.name);
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, method, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, entry.content.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const central = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, method, true);
    cv.setUint32(20, stored.length, true);
    cv.setUint32(24, (entry.declaredSize ?? entry.content.length) >>> 0, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    central.set(nameBytes, 46);
    parts.push(local, stored);
    directory.push(central);
    offset += local.length + stored.length;
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directory.reduce((n, d) => n + d.length, 0), true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...directory, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of all) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
