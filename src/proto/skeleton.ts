/**
 * Decodes a model's structure from a random-access source without reading its large tensor
 * payloads. The scanner walks only the message types that can hold tensors; every `raw_data`
 * of at least `lazyThreshold` bytes is skipped, replaced in the rebuilt "skeleton" by a
 * placeholder, and after decoding its tensor is bound to a payload over the original byte range.
 * Messages smaller than the threshold cannot hold such a payload and are copied whole.
 */
import { OnnxFormatError } from '../errors.js';
import { decodeModelStructure, MAX_MESSAGE_DEPTH, tooDeepMessage } from './codec.js';
import type { ModelProto, TensorProto } from './onnx.js';
import { bindLazyRawData, type TensorPayload } from './payload.js';
import { assertTensorSizes } from './tensor-sizes.js';
import { forEachTensor } from './tensor-walk.js';
import { encodeVarint, lengthDelimitedHeader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './varint.js';

/** A source of bytes read by position, synchronously (a file descriptor, or memory). */
export interface RandomAccessSource {
  readonly byteLength: number;
  /** A label for messages: the file's path. */
  readonly label: string;
  /** Fills `target` with the bytes at `position`; throws if fewer are available. */
  readSync(position: number, target: Uint8Array): void;
  /** A payload over `[offset, offset + length)` of this source. */
  payload(offset: number, length: number): TensorPayload;
}

/** An unused field number marking where a lazy `raw_data` was cut out. */
const PLACEHOLDER_FIELD = 536_870_000;

type MessageKind = 'model' | 'graph' | 'node' | 'attribute' | 'tensor' | 'sparse' | 'function' | 'training';

/** For each message kind, the fields that hold a message that may carry tensors. */
const CARRIER_FIELDS: Record<MessageKind, Partial<Record<number, MessageKind>>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  function: { 7: 'node' },
  training: { 1: 'graph', 2: 'graph' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  tensor: {},
};
const RAW_DATA_FIELD = 9;

export interface SkeletonOptions {
  /** `raw_data` of at least this many bytes stays in the source until read. Default 1024. */
  lazyThreshold?: number;
}

/** A source read by position asynchronously (a browser Blob or File). */
export interface AsyncRandomAccessSource {
  readonly byteLength: number;
  readonly label: string;
  read(position: number, target: Uint8Array): Promise<void>;
  payload(offset: number, length: number): TensorPayload;
}

/** Decodes the model in `source`, leaving large `raw_data` payloads in the source (lazy). */
export function decodeModelLazily(source: RandomAccessSource, options: SkeletonOptions = {}): ModelProto {
  const scanner = new SkeletonScanner(source.byteLength, source.label, options.lazyThreshold ?? 1024);
  const scan = scanner.scanMessage('model', 0, source.byteLength);
  let step = scan.next();
  while (!step.done) {
    source.readSync(step.value.position, step.value.target);
    step = scan.next();
  }
  return finish(step.value, scanner, source);
}

/** The same for a source read asynchronously (browser Blob/File): only the structure is read. */
export async function decodeModelLazilyAsync(source: AsyncRandomAccessSource, options: SkeletonOptions = {}): Promise<ModelProto> {
  const scanner = new SkeletonScanner(source.byteLength, source.label, options.lazyThreshold ?? 1024);
  const scan = scanner.scanMessage('model', 0, source.byteLength);
  let step = scan.next();
  while (!step.done) {
    await source.read(step.value.position, step.value.target);
    step = scan.next();
  }
  return finish(step.value, scanner, source);
}

function finish(parts: Uint8Array[], scanner: SkeletonScanner, source: { label: string; payload(offset: number, length: number): TensorPayload }): ModelProto {
  const model = decodeModelStructure(concat(parts), source.label);
  if (scanner.lazyRanges.length > 0) attachLazyPayloads(model, source, scanner.lazyRanges);
  assertTensorSizes(model, source.label);
  return model;
}

/** What the scanner needs next: the bytes at `position`, into `target`. */
interface ReadRequest {
  readonly position: number;
  readonly target: Uint8Array;
}

function attachLazyPayloads(model: ModelProto, source: { label: string; payload(offset: number, length: number): TensorPayload }, ranges: readonly [number, number][]): void {
  let attached = 0;
  forEachTensor(model, (tensor: TensorProto) => {
    const unknown = tensor.$unknown;
    if (!unknown) return;
    const index = unknown.findIndex((field) => field.no === PLACEHOLDER_FIELD);
    if (index < 0) return;
    const data = unknown[index]!.data;
    let rangeIndex = 0;
    for (let i = data.length - 1; i >= 0; i--) rangeIndex = rangeIndex * 128 + (data[i]! & 0x7f);
    unknown.splice(index, 1);
    if (unknown.length === 0) delete tensor.$unknown;
    const [offset, length] = ranges[rangeIndex]!;
    bindLazyRawData(tensor, source.payload(offset, length));
    attached++;
  });
  if (attached !== ranges.length) {
    throw new OnnxFormatError(`${source.label}: ${ranges.length - attached} tensor payloads could not be placed; the file is malformed`);
  }
}

/**
 * The scanner is a generator: it yields a read request whenever it needs bytes it does not hold,
 * so one implementation serves files (read synchronously) and Blobs (read asynchronously). Before
 * each field it makes sure its window holds the field's header (tag and length, at most 20 bytes).
 */
class SkeletonScanner {
  readonly lazyRanges: [number, number][] = [];
  readonly #window: Uint8Array;
  #windowStart = 0;
  #windowEnd = 0;
  #position = 0;

  constructor(
    readonly byteLength: number,
    readonly label: string,
    readonly lazyThreshold: number,
  ) {
    // A small read-ahead window: structure is read in 64 KiB steps, payloads are skipped unread.
    this.#window = new Uint8Array(Math.min(1 << 16, Math.max(byteLength, 16)));
  }

  /** Rebuilds the message in `[start, end)` as parts, cutting out large `raw_data`. */
  *scanMessage(kind: MessageKind, start: number, end: number, depth = 1): Generator<ReadRequest, Uint8Array[], void> {
    // The same limit the decoder applies, checked here first: this walk recurses too.
    if (depth > MAX_MESSAGE_DEPTH) throw new OnnxFormatError(tooDeepMessage(this.label));
    const parts: Uint8Array[] = [];
    const carriers = CARRIER_FIELDS[kind];
    let runStart = start;
    this.#position = start;
    while (this.#position < end) {
      const fieldStart = this.#position;
      const headerEnd = Math.min(fieldStart + 20, end);
      if (fieldStart < this.#windowStart || headerEnd > this.#windowEnd) yield this.fillRequest(fieldStart);
      const tag = this.readVarint(end);
      const fieldNumber = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (wireType === WIRE_LENGTH_DELIMITED) {
        const length = this.readVarint(end);
        const bodyStart = this.#position;
        const bodyEnd = bodyStart + length;
        if (bodyEnd > end) this.fail(fieldStart, `field ${fieldNumber} needs ${length} bytes but its message ends first`);
        const child = carriers[fieldNumber];
        if (length >= this.lazyThreshold && (child !== undefined || (kind === 'tensor' && fieldNumber === RAW_DATA_FIELD))) {
          if (fieldStart > runStart) parts.push(yield* this.read(runStart, fieldStart));
          if (child !== undefined) {
            const inner = yield* this.scanMessage(child, bodyStart, bodyEnd, depth + 1);
            parts.push(lengthDelimitedHeader(fieldNumber, inner.reduce((n, p) => n + p.byteLength, 0)), ...inner);
          } else {
            parts.push(encodeVarint(PLACEHOLDER_FIELD * 8 + WIRE_VARINT), encodeVarint(this.lazyRanges.length));
            this.lazyRanges.push([bodyStart, length]);
          }
          runStart = bodyEnd;
        }
        this.#position = bodyEnd;
      } else if (wireType === WIRE_VARINT) {
        this.readVarint(end);
      } else if (wireType === WIRE_FIXED64) {
        this.#position += 8;
      } else if (wireType === WIRE_FIXED32) {
        this.#position += 4;
      } else {
        this.fail(fieldStart, `unsupported wire type ${wireType} (field ${fieldNumber})`);
      }
      if (this.#position > end) this.fail(fieldStart, `field ${fieldNumber} runs past the end of its message`);
    }
    if (end > runStart) parts.push(yield* this.read(runStart, end));
    this.#position = end;
    return parts;
  }

  /** Reads a varint from the window (the field header check made sure it is there). */
  readVarint(end: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#position >= end || this.#position >= this.#windowEnd) this.fail(this.#position, 'truncated varint');
      const byte = this.#window[this.#position++ - this.#windowStart]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return this.fail(this.#position, 'varint too long');
  }

  /** A request that refills the window from `position`; the window is valid once it is served. */
  fillRequest(position: number): ReadRequest {
    const length = Math.min(this.#window.byteLength, this.byteLength - position);
    if (length <= 0) this.fail(position, 'unexpected end of file');
    this.#windowStart = position;
    this.#windowEnd = position + length;
    return { position, target: this.#window.subarray(0, length) };
  }

  /** A copy of the source bytes `[start, end)`. */
  *read(start: number, end: number): Generator<ReadRequest, Uint8Array, void> {
    if (start >= this.#windowStart && end <= this.#windowEnd) {
      return this.#window.slice(start - this.#windowStart, end - this.#windowStart);
    }
    const bytes = new Uint8Array(end - start);
    yield { position: start, target: bytes };
    return bytes;
  }

  fail(position: number, reason: string): never {
    throw new OnnxFormatError(`${this.label}: not a valid ONNX model, or truncated: ${reason} (at byte ${position} of ${this.byteLength})`);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A random-access source over bytes in memory (tests, browser `ArrayBuffer`s). */
export function memorySource(bytes: Uint8Array, label = 'model'): RandomAccessSource {
  return {
    byteLength: bytes.byteLength,
    label,
    readSync(position, target) {
      if (position + target.byteLength > bytes.byteLength) throw new OnnxFormatError(`${label}: unexpected end of data`);
      target.set(bytes.subarray(position, position + target.byteLength));
    },
    payload(offset, length) {
      const view = bytes.subarray(offset, offset + length);
      return {
        byteLength: length,
        origin: `${label} bytes ${offset}..${offset + length}`,
        readSync: (at, target) => target.set(view.subarray(at, at + target.byteLength)),
        read: async (at, target) => target.set(view.subarray(at, at + target.byteLength)),
      };
    },
  };
}
