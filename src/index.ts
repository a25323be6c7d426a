/**
 * The browser-safe entry of onnx-float16: what users call, bytes and Blobs in and out. Nothing here
 * imports a `node:` module; files are the Node entry's (`node.ts`), and the building blocks
 * (protobuf schemas, lazy payloads, tensor walks, bit kernels) are `onnx-float16/low-level`.
 * test/public-api.test.ts pins this list: a name added here is a promise kept.
 */

// Load and save.
export { decodeModel, encodeModel } from './proto/codec.js';
export { loadModelFromBlob, modelToBlobs, type BlobLoadOptions, type BlobSaveOptions, type ModelBlobs } from './proto/blob-io.js';
export type { ModelProto } from './proto/onnx.js';

// Convert.
export { convertFloatToFloat16, convertFloatToBfloat16, convertModel, type ConversionReport, type ConversionTarget, type ConversionResult, type KeptNodeRecord } from './convert/convert-model.js';
export { DEFAULT_OP_BLOCK_LIST, type ConvertOptions, type ConversionWarning } from './convert/options.js';
export { describeReason, type KeepReason } from './convert/keep-reason.js';

// Automatic mixed precision.
export { autoConvertMixedPrecision, findNodeBlockList, type AutoMixedPrecisionOptions, type AttemptEvent, type BlockListResult, type Strategy } from './mixed/auto-mixed-precision.js';
export type { ValidateFn } from './mixed/validate.js';

// Compare two models (is the conversion good enough, and where does it go wrong?).
export { compareModels, type CompareOptions, type ComparisonResult, type LocatedNode, type OutputComparison } from './mixed/compare.js';

// Inspect.
export { summarizeModel, type ModelSummary, type TensorTypeSummary, type TensorGroupSummary } from './inspect/summarize-model.js';
export { listValueTypes, type ValueTypeEntry, type ValueTypeList } from './inspect/list-value-types.js';
export type { TypeWarning } from './schema/infer-types.js';
export { runtimeReport, type RuntimeReport, type RuntimeNodeEntry } from './inspect/runtime-report.js';
export type { RuntimeName } from './schema/runtime-support.js';

// Feeds and runtimes.
export { randomFeeds } from './mixed/random-feeds.js';
export { parseNpy } from './runtime/npy.js';
export { onnxruntimeAdapter, type OnnxruntimeAdapterOptions, type OnnxruntimeModule } from './runtime/onnxruntime-adapter.js';
export type { Feeds, Runtime, TensorLike } from './runtime/runtime.js';

// Errors and element types.
export {
  ExternalDataError,
  isLibraryError,
  ModelFileError,
  ModelRunError,
  OnnxFormatError,
  OptionsError,
  RuntimeUnavailableError,
  UnsupportedModelError,
  ValidationError,
} from './errors.js';
export { DataType, type DataTypeName } from './dtype.js';
export { fromFloat16, toFloat16, type Float16ArrayLike, type ToFloat16Options } from './numeric/float16-array.js';
