/**
 * onnxruntime-node as a Runtime, loaded on first use: plain conversion never needs it, and it is
 * an optional dependency.
 */
import { RuntimeUnavailableError } from '../errors.js';
import { onnxruntimeAdapter, type OnnxruntimeAdapterOptions, type OnnxruntimeModule } from './onnxruntime-adapter.js';
import type { Runtime } from './runtime.js';

let loaded: Promise<OnnxruntimeModule> | undefined;

/** Imports onnxruntime-node, with a clear error where it is not installed. */
export function loadOnnxruntimeNode(): Promise<OnnxruntimeModule> {
  loaded ??= import('onnxruntime-node').then(
    (module) => ((module as { default?: OnnxruntimeModule }).default ?? module) as unknown as OnnxruntimeModule,
    (error: unknown) => {
      loaded = undefined;
      throw new RuntimeUnavailableError(`onnxruntime-node is needed to run models but could not be loaded (npm install onnxruntime-node): ${(error as Error).message}`);
    },
  );
  return loaded;
}

/** A Runtime over onnxruntime-node (CPU unless executionProviders names another). */
export async function nodeRuntime(options: OnnxruntimeAdapterOptions = {}): Promise<Runtime> {
  const ort = await loadOnnxruntimeNode();
  // onnxruntime logs failed runs on stderr itself; the error reaches the caller anyway.
  const sessionOptions = { logSeverityLevel: 4, ...options.sessionOptions };
  return onnxruntimeAdapter(ort, { name: `onnxruntime-node (${options.executionProviders?.join(', ') ?? 'cpu'})`, ...options, sessionOptions });
}
