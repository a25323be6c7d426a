/**
 * The Node entry's automatic mixed precision and model comparison: the same functions, with
 * onnxruntime-node as the default runtime (CPU; `provider: "cuda"` or another execution provider runs the converted
 * models themselves instead of their float16 emulation).
 */
import type { ModelProto } from '../proto/onnx.js';
import type { RuntimeName } from '../schema/runtime-support.js';
import { nodeRuntime } from '../runtime/node-runtime.js';
import type { Feeds } from '../runtime/runtime.js';
import * as core from './auto-mixed-precision.js';
import * as comparing from './compare.js';

export interface NodeAutoMixedPrecisionOptions extends core.AutoMixedPrecisionOptions {
  /** onnxruntime execution provider for the default runtime: "cpu" (default), "cuda", ... */
  provider?: string;
}

/** onnxruntime execution providers whose float16 kernels the conversion can target (`runtime`), by provider name. */
const PROVIDER_RUNTIMES: Readonly<Record<string, RuntimeName>> = { cuda: 'ort-cuda', dml: 'ort-dml', webgpu: 'ort-webgpu' };

/**
 * The conversion options a search on `provider` uses: unless they name a runtime, the provider's
 * (the attempts run there, so the final model should convert for it, not for the CPU default).
 */
export function convertOptionsForProvider(provider: string | undefined, convertOptions: core.AutoMixedPrecisionOptions['convertOptions']): core.AutoMixedPrecisionOptions['convertOptions'] {
  const runtime = provider !== undefined && Object.hasOwn(PROVIDER_RUNTIMES, provider) ? PROVIDER_RUNTIMES[provider] : undefined;
  if (!runtime || convertOptions?.runtime !== undefined) return convertOptions;
  return { ...convertOptions, runtime };
}

async function withRuntime(options: NodeAutoMixedPrecisionOptions): Promise<core.AutoMixedPrecisionOptions> {
  const { provider, ...rest } = options;
  const onCpu = provider === undefined || provider === 'cpu';
  const convertOptions = convertOptionsForProvider(provider, rest.convertOptions);
  return {
    ...rest,
    ...(convertOptions ? { convertOptions } : {}),
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
