/**
 * `saveModel(model, path, options)`: writes a model, optionally with its large tensors in an
 * external data file, streaming every payload from its source (memory, the input file, its data
 * files, or a computed payload) through one reused buffer. Never mutates `model`; writes are
 * atomic, so saving over the model's own file (or data file) is safe.
 */
import { create } from '@bufbuild/protobuf';
import { lstatSync, writeSync, writevSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ExternalDataError, OptionsError } from '../errors.js';
import { assertWithinProtobufLimit, encodeModelParts, type EncodedPart } from '../proto/codec.js';
import {
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type ModelProto,
  type TensorProto,
} from '../proto/onnx.js';
import { bindLazyRawData, tensorPayload, memoryPayload, type TensorPayload } from '../proto/payload.js';
import { mapTensors } from '../proto/tensor-walk.js';
import { typedFieldsToRawBytes } from '../proto/typed-data.js';
import { writeFilesAtomically } from './atomic-write.js';
import { containedPath } from './external-data.js';

export interface ExternalDataOptions {
  /** Data file name, relative to the model's folder. Default `<model file name>.data`. */
  location?: string;
  /** Tensors of at least this many bytes go to the data file. Default 1024 (as onnx). */
  sizeThreshold?: number;
  /** Also move tensors held in node attributes (Constant values). Default false (as onnx). */
  convertAttribute?: boolean;
}

export interface SaveOptions {
  /** Write large tensors to an external data file (true for the defaults). Default false: one self-contained file. */
  externalData?: boolean | ExternalDataOptions;
  /** Called as bytes are written, with the total to write. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

/** Offsets of external tensors of at least this size are aligned to a page, so they can be mapped. */
const ALIGN_FROM = 64 * 1024;
const PAGE = 4096;
const STREAM_BUFFER_BYTES = 16 * 1024 * 1024;

/** Writes `model` to `path`; see SaveOptions. */
export async function saveModel(model: ModelProto, path: string, options: SaveOptions = {}): Promise<void> {
  const target = resolve(path);
  const external = resolveExternalOptions(options.externalData, target);
  const plan = planTensorPlacement(model, external, path);
  const encoded = encodeModelParts(plan.model);
  assertWithinProtobufLimit(encoded.byteLength);

  const total = encoded.byteLength + plan.dataFileBytes;
  const writer = new StreamWriter(total, options.onProgress);
  const files = [];
  if (external) {
    files.push({ path: external.path, write: (fd: number) => writer.writeDataFile(fd, plan.dataJobs) });
  }
  files.push({ path: target, write: (fd: number) => writer.writeParts(fd, encoded.parts) });
  await writeFilesAtomically(files);
}

interface ResolvedExternal {
  location: string;
  path: string;
  sizeThreshold: number;
  convertAttribute: boolean;
}

function resolveExternalOptions(option: SaveOptions['externalData'], target: string): ResolvedExternal | undefined {
  if (!option) return undefined;
  const settings = option === true ? {} : option;
  const location = settings.location ?? `${basename(target)}.data`;
  const sizeThreshold = settings.sizeThreshold ?? 1024;
  if (!Number.isInteger(sizeThreshold) || sizeThreshold < 0) {
    throw new OptionsError(`externalData.sizeThreshold must be a non-negative integer, got ${sizeThreshold}`);
  }
  const path = containedPath(dirname(target), location, `saving ${target}`);
  if (path === target) throw new ExternalDataError(`saving ${target}: the external data location is the model file itself`);
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    isLink = false;
  }
  if (isLink) throw new ExternalDataError(`saving ${target}: external data path "${location}" is a symbolic link, which is refused for safety`);
  return { location, path, sizeThreshold, convertAttribute: settings.convertAttribute ?? false };
}

interface DataJob {
  payload: TensorPayload;
  offset: number;
}

interface Placement {
  model: ModelProto;
  dataJobs: DataJob[];
  dataFileBytes: number;
}

