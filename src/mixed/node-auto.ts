/**
 * The Node entry's automatic mixed precision and model comparison: the same functions, with
 * onnxruntime-node as the default runtime (CPU; `provider: "cuda"` or another execution provider runs the converted
 * models themselves instead of their float16 emulation).
 */
import type { ModelProto } from '../proto/onnx.js';
import { nodeRuntime } from '../runtime/node-runtime.js';
import type { Feeds } from '../runtime/runtime.js';
import * as core from './auto-mixed-precision.js';
import * as comparing from './compare.js';

export interface NodeAutoMixedPrecisionOptions extends core.AutoMixedPrecisionOptions {
  /** onnxruntime execution provider for the default runtime: "cpu" (default), "cuda", ... */
  provider?: string;
}

async function withRuntime(options: NodeAutoMixedPrecisionOptions): Promise<core.AutoMixedPrecisionOptions> {
  const { provider, ...rest } = options;
  const onCpu = provider === undefined || provider === 'cpu';
  return {
    ...rest,
    runtime: rest.runtime ?? (await nodeRuntime(onCpu ? {} : { executionProviders: [provider] })),
    emulate: rest.emulate ?? onCpu,
  };
}

export async function findNodeBlockList(model: ModelProto, feeds: Feeds | Feeds[], options: NodeAutoMixedPrecisionOptions): Promise<core.BlockListResult> {
  return core.findNodeBlockList(model, feeds, await withRuntime(options));
}

export async function autoConvertMixedPrecision(model: ModelProto, feeds: Feeds | Feeds[], options: NodeAutoMixedPrecisionOptions): Promise<ModelProto> {
  return core.autoConvertMixedPrecision(model, feeds, await withRuntime(options));
}

export interface NodeCompareOptions extends comparing.CompareOptions {
  /** onnxruntime execution provider for the default runtime: "cpu" (default: a float16 B is measured through its emulation), "cuda", ... (B runs itself). */
  provider?: string;
}

/** compareModels with onnxruntime-node as the default runtime. */
export async function compareModels(a: ModelProto, b: ModelProto, feeds: Feeds, options: NodeCompareOptions = {}): Promise<comparing.ComparisonResult> {
  const { provider, ...rest } = options;
  const onCpu = provider === undefined || provider === 'cpu';
  return comparing.compareModels(a, b, feeds, {
    ...rest,
    runtime: rest.runtime ?? (await nodeRuntime(onCpu ? {} : { executionProviders: [provider] })),
    emulate: rest.emulate ?? onCpu,
  });
}
