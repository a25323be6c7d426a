/**
 * The browser-safe core of onnx-float16: bytes in, bytes out. Nothing here imports a `node:`
 * module; files live in the Node entry (`node.ts`).
 */
export { decodeModel, encodeModel, encodeModelParts, PROTOBUF_SIZE_LIMIT, type EncodedModel, type EncodedPart } from './proto/codec.js';
export { decodeModelLazily, decodeModelLazilyAsync, memorySource, type AsyncRandomAccessSource, type RandomAccessSource } from './proto/skeleton.js';
export { blobSource, loadModelFromBlob, modelToBlobs, type BlobLoadOptions, type BlobSaveOptions, type ModelBlobs } from './proto/blob-io.js';
export { readTensorData, tensorPayload, type TensorPayload } from './proto/payload.js';
export { forEachTensor, mapTensors } from './proto/tensor-walk.js';
export { DataType, dataTypeName, parseDataType, dataTypeBits } from './dtype.js';
export { ExternalDataError, ModelFileError, OnnxFormatError, OptionsError, UnsupportedModelError } from './errors.js';
export { summarizeModel, type ModelSummary, type TensorTypeSummary } from './inspect/summarize-model.js';
export { convertFloatToFloat16, convertFloatToBfloat16, convertModel, type ConversionReport, type ConversionResult, type KeptNodeRecord } from './convert/convert-model.js';
export { DEFAULT_OP_BLOCK_LIST, ALWAYS_FLOAT_INPUTS, type ConvertOptions, type ConversionWarning } from './convert/options.js';
export { float32BitsToFloat16Bits, float16BitsToFloat32Bits, convertFloat32ToFloat16 } from './numeric/float16.js';
export { float32BitsToBfloat16Bits, bfloat16BitsToFloat32Bits, convertFloat32ToBfloat16 } from './numeric/bfloat16.js';
export { onnxruntimeAdapter, type OnnxruntimeAdapterOptions, type OnnxruntimeModule } from './runtime/onnxruntime-adapter.js';
export type { Feeds, Runtime, TensorLike } from './runtime/runtime.js';
export { autoConvertMixedPrecision, findNodeBlockList, type AutoMixedPrecisionOptions, type AttemptEvent, type BlockListResult, type Strategy } from './mixed/auto-mixed-precision.js';
export { emulateLowPrecision } from './mixed/emulate.js';
export { randomFeeds } from './mixed/random-feeds.js';
export { allClose, type ValidateFn } from './mixed/validate.js';
export { parseNpy } from './runtime/npy.js';
export { tensorFromProto } from './runtime/tensor-from-proto.js';
export * from './proto/onnx.js';
