/**
 * Models as Blobs (browser `File`s, or Node's Blob): the browser's counterpart of loadModel and
 * saveModel. The structure is read from the Blob; large `raw_data` and external data stay in
 * their Blobs as slices, read only when needed. Writing returns Blobs assembled from framing
 * bytes and payloads: Blob slices are passed through unread, computed payloads (converted
 * weights) are produced chunk by chunk.
 */
import { ExternalDataError } from '../errors.js';
import { dataTypeBits } from '../dtype.js';
import { assertWithinProtobufLimit, encodeModelParts, type EncodedPart } from './codec.js';
import { planTensorPlacement, type ExternalPlacement } from './external-placement.js';
import { TensorProto_DataLocation, type ModelProto, type TensorProto } from './onnx.js';
import { bindExternalData, memoryPayload, tensorPayload, type TensorPayload } from './payload.js';
import { decodeModelLazilyAsync, type AsyncRandomAccessSource } from './skeleton.js';
import { forEachTensor } from './tensor-walk.js';

/** A source over a Blob, read in slices. */
export function blobSource(blob: Blob, label = (blob as File).name || 'model'): AsyncRandomAccessSource {
  return {
    byteLength: blob.size,
    label,
    async read(position, target) {
      const bytes = new Uint8Array(await blob.slice(position, position + target.byteLength).arrayBuffer());
      if (bytes.byteLength < target.byteLength) throw new ExternalDataError(`${label}: unexpected end of data at byte ${position + bytes.byteLength}`);
      target.set(bytes);
    },
    payload: (offset, length) => blobPayload(blob.slice(offset, offset + length), `${label} bytes ${offset}..${offset + length}`),
  };
}

/** FileReaderSync, where the platform has it (Web Workers): Blobs read synchronously, so a lazily loaded model converts. */
interface SyncBlobReader {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}
const FileReaderSyncClass = (globalThis as { FileReaderSync?: new () => SyncBlobReader }).FileReaderSync;
const syncReader: SyncBlobReader | undefined = typeof FileReaderSyncClass === 'function' ? new FileReaderSyncClass() : undefined;

/**
 * Each synchronous read is a round trip to the browser's Blob storage, so reads smaller than a
 * block fetch the whole block and the next reads of it (the conversion reads 4 MB at a time, in
 * order) are served from it: one block is held, whatever the model's size.
 */
const READ_BLOCK = 16 * 1024 * 1024;
let lastBlock: { blob: Blob; start: number; bytes: Uint8Array } | undefined;

function readBlobSync(reader: SyncBlobReader, blob: Blob, offset: number, target: Uint8Array): void {
  const end = offset + target.byteLength;
  if (lastBlock?.blob !== blob || offset < lastBlock.start || end > lastBlock.start + lastBlock.bytes.byteLength) {
    if (target.byteLength >= READ_BLOCK) {
      target.set(new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, end))));
      return;
    }
    lastBlock = { blob, start: offset, bytes: new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, Math.min(blob.size, offset + READ_BLOCK)))) };
  }
  target.set(lastBlock.bytes.subarray(offset - lastBlock.start, end - lastBlock.start));
}

function blobPayload(blob: Blob, origin: string): TensorPayload {
  return {
    byteLength: blob.size,
    origin,
    blob,
    async read(offset, target) {
      target.set(new Uint8Array(await blob.slice(offset, offset + target.byteLength).arrayBuffer()));
    },
    ...(syncReader && { readSync: (offset: number, target: Uint8Array) => readBlobSync(syncReader, blob, offset, target) }),
  };
}

