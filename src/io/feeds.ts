/**
 * Model inputs from files (Node): an ONNX test-data folder (input_0.pb, ...), .npy files
 * (`name=file.npy`, or the only input), .npz archives (one array per input name), or JSON
 * (`{ "name": { "type": "float32", "dims": [1, 3], "data": [...] } }`, or nested arrays whose
 * type comes from the model).
 *
 * Files are checked before they are read whole: a feed may hold at most what its input can
 * hold (8 bytes per element of a fully static shape) or MAX_FEED_BYTES where a dim is dynamic.
 * An .npz entry is matched to an input by name and its declared size checked before it is
 * inflated, and inflating stops at the declared size, so a small archive cannot expand to
 * gigabytes in memory.
 */
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { isLibraryError, OptionsError } from '../errors.js';
import { DataType } from '../dtype.js';
import type { ModelProto, ValueInfoProto } from '../proto/onnx.js';
import { parseNpy } from '../runtime/npy.js';
import { npzEntries, NpzFormatError, type NpzEntry } from '../runtime/npz.js';
import type { Feeds, TensorLike } from '../runtime/runtime.js';
import { readTestDataFeeds } from './test-data.js';

/** The graph inputs that need feeds (initializers listed as inputs excluded). */
export function feedInputs(model: ModelProto) {
  const initializers = new Set(model.graph?.initializer.map((t) => t.name));
  return (model.graph?.input ?? []).filter((i) => !initializers.has(i.name));
}

/** The most bytes one feed file (or .npz entry) may hold when its input has a dynamic dim: 1 GiB. */
export const MAX_FEED_BYTES = 2 ** 30;
/** Room for a .npy header on top of the data. */
const NPY_HEADER_ALLOWANCE = 64 * 1024 + 16;

/** Reads one `--feeds` argument into feeds. */
export function readFeeds(spec: string, model: ModelProto): Feeds {
  try {
    return readFeedsUnchecked(spec, model);
  } catch (error) {
    if (isLibraryError(error)) throw error;
    // A malformed file that the format readers did not foresee (an out-of-range offset, ...).
    throw new OptionsError(`feeds: ${spec}: unreadable (${(error as Error).message})`, { cause: error });
  }
}

function readFeedsUnchecked(spec: string, model: ModelProto): Feeds {
  const named = /^([^=]+)=(.+\.npy)$/.exec(spec);
  if (named) return { [named[1]!]: parseNpy(readBounded(named[2]!, feedByteLimit(inputNamed(model, named[1]!, named[2]!))), named[2]!) };
  const namedArchive = /^([^=]+)=(.+\.npz)$/.exec(spec);
  if (namedArchive) throw new OptionsError(`feeds: ${spec}: a .npz names its arrays itself (one per input); give ${namedArchive[2]} without "${namedArchive[1]}="`);
  let isFolder = false;
  try {
    isFolder = statSync(spec).isDirectory();
  } catch {
    throw new OptionsError(`feeds: ${spec} not found`);
  }
  if (isFolder) return readTestDataFeeds(spec, model);
  if (spec.endsWith('.npy')) {
    const inputs = feedInputs(model);
    if (inputs.length !== 1) throw new OptionsError(`feeds: ${spec} gives one array but the model has ${inputs.length} inputs; write name=${spec}`);
    return { [inputs[0]!.name]: parseNpy(readBounded(spec, feedByteLimit(inputs[0]!)), spec) };
  }
  if (spec.endsWith('.npz')) return readNpz(spec, model);
  if (spec.endsWith('.json')) return readJsonFeeds(spec, model);
  throw new OptionsError(`feeds: ${spec} is not a test-data folder, .npy, .npz or .json file`);
}

