/**
 * The browser-safe core of onnx-float16: bytes in, bytes out. Nothing here imports a `node:`
 * module; files live in the Node entry (`node.ts`).
 */
export { decodeModel, encodeModel, encodeModelParts, PROTOBUF_SIZE_LIMIT, type EncodedModel, type EncodedPart } from './proto/codec.js';
export { decodeModelLazily, memorySource, type RandomAccessSource } from './proto/skeleton.js';
export { readTensorData, tensorPayload, type TensorPayload } from './proto/payload.js';
export { forEachTensor, mapTensors } from './proto/tensor-walk.js';
export { DataType, dataTypeName, parseDataType, dataTypeBits } from './dtype.js';
export { ExternalDataError, ModelFileError, OnnxFormatError, OptionsError, UnsupportedModelError } from './errors.js';
export { summarizeModel, type ModelSummary, type TensorTypeSummary } from './inspect/summarize-model.js';
export * from './proto/onnx.js';
