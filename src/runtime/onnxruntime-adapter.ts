/**
 * A Runtime over any onnxruntime-common module (onnxruntime-node, onnxruntime-web), which the
 * caller imports: this file imports none, so the core stays free of runtime dependencies.
 */
import type { Feeds, Runtime, RuntimeSession, TensorLike } from './runtime.js';

/** The part of onnxruntime-common's API used here. */
export interface OnnxruntimeModule {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OnnxruntimeSession>;
  };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => TensorLike;
}

interface OnnxruntimeSession {
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorLike>, fetches?: readonly string[]): Promise<Record<string, TensorLike>>;
  release?(): Promise<void>;
}

export interface OnnxruntimeAdapterOptions {
  /** Execution providers, e.g. ["cuda"] (default: onnxruntime's default, the CPU). */
  executionProviders?: readonly string[];
  /** Passed through to InferenceSession.create (graphOptimizationLevel, ...). */
  sessionOptions?: Record<string, unknown>;
  /** A label for messages. */
  name?: string;
}

export function onnxruntimeAdapter(ort: OnnxruntimeModule, options: OnnxruntimeAdapterOptions = {}): Runtime {
  const sessionOptions = { ...options.sessionOptions, ...(options.executionProviders ? { executionProviders: [...options.executionProviders] } : {}) };
  const load = async (model: Uint8Array, loadOptions: { optimize?: boolean } = {}): Promise<RuntimeSession> => {
    const session = await ort.InferenceSession.create(model, loadOptions.optimize === false ? { ...sessionOptions, graphOptimizationLevel: 'disabled' } : sessionOptions);
    return {
      async run(feeds: Feeds, outputNames?: readonly string[]) {
        const inputs: Record<string, TensorLike> = {};
        for (const [name, tensor] of Object.entries(feeds)) inputs[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
        const outputs = await session.run(inputs, outputNames ?? session.outputNames);
        const plain: Record<string, TensorLike> = {};
        for (const [name, tensor] of Object.entries(outputs)) plain[name] = { type: tensor.type, data: tensor.data, dims: [...tensor.dims] };
        return plain;
      },
      async release() {
        await session.release?.();
      },
    };
  };
  return {
    name: options.name ?? `onnxruntime (${options.executionProviders?.join(', ') ?? 'cpu'})`,
    load,
    async run(model: Uint8Array, feeds: Feeds, outputNames?: readonly string[]) {
      const session = await load(model);
      try {
        return await session.run(feeds, outputNames);
      } finally {
        await session.release();
      }
    },
  };
}
