/**
 * Random feeds from a model's declared inputs (`auto --random`): floats uniform in [-1, 1)
 * (float32, float64 or float16 bit patterns), integers in [0, intRange), booleans; symbolic
 * dimensions sized by `dims` (default 1). Deterministic for a seed.
 */
import { DataType } from '../dtype.js';
import { OptionsError } from '../errors.js';
import { float32BitsToFloat16Bits } from '../numeric/float16.js';
import type { ModelProto } from '../proto/onnx.js';
import type { Feeds } from '../runtime/runtime.js';

export interface RandomFeedsOptions {
  /** Sizes of symbolic dimensions by name, or by input name (the size of each of its unknown dimensions). Default 1. */
  dims?: Record<string, number>;
  /** Whole shapes by input name. */
  shapes?: Record<string, number[]>;
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Integers are drawn from [0, intRange) (default 2). */
  intRange?: number;
}

const KNOWN_KEYS = new Set(['dims', 'shapes', 'seed', 'intRange']);

export function randomFeeds(model: ModelProto, options: RandomFeedsOptions = {}): Feeds {
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) throw new OptionsError(`randomFeeds: unknown option "${key}" (dims, shapes, seed, intRange)`);
  const { dims = {}, shapes = {}, seed = 1, intRange = 2 } = options;
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const initializers = new Set(model.graph?.initializer.map((t) => t.name));
  const inputs = (model.graph?.input ?? []).filter((input) => !initializers.has(input.name));
  const inputNames = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(shapes)) if (!inputNames.has(name)) throw new OptionsError(`randomFeeds: shapes names "${name}", which is not a model input (inputs: ${[...inputNames].join(', ')})`);
  const dimNames = new Set(inputs.flatMap((input) => (input.type?.value.case === 'tensorType' ? (input.type.value.value.shape?.dim ?? []) : []).flatMap((d) => (d.value.case === 'dimParam' ? [d.value.value] : []))));
  for (const name of Object.keys(dims)) {
    if (!dimNames.has(name) && !inputNames.has(name)) throw new OptionsError(`randomFeeds: dims names "${name}", which is neither a symbolic dimension (${[...dimNames].join(', ') || 'none'}) nor an input`);
  }
  const feeds: Feeds = {};
  for (const input of inputs) {
    const tensor = input.type?.value.case === 'tensorType' ? input.type.value.value : undefined;
    if (!tensor) throw new OptionsError(`randomFeeds: input "${input.name}" is not a tensor; random feeds cannot make it`);
    const shape =
      shapes[input.name] ??
      (tensor.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : (dims[d.value.case === 'dimParam' ? d.value.value : ''] ?? dims[input.name] ?? 1)));
    const count = shape.reduce((a, b) => a * b, 1);
    const uniform = () => random() * 2 - 1;
    switch (tensor.elemType) {
      case DataType.FLOAT:
        feeds[input.name] = { type: 'float32', data: Float32Array.from({ length: count }, uniform), dims: shape };
        break;
      case DataType.FLOAT16: {
        const bits = new Uint32Array(Float32Array.from({ length: count }, uniform).buffer);
        feeds[input.name] = { type: 'float16', data: Uint16Array.from(bits, float32BitsToFloat16Bits), dims: shape };
        break;
      }
      case DataType.DOUBLE:
        feeds[input.name] = { type: 'float64', data: Float64Array.from({ length: count }, uniform), dims: shape };
        break;
      case DataType.INT64:
        feeds[input.name] = { type: 'int64', data: BigInt64Array.from({ length: count }, () => BigInt(Math.floor(random() * intRange))), dims: shape };
        break;
      case DataType.INT32:
        feeds[input.name] = { type: 'int32', data: Int32Array.from({ length: count }, () => Math.floor(random() * intRange)), dims: shape };
        break;
      case DataType.BOOL:
        feeds[input.name] = { type: 'bool', data: Uint8Array.from({ length: count }, () => (random() < 0.5 ? 1 : 0)), dims: shape };
        break;
      default:
        throw new OptionsError(`randomFeeds: input "${input.name}" has an element type random feeds do not cover (float, float16, double, int64, int32, bool); give its values`);
    }
  }
  return feeds;
}
