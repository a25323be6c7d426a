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
  const isTensor = (message as { $typeName?: string }).$typeName === 'onnx.TensorProto';
  const copy = Object.create(Object.getPrototypeOf(message) as object) as Record<string, unknown>;
  if (isTensor) {
    // Descriptors, not values: a lazy raw_data accessor must not be read here.
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(message));
  } else {
    for (const key of Object.keys(message)) copy[key] = (message as Record<string, unknown>)[key];
  }
  for (const key in fields) {
    const value = (fields as Record<string, unknown>)[key];
    if (value === undefined || value === (message as Record<string, unknown>)[key]) continue;
    // A tensor's field may be an accessor (lazy raw_data): replace it. Other copies hold plain fields, set faster.
    if (isTensor) Object.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true });
    else copy[key] = value;
  }
  if (isTensor) copyPayloadBinding(message as unknown as TensorProto, copy as unknown as TensorProto);
  return copy as T;
}
