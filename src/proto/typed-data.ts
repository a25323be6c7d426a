/**
 * Tensors that keep their values in typed fields (`float_data`, `int64_data`, ...) rather than
 * `raw_data`: their little-endian raw bytes, as onnx.proto defines the layout.
 */
import { DataType } from '../dtype.js';
import type { TensorProto } from './onnx.js';

/**
 * The raw little-endian bytes of a tensor held in typed fields, for the types whose typed field
 * holds one value per element (FLOAT, DOUBLE, INT32, INT64, UINT32, UINT64, and the complex
 * types); undefined for other types or when no typed field holds data.
 */
export function typedFieldsToRawBytes(tensor: TensorProto): Uint8Array | undefined {
  switch (tensor.dataType) {
    case DataType.FLOAT:
    case DataType.COMPLEX64:
      return tensor.floatData.length > 0 ? new Uint8Array(Float32Array.from(tensor.floatData).buffer) : undefined;
    case DataType.DOUBLE:
    case DataType.COMPLEX128:
      return tensor.doubleData.length > 0 ? new Uint8Array(Float64Array.from(tensor.doubleData).buffer) : undefined;
    case DataType.INT32:
      return tensor.int32Data.length > 0 ? new Uint8Array(Int32Array.from(tensor.int32Data).buffer) : undefined;
    case DataType.INT64:
      return tensor.int64Data.length > 0 ? new Uint8Array(BigInt64Array.from(tensor.int64Data).buffer) : undefined;
    case DataType.UINT32:
      return tensor.uint64Data.length > 0 ? new Uint8Array(Uint32Array.from(tensor.uint64Data, Number).buffer) : undefined;
    case DataType.UINT64:
      return tensor.uint64Data.length > 0 ? new Uint8Array(BigUint64Array.from(tensor.uint64Data).buffer) : undefined;
    default:
      return undefined;
  }
}
