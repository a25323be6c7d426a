/**
 * Tensor payloads that live outside the decoded message: bytes still in the model file (lazy
 * `raw_data`), in an external data file, or computed on demand. A side table maps each
 * TensorProto to its payload, so the public type stays a plain `TensorProto` while the encoder
 * and `saveModel` stream payloads instead of holding them in memory.
 *
 * A tensor whose `raw_data` is lazy keeps a `rawData` accessor: reading it loads the bytes
 * (synchronously, so only from a source that can), assigning it replaces the payload.
 */
import type { TensorProto } from './onnx.js';

/** Bytes that can be read in ranges, without holding them all in memory. */
export interface TensorPayload {
  /** Total number of bytes. */
  readonly byteLength: number;
  /** Human-readable origin for error messages, e.g. `model.onnx bytes 1024..5120`. */
  readonly origin: string;
  /** Copies bytes `[offset, offset + target.length)` into `target`. Absent for async-only sources (browser Blob). */
  readSync?(offset: number, target: Uint8Array): void;
  /** Copies bytes `[offset, offset + target.length)` into `target`. */
  read(offset: number, target: Uint8Array): Promise<void>;
  /**
   * Passes every byte, in order, to `sink` as views valid only during each call (a computed payload
   * hands out its scratch memory, so a writer takes the bytes without another copy). Optional.
   */
  streamSync?(sink: (bytes: Uint8Array) => void): void;
  /** The bytes as a Blob, where they are one (browser files): written as they are, never read. */
  readonly blob?: Blob;
}

/** How a payload is attached to its tensor: as its `raw_data`, or as the data its `external_data` names. */
export type PayloadPlacement = 'raw' | 'external';

interface Binding {
  readonly payload: TensorPayload;
  readonly placement: PayloadPlacement;
}

const bindings = new WeakMap<TensorProto, Binding>();

/** A payload over bytes already in memory. */
export function memoryPayload(bytes: Uint8Array, origin = 'memory'): TensorPayload {
  return {
    byteLength: bytes.byteLength,
    origin,
    readSync(offset, target) {
      target.set(bytes.subarray(offset, offset + target.byteLength));
    },
    async read(offset, target) {
      target.set(bytes.subarray(offset, offset + target.byteLength));
    },
  };
}

/**
 * Makes `tensor.rawData` lazy: the bytes come from `payload` when read. Assigning `rawData`
 * afterwards stores the new bytes and forgets the payload.
 */
export function bindLazyRawData(tensor: TensorProto, payload: TensorPayload): void {
  bindings.set(tensor, { payload, placement: 'raw' });
  Object.defineProperty(tensor, 'rawData', LAZY_RAW_DATA);
}

/** One accessor pair for every lazy tensor (a conversion binds one per weight): it finds the payload by `this`. */
const LAZY_RAW_DATA: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: TensorProto): Uint8Array {
    const bound = bindings.get(this);
    return bound ? readPayloadSync(bound.payload, this.name) : new Uint8Array(0);
  },
  set(this: TensorProto, value: Uint8Array) {
    Object.defineProperty(this, 'rawData', { value, writable: true, enumerable: true, configurable: true });
    bindings.delete(this);
  },
};

/** Records where the data of an external tensor (`data_location: EXTERNAL`) can be read. */
export function bindExternalData(tensor: TensorProto, payload: TensorPayload): void {
  bindings.set(tensor, { payload, placement: 'external' });
}

/** The payload bound to a tensor, if any, with how it is placed. */
export function tensorPayload(tensor: TensorProto): Binding | undefined {
  return bindings.get(tensor);
}

/**
 * The tensor's data bytes as one payload: its bound payload, or its in-memory `raw_data`.
 * Undefined for tensors whose data is in typed fields (`float_data`, ...) or absent.
 */
export function rawPayloadOf(tensor: TensorProto): TensorPayload | undefined {
  const bound = bindings.get(tensor);
  if (bound) return bound.payload;
  const raw = tensor.rawData;
  return raw.byteLength > 0 ? memoryPayload(raw, `tensor "${tensor.name}"`) : undefined;
}

/** Reads a whole payload synchronously into a fresh array; throws where the source is async-only. */
export function readPayloadSync(payload: TensorPayload, tensorName: string): Uint8Array<ArrayBuffer> {
  if (!payload.readSync) {
    throw new Error(`tensor "${tensorName}": its data (${payload.origin}) can only be read asynchronously; use readTensorData()`);
  }
  const bytes = new Uint8Array(payload.byteLength);
  payload.readSync(0, bytes);
  return bytes;
}

/** Reads a whole payload into a fresh array. */
export async function readPayload(payload: TensorPayload): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(payload.byteLength);
  if (payload.readSync) payload.readSync(0, bytes);
  else await payload.read(0, bytes);
  return bytes;
}

/**
 * The bytes of a tensor's raw data wherever they live (`raw_data`, lazy file range or external
 * file). Undefined when the tensor keeps its values in typed fields such as `float_data`.
 */
export async function readTensorData(tensor: TensorProto): Promise<Uint8Array | undefined> {
  const bound = bindings.get(tensor);
  if (bound) return readPayload(bound.payload);
  return tensor.rawData.byteLength > 0 ? tensor.rawData : undefined;
}

/** Gives `copy` the same payload binding as `original` (used when a tensor message is copied). */
export function copyPayloadBinding(original: TensorProto, copy: TensorProto): void {
  const bound = bindings.get(original);
  if (!bound) return;
  if (bound.placement === 'raw') bindLazyRawData(copy, bound.payload);
  else bindExternalData(copy, bound.payload);
}
