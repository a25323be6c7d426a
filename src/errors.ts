/**
 * The error classes the library throws. Each names what it is about (a file, a tensor, a node),
 * so a user can act on the message alone; the CLI prints `message` and never a stack trace.
 */

/** The bytes are not a valid ONNX model: not protobuf, truncated, or inconsistent. */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

/** External data is missing, out of range, or points outside the model's folder. */
export class ExternalDataError extends Error {
  override name = 'ExternalDataError';
}

/** The model is valid ONNX but uses something this library cannot handle (e.g. > 2 GB without external data). */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

/** A model file cannot be read or written: missing, unreadable, a folder, no space left. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** A model could not be run (on the given inputs, or by the runtime): the runtime's message, with context. */
export class ModelRunError extends Error {
  override name = 'ModelRunError';
}

/** Mixed precision cannot meet the tolerance, or a model fails its own validation. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** The runtime needed to run a model (onnxruntime-node, onnxruntime-web) is not installed or cannot start. */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
}

/** Options passed by the caller are wrong: unknown keys, wrong types, out-of-range values. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** Every error thrown on purpose by this library; the CLI reports these without a stack trace. */
export function isLibraryError(error: unknown): error is Error {
  return (
    error instanceof OnnxFormatError ||
    error instanceof ExternalDataError ||
    error instanceof UnsupportedModelError ||
    error instanceof ModelFileError ||
    error instanceof ModelRunError ||
    error instanceof ValidationError ||
    error instanceof RuntimeUnavailableError ||
    error instanceof OptionsError
  );
}
