/**
 * Random feeds from a model's declared inputs, for `auto --random`: floats uniform in [-1, 1),
 * integers in [0, intRange), booleans, with symbolic dimensions taken from `dims` (default 1).
 * Deterministic for a seed.
 */
import { DataType } from '../dtype.js';
import { OptionsError } from '../errors.js';
import type { ModelProto } from '../proto/onnx.js';
import type { Feeds } from '../runtime/runtime.js';

/** `dims` maps symbolic dimension names, or input names (the size of each of its unknown dimensions), to sizes; `shapes` gives whole shapes by input name. */
export function randomFeeds(model: ModelProto, dims: Record<string, number> = {}, seed = 1, intRange = 2, shapes: Record<string, number[]> = {}): Feeds {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const initializers = new Set(model.graph?.initializer.map((t) => t.name));
  const feeds: Feeds = {};
  for (const input of model.graph?.input ?? []) {
    if (initializers.has(input.name)) continue;
    const tensor = input.type?.value.case === 'tensorType' ? input.type.value.value : undefined;
    if (!tensor) throw new OptionsError(`--random: input "${input.name}" is not a tensor; give --feeds`);
    const shape =
      shapes[input.name] ??
      (tensor.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : (dims[d.value.case === 'dimParam' ? d.value.value : ''] ?? 1)));
    const count = shape.reduce((a, b) => a * b, 1);
    switch (tensor.elemType) {
      case DataType.FLOAT:
        feeds[input.name] = { type: 'float32', data: Float32Array.from({ length: count }, () => random() * 2 - 1), dims: shape };
        break;
      case DataType.DOUBLE:
        feeds[input.name] = { type: 'float64', data: Float64Array.from({ length: count }, () => random() * 2 - 1), dims: shape };
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
        throw new OptionsError(`--random: input "${input.name}" has an element type random feeds do not cover; give --feeds`);
    }
  }
  return feeds;
}
