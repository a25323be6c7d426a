/**
 * What the library needs from a runtime that executes ONNX models: run model bytes on named
 * feeds and return named outputs. onnxruntime-node and onnxruntime-web fit it through
 * `onnxruntimeAdapter`; other runtimes can plug in. Tensors are plain `TensorLike` objects, which
 * onnxruntime's Tensor matches structurally; float16 data travels as Uint16Array bit patterns.
 */

/** A tensor as onnxruntime-common describes one: element type name, data, dimensions. */
export interface TensorLike {
  /** "float32", "float16", "int64", "bool", ... (onnxruntime's names). */
  readonly type: string;
  readonly data: ArrayBufferView | readonly string[];
  readonly dims: readonly number[];
}

export type Feeds = Record<string, TensorLike>;

export interface Runtime {
  /** A name for messages ("onnxruntime-node (cpu)"). */
  readonly name: string;
  /** Runs the model; resolves to every graph output (or those named). */
  run(model: Uint8Array, feeds: Feeds, outputNames?: readonly string[]): Promise<Record<string, TensorLike>>;
  /**
   * Loads the model once for many runs (optional: without it, each run loads the model again).
   * `optimize: false` skips graph optimizations: for generated models (the float16 emulation)
   * that run many times and that optimizations would only slow to load.
   */
  load?(model: Uint8Array, options?: { optimize?: boolean }): Promise<RuntimeSession>;
}

/** A model loaded once and run many times. */
export interface RuntimeSession {
  /** Runs the loaded model; resolves to every graph output (or those named). */
  run(feeds: Feeds, outputNames?: readonly string[]): Promise<Record<string, TensorLike>>;
  release(): Promise<void>;
}
