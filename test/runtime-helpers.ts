/**
 * Running models in tests: onnxruntime-node when installed (tests skip otherwise), random feeds
 * from a model's declared inputs, feeds cast to a converted model's input types, and tolerant
 * comparison of outputs.
 */
import { createRequire } from 'node:module';
import { DataType } from '../src/dtype.js';
import { encodeModel } from '../src/proto/codec.js';
import type { ModelProto } from '../src/proto/onnx.js';
import { float16BitsToFloat32Bits, convertFloat32ToFloat16 } from '../src/numeric/float16.js';
import { nodeRuntime } from '../src/runtime/node-runtime.js';
import type { Feeds, Runtime, TensorLike } from '../src/runtime/runtime.js';

const require = createRequire(import.meta.url);
let available = true;
try {
  require.resolve('onnxruntime-node');
} catch {
  available = false;
}
export const RUNTIME_SKIP = available ? false : 'onnxruntime-node is not installed: runtime checks skipped';

let runtime: Promise<Runtime> | undefined;
export function cpuRuntime(): Promise<Runtime> {
  runtime ??= nodeRuntime({ sessionOptions: { logSeverityLevel: 3 } });
  return runtime;
}

const ORT_TYPES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.BOOL]: 'bool',
};

/** A deterministic generator of numbers in [0, 1). */
export function seededRandom(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Random feeds for the model's inputs; symbolic or unknown dimensions come from `dims` (default 1). */
export function randomFeeds(model: ModelProto, dims: Record<string, number> = {}, options: { seed?: number; intRange?: number; values?: Record<string, TensorLike> } = {}): Feeds {
  const random = seededRandom(options.seed ?? 7);
  const initializers = new Set(model.graph!.initializer.map((t) => t.name));
  const feeds: Feeds = {};
  for (const input of model.graph!.input) {
    if (initializers.has(input.name)) continue;
    if (options.values?.[input.name]) {
      feeds[input.name] = options.values[input.name]!;
      continue;
    }
    const tensorType = input.type?.value.case === 'tensorType' ? input.type.value.value : undefined;
    if (!tensorType) throw new Error(`input "${input.name}" is not a tensor`);
    const shape = (tensorType.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : (dims[d.value.case === 'dimParam' ? d.value.value : ''] ?? dims[input.name] ?? 1)));
    const count = shape.reduce((a, b) => a * b, 1);
    const type = ORT_TYPES[tensorType.elemType];
    if (!type) throw new Error(`input "${input.name}" has an element type the tests do not feed`);
    const range = options.intRange ?? 2;
    let data: ArrayBufferView;
    switch (tensorType.elemType) {
      case DataType.FLOAT:
        data = Float32Array.from({ length: count }, () => random() * 2 - 1);
        break;
      case DataType.DOUBLE:
        data = Float64Array.from({ length: count }, () => random() * 2 - 1);
        break;
      case DataType.INT64:
        data = BigInt64Array.from({ length: count }, () => BigInt(Math.floor(random() * range)));
        break;
      case DataType.INT32:
        data = Int32Array.from({ length: count }, () => Math.floor(random() * range));
        break;
      case DataType.BOOL:
        data = Uint8Array.from({ length: count }, () => (random() < 0.5 ? 1 : 0));
        break;
      default:
        data = new Uint8Array(count);
    }
    feeds[input.name] = { type, data, dims: shape };
  }
  return feeds;
}

/** The feeds with float32 data cast to float16 where the converted model's inputs are float16. */
export function feedsFor(model: ModelProto, feeds: Feeds): Feeds {
  const out: Feeds = { ...feeds };
  for (const input of model.graph!.input) {
    const feed = feeds[input.name];
    const elemType = input.type?.value.case === 'tensorType' ? input.type.value.value.elemType : undefined;
    if (!feed || feed.type !== 'float32' || elemType !== DataType.FLOAT16) continue;
    const source = feed.data as Float32Array;
    const halves = new Uint16Array(source.length);
    convertFloat32ToFloat16(new Uint32Array(source.buffer, source.byteOffset, source.length), halves);
    out[input.name] = { type: 'float16', data: halves, dims: feed.dims };
  }
  return out;
}

/** Output data as numbers (float16 widened exactly), or bigint/strings as they are. */
export function outputValues(tensor: TensorLike): number[] | bigint[] | string[] {
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    const f = new Float32Array(new Uint32Array(Array.from(bits, float16BitsToFloat32Bits)).buffer);
    return Array.from(f);
  }
  if (tensor.type === 'string') return [...(tensor.data as string[])];
  return Array.from(tensor.data as unknown as ArrayLike<number | bigint>) as number[] | bigint[];
}

/** Runs a model on the CPU. */
export async function runModel(model: ModelProto, feeds: Feeds): Promise<Record<string, TensorLike>> {
  return (await cpuRuntime()).run(encodeModel(model), feeds);
}

/** Largest violation of |a - b| <= atol + rtol * |b|, as a message; undefined when all are close. */
export function compareOutputs(expected: Record<string, TensorLike>, actual: Record<string, TensorLike>, rtol = 1e-2, atol = 1e-2): string | undefined {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (!got) return `output "${name}" is missing`;
    if (want.dims.join() !== got.dims.join()) return `output "${name}": shape [${got.dims}] instead of [${want.dims}]`;
    const a = outputValues(want);
    const b = outputValues(got);
    const isFloat = want.type.startsWith('float');
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (!isFloat) {
        if (x !== y) return `output "${name}"[${i}]: ${String(y)} instead of ${String(x)}`;
        continue;
      }
      const xf = x as number;
      const yf = y as number;
      if (Number.isNaN(xf) && Number.isNaN(yf)) continue;
      if (xf === yf) continue;
      if (!(Math.abs(xf - yf) <= atol + rtol * Math.abs(xf))) return `output "${name}"[${i}]: ${yf} instead of ${xf}`;
    }
  }
  return undefined;
}
