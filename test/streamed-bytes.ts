/**
 * A model's bytes as saveModel writes them, into memory: encoded parts as they are, payloads
 * streamed chunk by chunk where they can be (the read-once path) and read whole otherwise.
 */
import { encodeModelParts } from '../src/proto/codec.js';
import type { ModelProto } from '../src/proto/onnx.js';

export function streamedBytes(model: ModelProto): Uint8Array {
  const { parts, byteLength } = encodeModelParts(model);
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const part of parts) {
    if (part instanceof Uint8Array) out.set(part, at);
    else if (part.streamSync) {
      let offset = at;
      part.streamSync((chunk) => {
        out.set(chunk, offset);
        offset += chunk.byteLength;
      });
    } else part.readSync!(0, out.subarray(at, at + part.byteLength));
    at += part.byteLength;
  }
  return out;
}
