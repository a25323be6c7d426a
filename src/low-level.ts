/**
 * `onnx-float16/low-level`: the building blocks under the main entry, for tools that work on
 * models' bytes and tensors directly. Browser-safe, like the main entry. These follow the
 * library's internals more closely than the main entry and may change in minor versions.
 */

// The ONNX protobuf messages (schemas, enums and types) and the codec's pieces.
export * from './proto/onnx.js';
export { encodeModelParts, PROTOBUF_SIZE_LIMIT, type EncodedModel, type EncodedPart } from './proto/codec.js';
export { decodeModelLazily, decodeModelLazilyAsync, memorySource, type AsyncRandomAccessSource, type RandomAccessSource } from './proto/skeleton.js';
export { blobSource } from './proto/blob-io.js';
export { decodeTensor } from './proto/tensor-file.js';

// Tensors: payloads wherever they live, and walks over every tensor of a model.
export { readTensorData, tensorPayload, type TensorPayload } from './proto/payload.js';
export { forEachTensor, mapTensors } from './proto/tensor-walk.js';
export { dataTypeName, parseDataType, dataTypeBits } from './dtype.js';

// "Did you mean": the rule behind the library's and the CLI's hints for misspelt names.
export { closestName } from './closest-name.js';

// Numeric kernels, on bit patterns.
export { float32BitsToFloat16Bits, float16BitsToFloat32Bits, convertFloat32ToFloat16 } from './numeric/float16.js';
export { float32BitsToBfloat16Bits, bfloat16BitsToFloat32Bits, convertFloat32ToBfloat16 } from './numeric/bfloat16.js';

// Conversion defaults and mixed-precision pieces.
export { ALWAYS_FLOAT_INPUTS } from './convert/options.js';
export { emulateLowPrecision } from './mixed/emulate.js';
export { allClose } from './mixed/validate.js';
export { tensorFromProto } from './runtime/tensor-from-proto.js';
export { npzEntries, NpzFormatError, type NpzEntry } from './runtime/npz.js';

// Runtime capabilities: which onnxruntime providers run an operator in float16 (from onnxruntime's kernel tables).
export { RUNTIME_NAMES, runtimeSupport, type RuntimeQuery, type RuntimeVerdict } from './schema/runtime-support.js';

// listValueTypes walked instead of listed: a million-node model without a million entries at once.
export { valueTypes, type ValueTypeWalk } from './inspect/list-value-types.js';

// Conversion straight to a file, each float32 weight read once (what the command line does).
export { convertAndSave, type ConvertedAndSaved } from './convert/convert-and-save.js';
