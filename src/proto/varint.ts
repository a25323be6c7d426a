/**
 * Protobuf varints for tags and lengths, valid up to 2^53 (lengths of multi-GB payloads).
 * The encoder and the file scanner need only these; message bodies go through @bufbuild/protobuf.
 */

/** Number of bytes the varint encoding of `value` takes. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Encodes `value` as a varint into a fresh array. */
export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintSize(value));
  let i = 0;
  while (value >= 0x80) {
    out[i++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[i] = value;
  return out;
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** The header of a length-delimited field: tag then length. */
export function lengthDelimitedHeader(fieldNumber: number, length: number): Uint8Array {
  const tag = encodeVarint(fieldNumber * 8 + WIRE_LENGTH_DELIMITED);
  const len = encodeVarint(length);
  const out = new Uint8Array(tag.length + len.length);
  out.set(tag, 0);
  out.set(len, tag.length);
  return out;
}