/** Decides where each tensor's bytes go and builds the model to encode (the input stays as it is). */
function planTensorPlacement(model: ModelProto, external: ResolvedExternal | undefined, path: string): Placement {
  const dataJobs: DataJob[] = [];
  let dataEnd = 0;
  const out = mapTensors(model, (tensor, role) => {
    const bound = tensorPayload(tensor);
    if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL && bound?.placement !== 'external') {
      throw new ExternalDataError(
        `saving ${path}: tensor "${tensor.name}" refers to external data that was never loaded; load the model with loadModel(path)`,
      );
    }
    const eligible = external !== undefined && (role !== 'attribute' || external.convertAttribute);
    const payload = bound?.payload ?? inMemoryPayload(tensor, eligible);
    if (external && payload && eligible && payload.byteLength >= external.sizeThreshold) {
      const offset = payload.byteLength >= ALIGN_FROM ? Math.ceil(dataEnd / PAGE) * PAGE : dataEnd;
      dataJobs.push({ payload, offset });
      dataEnd = offset + payload.byteLength;
      const copy = tensorWithoutData(tensor);
      copy.dataLocation = TensorProto_DataLocation.EXTERNAL;
      copy.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: external.location }),
        create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(payload.byteLength) }),
      ];
      return copy;
    }
    if (bound?.placement === 'external') {
      const copy = tensorWithoutData(tensor);
      bindLazyRawData(copy, bound.payload);
      return copy;
    }
    return tensor;
  });
  return { model: out, dataJobs, dataFileBytes: dataEnd };
}

/** The tensor's in-memory bytes: `raw_data`, or (when it may move to the data file) its typed fields as raw bytes. */
function inMemoryPayload(tensor: TensorProto, mayMove: boolean): TensorPayload | undefined {
  if (tensor.rawData.byteLength > 0) return memoryPayload(tensor.rawData, `tensor "${tensor.name}"`);
  const typed = mayMove ? typedFieldsToRawBytes(tensor) : undefined;
  return typed && memoryPayload(typed, `tensor "${tensor.name}"`);
}

const DATA_FIELDS = new Set(['rawData', 'externalData', 'dataLocation', 'floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data']);

/** A copy of a tensor without its data and data-location fields. */
function tensorWithoutData(tensor: TensorProto): TensorProto {
  const copy = create(TensorProtoSchema);
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(tensor))) {
    if (DATA_FIELDS.has(key) || key === '$typeName') continue;
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

/** Writes parts and payloads to descriptors, through one reused buffer, reporting progress. */
class StreamWriter {
  #buffer: Uint8Array | undefined;
  #written = 0;

  constructor(
    readonly total: number,
    readonly onProgress?: (written: number, total: number) => void,
  ) {}

  async writeParts(fd: number, parts: readonly EncodedPart[]): Promise<void> {
    let batch: Uint8Array[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      writeAllv(fd, batch);
      this.advance(batch.reduce((n, b) => n + b.byteLength, 0));
      batch = [];
    };
    for (const part of parts) {
      if (part instanceof Uint8Array) {
        batch.push(part);
        if (batch.length >= 512) flush();
      } else {
        flush();
        await this.writePayload(fd, part);
      }
    }
    flush();
  }

  async writeDataFile(fd: number, jobs: readonly DataJob[]): Promise<void> {
    let position = 0;
    for (const job of jobs) {
      if (job.offset > position) {
        writeAll(fd, new Uint8Array(job.offset - position));
        position = job.offset;
      }
      await this.writePayload(fd, job.payload);
      position += job.payload.byteLength;
    }
  }

  async writePayload(fd: number, payload: TensorPayload): Promise<void> {
    const buffer = (this.#buffer ??= new Uint8Array(STREAM_BUFFER_BYTES));
    for (let at = 0; at < payload.byteLength; at += buffer.byteLength) {
      const chunk = buffer.subarray(0, Math.min(buffer.byteLength, payload.byteLength - at));
      if (payload.readSync) payload.readSync(at, chunk);
      else await payload.read(at, chunk);
      writeAll(fd, chunk);
      this.advance(chunk.byteLength);
    }
  }

  advance(bytes: number): void {
    this.#written += bytes;
    this.onProgress?.(this.#written, this.total);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

function writeAllv(fd: number, chunks: Uint8Array[]): void {
  let pending = chunks;
  while (pending.length > 0) {
    let written = writevSync(fd, pending);
    const rest: Uint8Array[] = [];
    for (const chunk of pending) {
      if (written >= chunk.byteLength) written -= chunk.byteLength;
      else {
        rest.push(chunk.subarray(written));
        written = 0;
      }
    }
    pending = rest;
  }
}
