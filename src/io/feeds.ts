/**
 * Model inputs from files (Node): an ONNX test-data folder (input_0.pb, ...), .npy files
 * (`name=file.npy`, or the only input), .npz archives (one array per input name), or JSON
 * (`{ "name": { "type": "float32", "dims": [1, 3], "data": [...] } }`, or nested arrays whose
 * type comes from the model).
 */
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { OptionsError } from '../errors.js';
import { DataType } from '../dtype.js';
import type { ModelProto } from '../proto/onnx.js';
import { parseNpy } from '../runtime/npy.js';
import type { Feeds, TensorLike } from '../runtime/runtime.js';
import { readTestDataFeeds } from './test-data.js';

/** The graph inputs that need feeds (initializers listed as inputs excluded). */
export function feedInputs(model: ModelProto) {
  const initializers = new Set(model.graph?.initializer.map((t) => t.name));
  return (model.graph?.input ?? []).filter((i) => !initializers.has(i.name));
}

/** Reads one `--feeds` argument into feeds. */
export function readFeeds(spec: string, model: ModelProto): Feeds {
  const named = /^([^=]+)=(.+\.npy)$/.exec(spec);
  if (named) return { [named[1]!]: parseNpy(readFileSync(named[2]!), named[2]!) };
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
    return { [inputs[0]!.name]: parseNpy(readFileSync(spec), spec) };
  }
  if (spec.endsWith('.npz')) return readNpz(spec);
  if (spec.endsWith('.json')) return readJsonFeeds(spec, model);
  throw new OptionsError(`feeds: ${spec} is not a test-data folder, .npy, .npz or .json file`);
}

function readNpz(path: string): Feeds {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The central directory's end record: the last "PK\5\6" in the file.
  let end = -1;
  for (let i = bytes.length - 22; i >= 0; i--) if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
  if (end < 0) throw new OptionsError(`feeds: ${path} is not a .npz (zip) archive`);
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const feeds: Feeds = {};
  for (let e = 0; e < entries; e++) {
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new OptionsError(`feeds: ${path}: entry ${name} uses an unsupported compression`);
    feeds[name.replace(/\.npy$/, '')] = parseNpy(data, `${path}:${name}`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return feeds;
}

const JSON_TYPES: Record<number, string> = { [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT64]: 'int64', [DataType.INT32]: 'int32', [DataType.BOOL]: 'bool', [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8' };

function readJsonFeeds(path: string, model: ModelProto): Feeds {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
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