export interface BlobLoadOptions {
  /** The external data files, by the name tensors give as their "location". */
  externalData?: Record<string, Blob> | ReadonlyMap<string, Blob>;
  /** Embedded `raw_data` of at least this many bytes is read separately from the structure. Default 1024. */
  lazyThreshold?: number;
  /**
   * Keep tensor data in the Blobs instead of reading it into memory at load. Default false:
   * conversion reads tensors synchronously, which a Blob allows only in a Web Worker
   * (FileReaderSync). There, `lazy: true` converts a model without ever holding its weights: they
   * are read in chunks, when the conversion checks them and when the result is written. Elsewhere
   * lazy data is read asynchronously only (readTensorData, modelToBlobs), and conversion refuses it.
   */
  lazy?: boolean;
  /** Called as tensor data is read into memory (not with `lazy`), with the bytes read and the bytes to read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Loads a model from a Blob (a browser File), with its external data files if it has some. */
export async function loadModelFromBlob(blob: Blob, options: BlobLoadOptions = {}): Promise<ModelProto> {
  const source = blobSource(blob);
  const model = await decodeModelLazilyAsync(source, { lazyThreshold: options.lazyThreshold ?? 1024 });
  const files = options.externalData instanceof Map ? options.externalData : new Map(Object.entries(options.externalData ?? {}));
  forEachTensor(model, (tensor) => {
    if (tensor.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const entries = new Map(tensor.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location') ?? '';
    const where = `${source.label}: tensor "${tensor.name}"`;
    const file = files.get(location) ?? files.get(location.split(/[\\/]/).pop() ?? '');
    if (!file) throw new ExternalDataError(`${where}: external data file "${location}" was not provided`);
    const offset = count(entries.get('offset') ?? '0', 'offset', where);
    const length = entries.has('length') ? count(entries.get('length')!, 'length', where) : file.size - offset;
    if (offset + length > file.size) {
      throw new ExternalDataError(`${where}: external data range ${offset}..${offset + length} lies beyond the end of "${location}" (${file.size} bytes)`);
    }
    const expected = expectedBytes(tensor);
    if (expected !== undefined && expected !== length) throw new ExternalDataError(`${where}: its shape and type need ${expected} bytes but external_data gives ${length}`);
    bindExternalData(tensor, blobPayload(file.slice(offset, offset + length), `${location} bytes ${offset}..${offset + length}`));
  });
  if (!options.lazy) await readPayloadsIntoMemory(model, options.onProgress);
  return model;
}

/** Replaces every Blob-backed payload by its bytes in memory, reporting each tensor read. */
async function readPayloadsIntoMemory(model: ModelProto, onProgress?: (bytesRead: number, totalBytes: number) => void): Promise<void> {
  const pending: Promise<void>[] = [];
  let total = 0;
  let read = 0;
  forEachTensor(model, (tensor) => {
    const bound = tensorPayload(tensor);
    if (!bound?.payload.blob) return;
    const blob = bound.payload.blob;
    total += blob.size;
    pending.push(
      blob.arrayBuffer().then((buffer) => {
        const bytes = new Uint8Array(buffer);
        if (bound.placement === 'raw') tensor.rawData = bytes;
        else bindExternalData(tensor, memoryPayload(bytes, bound.payload.origin));
        read += blob.size;
        onProgress?.(read, total);
      }),
    );
  });
  onProgress?.(0, total);
  await Promise.all(pending);
}

function count(text: string, key: string, where: string): number {
  if (!/^\d+$/.test(text)) throw new ExternalDataError(`${where}: external_data "${key}" is "${text}", not a non-negative integer`);
  return Number(text);
}

function expectedBytes(tensor: TensorProto): number | undefined {
  const bits = dataTypeBits(tensor.dataType);
  if (bits === 0) return undefined;
  return Math.ceil((tensor.dims.reduce((n, d) => n * Number(d), 1) * bits) / 8);
}

export interface BlobSaveOptions {
  /** Write large tensors to a separate data Blob (true for the defaults: location "model.onnx.data", threshold 1024 bytes). */
  externalData?: boolean | Partial<ExternalPlacement>;
  /** Called as the Blobs are assembled (weights converted chunk by chunk), with the bytes done and the bytes of all Blobs. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

export interface ModelBlobs {
  model: Blob;
  /** The external data file, when written with externalData. */
  externalData?: { location: string; blob: Blob };
}

/**
 * The model as Blobs, ready to download; payloads are converted chunk by chunk, Blob slices passed through.
 * Unlike saveModel, this cannot destroy an input: it writes nothing, and a browser saves a
 * download under a new name when one with that name exists.
 */
export async function modelToBlobs(model: ModelProto, options: BlobSaveOptions = {}): Promise<ModelBlobs> {
  const settings = options.externalData === true ? {} : options.externalData || undefined;
  const external = settings && { location: settings.location ?? 'model.onnx.data', sizeThreshold: settings.sizeThreshold ?? 1024, convertAttribute: settings.convertAttribute ?? false };
  const plan = planTensorPlacement(model, external, 'modelToBlobs');
  const encoded = encodeModelParts(plan.model);
  assertWithinProtobufLimit(encoded.byteLength);
  const counter: ProgressCounter = { done: 0, reported: 0, total: encoded.byteLength + (external ? plan.dataFileBytes : 0), onProgress: options.onProgress };
  counter.onProgress?.(0, counter.total);
  const blobs: ModelBlobs = { model: new Blob(await blobParts(encoded.parts, counter)) };
  if (external) {
    const parts: BlobPart[] = [];
    let position = 0;
    for (const job of plan.dataJobs) {
      if (job.offset > position) parts.push(new Uint8Array(job.offset - position));
      counter.done += job.offset - position;
      parts.push(...(await blobParts([job.payload], counter)));
      position = job.offset + job.payload.byteLength;
    }
    blobs.externalData = { location: external.location, blob: new Blob(parts) };
  }
  if (counter.reported < counter.total) counter.onProgress?.(counter.total, counter.total);
  return blobs;
}

const CHUNK = 16 * 1024 * 1024;

interface ProgressCounter {
  done: number;
  /** The last `done` reported (framing bytes count without a call of their own). */
  reported: number;
  readonly total: number;
  readonly onProgress: ((bytesWritten: number, totalBytes: number) => void) | undefined;
}

/** The parts as Blob parts: bytes and Blob slices as they are, computed payloads chunk by chunk (each chunk counted). */
async function blobParts(parts: readonly EncodedPart[], counter: ProgressCounter): Promise<BlobPart[]> {
  const out: BlobPart[] = [];
  const advance = (bytes: number) => {
    counter.done += bytes;
    counter.reported = counter.done;
    counter.onProgress?.(counter.done, counter.total);
  };
  for (const part of parts) {
    if (part instanceof Uint8Array) {
      out.push(part as Uint8Array<ArrayBuffer>);
      counter.done += part.byteLength;
    } else if (part.blob) {
      out.push(part.blob);
      advance(part.byteLength);
    } else {
      for (let at = 0; at < part.byteLength; at += CHUNK) {
        const chunk = new Uint8Array(Math.min(CHUNK, part.byteLength - at));
        if (part.readSync) part.readSync(at, chunk);
        else await part.read(at, chunk);
        out.push(chunk);
        advance(chunk.byteLength);
      }
    }
  }
  return out;
}
