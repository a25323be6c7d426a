/**
 * Running models in tests: onnxruntime-node when installed (tests skip otherwise), random feeds
 * from a model's declared inputs, feeds cast to a converted model's input types, and tolerant
 * comparison of outputs.
 */
import { createRequire } from 'node:module';
import { encodeModel } from '../src/proto/codec.js';
import type { ModelProto } from '../src/proto/onnx.js';
import { float16BitsToFloat32Bits } from '../src/numeric/float16.js';
import { castFeeds } from '../src/mixed/auto-mixed-precision.js';
import { randomFeeds as randomModelFeeds } from '../src/mixed/random-feeds.js';
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

/** Random feeds for the model's inputs (src/mixed/random-feeds.ts), with some inputs given explicitly. */
export function randomFeeds(model: ModelProto, dims: Record<string, number> = {}, options: { seed?: number; intRange?: number; values?: Record<string, TensorLike> } = {}): Feeds {
  const random = randomModelFeeds(model, { dims, seed: options.seed ?? 7, intRange: options.intRange ?? 2 });
  return { ...random, ...options.values };
}

/** The feeds with float32 data cast to float16 where the converted model's inputs are float16. */
export const feedsFor = castFeeds;

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