function inputNamed(model: ModelProto, name: string, file: string): ValueInfoProto {
  const inputs = feedInputs(model);
  const input = inputs.find((i) => i.name === name);
  if (!input) throw new OptionsError(`feeds: ${file} is given for "${name}", which is not an input of the model (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  return input;
}

/** The most bytes a .npy for `input` may hold: 8 per element of a static shape, else MAX_FEED_BYTES. */
function feedByteLimit(input: ValueInfoProto): number {
  const type = input.type?.value;
  if (type?.case !== 'tensorType' || !type.value.shape) return MAX_FEED_BYTES;
  let elements = 1;
  for (const dim of type.value.shape.dim) {
    if (dim.value.case !== 'dimValue' || dim.value.value < 0n) return MAX_FEED_BYTES;
    elements *= Number(dim.value.value);
  }
  return Math.min(MAX_FEED_BYTES, elements * 8 + NPY_HEADER_ALLOWANCE);
}

/** Reads a feed file after checking its size against `limit`. */
function readBounded(path: string, limit: number): Uint8Array {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new OptionsError(`feeds: ${path} is not a file`);
    size = stats.size;
  } catch (error) {
    if (isLibraryError(error)) throw error;
    throw new OptionsError(`feeds: ${path} not found`);
  }
  if (size > limit) throw new OptionsError(`feeds: ${path} is ${size} bytes, more than the model's inputs can hold (${limit} bytes)`);
  return readFileSync(path);
}

/**
 * Reads a .npz (zip of .npy). Each entry is matched to a model input by name, and its declared
 * size checked against that input, before it is inflated; inflating stops at the declared size.
 */
function readNpz(path: string, model: ModelProto): Feeds {
  const bytes = readBounded(path, MAX_FEED_BYTES);
  let entries: NpzEntry[];
  try {
    entries = npzEntries(bytes);
  } catch (error) {
    if (!(error instanceof NpzFormatError)) throw error;
    throw new OptionsError(error.kind === 'notZip' ? `feeds: ${path} is not a .npz (zip) archive` : `feeds: ${path} is not a valid .npz archive: ${error.message}`, { cause: error });
  }
  const feeds: Feeds = {};
  for (const { name, method, uncompressedSize, stored } of entries) {
    const input = inputNamed(model, name.replace(/\.npy$/, ''), `${path}:${name}`);
    const limit = feedByteLimit(input);
    if (uncompressedSize > limit) throw new OptionsError(`feeds: ${path}: entry ${name} inflates to ${uncompressedSize} bytes, more than input "${input.name}" can hold (${limit} bytes)`);
    const data = method === 0 ? stored : method === 8 ? inflateBounded(stored, uncompressedSize, `${path}:${name}`) : undefined;
    if (!data) throw new OptionsError(`feeds: ${path}: entry ${name} uses an unsupported compression`);
    feeds[input.name] = parseNpy(data, `${path}:${name}`);
  }
  return feeds;
}

/** Inflates at most `declared` bytes; an entry that inflates to more (or less) than it declares is refused. */
function inflateBounded(raw: Uint8Array, declared: number, label: string): Uint8Array {
  let data: Uint8Array;
  try {
    data = inflateRawSync(raw, { maxOutputLength: Math.max(declared, 1) });
  } catch (error) {
    throw new OptionsError(`feeds: ${label}: does not inflate to its declared ${declared} bytes (${(error as Error).message})`, { cause: error });
  }
  if (data.byteLength !== declared) throw new OptionsError(`feeds: ${label}: inflates to ${data.byteLength} bytes, not its declared ${declared}`);
  return data;
}

const JSON_TYPES: Record<number, string> = { [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT64]: 'int64', [DataType.INT32]: 'int32', [DataType.BOOL]: 'bool', [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8' };

function readJsonFeeds(path: string, model: ModelProto): Feeds {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new OptionsError(`feeds: ${path} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OptionsError(`feeds: ${path} must hold a JSON object of input names`);
  const feeds: Feeds = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && 'data' in value) {
      const v = value as { type?: string; dims?: number[]; data: unknown[] };
      const flat = (v.data as unknown[]).flat(Infinity) as number[];
      feeds[name] = tensorOf(v.type ?? 'float32', flat, v.dims ?? [flat.length]);
    } else if (Array.isArray(value)) {
      const input = feedInputs(model).find((i) => i.name === name);
      const elemType = input?.type?.value.case === 'tensorType' ? input.type.value.value.elemType : DataType.FLOAT;
      feeds[name] = tensorOf(JSON_TYPES[elemType] ?? 'float32', value.flat(Infinity) as number[], shapeOf(value));
    } else {
      throw new OptionsError(`feeds: ${path}: "${name}" is neither an array nor { type, dims, data }`);
    }
  }
  return feeds;
}

function shapeOf(value: unknown): number[] {
  const dims: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) dims.push(v.length);
  return dims;
}

function tensorOf(type: string, values: number[], dims: number[]): TensorLike {
  switch (type) {
    case 'float32':
      return { type, data: Float32Array.from(values), dims };
    case 'float64':
      return { type, data: Float64Array.from(values), dims };
    case 'int64':
      return { type, data: BigInt64Array.from(values, (x) => BigInt(x)), dims };
    case 'int32':
      return { type, data: Int32Array.from(values), dims };
    case 'bool':
    case 'uint8':
      return { type, data: Uint8Array.from(values, Number), dims };
    case 'int8':
      return { type, data: Int8Array.from(values), dims };
    default:
      throw new OptionsError(`feeds: element type "${type}" is not supported in JSON feeds`);
  }
}
