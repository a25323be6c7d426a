/**
 * `saveModel(model, path, options)`: writes a model, optionally with its large tensors in an
 * external data file, streaming every payload from its source (memory, the input file, its data
 * files, or a computed payload) through one reused buffer. Never mutates `model`; writes are
 * atomic, so saving over the model's own file (or data file) is safe.
 *
 * An output (model or data file) that is a file some loaded model reads (its model file or one of
 * its data files, by device and inode: links and other spellings included) is refused, so a
 * careless `-o` or data file name cannot destroy the input. The one exception is saving in place
 * (the output model is a loaded model's own file): its own files may then be replaced, which is
 * safe because every payload is read into the temporary files before the first rename.
 */
import { lstatSync, writeSync, writevSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ExternalDataError, ModelFileError, OptionsError } from '../errors.js';
import { assertWithinProtobufLimit, encodeModelParts, PROTOBUF_SIZE_LIMIT, type EncodedPart } from '../proto/codec.js';
import { TensorProto_DataLocation, type ModelProto } from '../proto/onnx.js';
import { planTensorPlacement, type DataJob } from '../proto/external-placement.js';
import type { TensorPayload } from '../proto/payload.js';
import { forEachTensor } from '../proto/tensor-walk.js';
import { writeFilesAtomically } from './atomic-write.js';
import { containedPath } from './external-data.js';
import { fileIdentity, liveSourceFileSets, sameFile } from './source-files.js';

export interface ExternalDataOptions {
  /** Data file name, relative to the model's folder. Default `<model file name>.data`. */
  location?: string;
  /** Tensors of at least this many bytes go to the data file. Default 1024 (as onnx). */
  sizeThreshold?: number;
  /** Also move tensors held in node attributes (Constant values). Default false (as onnx). */
  convertAttribute?: boolean;
}

export interface SaveOptions {
  /**
   * Write large tensors to an external data file: true for the defaults, or settings. `'auto'`
   * does so (with the defaults) where the model still reads tensors from external data (a loaded
   * model; a converted model's tensors are new: pass settings when its input had external data,
   * as the CLI does) or would not fit one protobuf file (2 GB). Default false: one self-contained file.
   */
  externalData?: boolean | 'auto' | ExternalDataOptions;
  /** Called as bytes are written, with the total to write. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

/** What saveModel wrote. */
export interface SavedModel {
  /** The model file (absolute) and its size in bytes. */
  path: string;
  bytes: number;
  /** The external data file, where one was written. */
  externalData?: { location: string; path: string; bytes: number };
}

const STREAM_BUFFER_BYTES = 16 * 1024 * 1024;

/** Writes `model` to `path`; see SaveOptions. */
export async function saveModel(model: ModelProto, path: string, options: SaveOptions = {}): Promise<SavedModel> {
  const target = resolve(path);
  const label = `saving ${path}`;
  const auto = options.externalData === 'auto';
  let external = resolveExternalOptions(options.externalData === 'auto' ? usesExternalData(model) : options.externalData, target);
  let plan = planTensorPlacement(model, external, label);
  let encoded = encodeModelParts(plan.model);
  if (auto && !external && encoded.byteLength > PROTOBUF_SIZE_LIMIT) {
    // Only a model that does not fit one file is placed and encoded a second time.
    external = resolveExternalOptions(true, target);
    plan = planTensorPlacement(model, external, label);
    encoded = encodeModelParts(plan.model);
  }
  assertWithinProtobufLimit(encoded.byteLength);
  // No tensor went to the data file (all small, or all in Constant nodes): write no empty file.
  if (external && plan.dataJobs.length === 0) external = undefined;

  assertInputsSurvive(target, external?.path);

  const total = encoded.byteLength + plan.dataFileBytes;
  const writer = new StreamWriter(total, options.onProgress);
  const files = [];
  if (external) {
    files.push({ path: external.path, write: (fd: number) => writer.writeDataFile(fd, plan.dataJobs) });
  }
  files.push({ path: target, write: (fd: number) => writer.writeParts(fd, encoded.parts) });
  await writeFilesAtomically(files);
  return {
    path: target,
    bytes: encoded.byteLength,
    ...(external ? { externalData: { location: external.location, path: external.path, bytes: plan.dataFileBytes } } : {}),
  };
}

/** Whether any tensor of the model keeps its bytes in an external data file. */
function usesExternalData(model: ModelProto): boolean {
  let found = false;
  forEachTensor(model, (tensor) => {
    if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) found = true;
  });
  return found;
}

/**
 * Refuses an output that is a file a loaded model reads, unless the output model is that model's
 * own file (in place). Files that do not exist yet cannot be inputs.
 */
function assertInputsSurvive(target: string, dataPath: string | undefined): void {
  const outputs = [{ path: target, what: 'the output model' }];
  if (dataPath) outputs.push({ path: dataPath, what: 'the output data file' });
  const identities = outputs.map((o) => ({ ...o, id: fileIdentity(o.path) }));
  if (identities.every((o) => o.id === undefined)) return;
  const targetId = identities[0]!.id;
  for (const set of liveSourceFileSets()) {
    if (targetId && sameFile(targetId, set.model)) continue; // in place: this model's own files may be replaced
    for (const output of identities) {
      if (!output.id) continue;
      const input = [set.model, ...set.data].find((file) => sameFile(file, output.id!));
      if (!input) continue;
      const role = input === set.model ? 'the input model' : `a data file of the input model ${set.model.path}`;
      throw new ModelFileError(
        `refusing to write ${output.what} ${output.path}: it is ${input.path}, ${role}, which would be destroyed; choose another output name`,
      );
    }
  }
}

interface ResolvedExternal {
  location: string;
  path: string;
  sizeThreshold: number;
  convertAttribute: boolean;
}

function resolveExternalOptions(option: boolean | ExternalDataOptions | undefined, target: string): ResolvedExternal | undefined {
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
    if (payload.streamSync) {
      // Computed bytes (a conversion) go from the kernel's scratch memory to the file; progress is
      // reported per stream buffer's worth, as for copied payloads.
      let unreported = 0;
      payload.streamSync((bytes) => {
        writeAll(fd, bytes);
        unreported += bytes.byteLength;
        if (unreported >= STREAM_BUFFER_BYTES) {
          this.advance(unreported);
          unreported = 0;
        }
      });
      if (unreported > 0) this.advance(unreported);
      return;
    }
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
