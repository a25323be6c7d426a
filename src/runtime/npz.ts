/**
 * The entries of a .npz archive (numpy's savez / savez_compressed: a zip of .npy files, stored
 * or deflated), read from the zip's central directory with every offset checked against the
 * file. Inflating is left to the caller: Node inflates synchronously with a size bound, the
 * browser through DecompressionStream.
 */

export interface NpzEntry {
  /** The entry's name in the archive (`x.npy`, `arr_0.npy`). */
  readonly name: string;
  /** 0: stored, 8: deflated (others are refused by the caller). */
  readonly method: number;
  /** The size the entry declares once inflated. */
  readonly uncompressedSize: number;
  /** The entry's bytes as stored (compressed when method is 8). */
  readonly stored: Uint8Array;
}

/** Why bytes are no .npz: `notZip` when no zip directory is found at all, else `damaged`. */
export class NpzFormatError extends Error {
  constructor(
    readonly kind: 'notZip' | 'damaged',
    message: string,
  ) {
    super(message);
    this.name = 'NpzFormatError';
  }
}

/** The archive's entries in directory order; throws NpzFormatError where the bytes are no readable zip. */
export function npzEntries(bytes: Uint8Array): NpzEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (why: string) => new NpzFormatError('damaged', why);
  // The central directory's end record: the last "PK\5\6" in the file.
  let end = -1;
  for (let i = bytes.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new NpzFormatError('notZip', 'no zip central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries: NpzEntry[] = [];
  for (let e = 0; e < count; e++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw damaged(`central directory entry ${e} is out of place`);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > bytes.length) throw damaged(`central directory entry ${e} runs past the end of the file`);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || local === 0xffffffff) throw damaged(`entry ${name} is in zip64 form, which is not supported`);
    if (local + 30 > bytes.length) throw damaged(`entry ${name} points past the end of the file`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + compressedSize > bytes.length) throw damaged(`entry ${name} runs past the end of the file`);
    entries.push({ name, method, uncompressedSize, stored: bytes.subarray(dataStart, dataStart + compressedSize) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
