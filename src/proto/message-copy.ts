/**
 * Copy-on-write for protobuf messages: the library never mutates a caller's message, it copies
 * the one message it changes and shares everything else.
 */
import type { TensorProto } from './onnx.js';
import { copyPayloadBinding } from './payload.js';

/**
 * A shallow copy of a message with some fields replaced. Own properties are copied with their
 * descriptors (so presence and lazy accessors survive); fields whose value did not change, or
 * is undefined, are left as they were.
 */
export function withFields<T extends object>(message: T, fields: Partial<T>): T {
  const copy = Object.create(Object.getPrototypeOf(message) as object) as T;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(message));
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== (message as Record<string, unknown>)[key]) {
      Object.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  if ((message as { $typeName?: string }).$typeName === 'onnx.TensorProto') {
    copyPayloadBinding(message as unknown as TensorProto, copy as unknown as TensorProto);
  }
  return copy;
}
