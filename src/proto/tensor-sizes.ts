/**
 * Load-time checks of embedded tensor data against the tensor's shape and type, as external data
 * is checked when it is bound: `raw_data` must hold exactly the bytes the dims and data type call
 * for, typed fields (`float_data`, ...) exactly one entry per element, and no dim may be
 * negative. A tensor that fails would otherwise convert into a file our own loader refuses.
 */
import { DataType, dataTypeBits, dataTypeName } from '../dtype.js';
import { OnnxFormatError } from '../errors.js';
import { TensorProto_DataLocation, type ModelProto, type TensorProto } from './onnx.js';
import { tensorPayload } from './payload.js';
import { forEachTensor } from './tensor-walk.js';

/** Throws OnnxFormatError naming the first tensor of `model` whose data contradicts its dims. */
export function assertTensorSizes(model: ModelProto, label: string): void {
  forEachTensor(model, (tensor) => assertTensorSize(tensor, label));
}

/** Throws OnnxFormatError when the tensor's embedded data contradicts its dims and type. */
export function assertTensorSize(tensor: TensorProto, label: string): void {
  const where = () => `${label}: tensor "${tensor.name}" (${dataTypeName(tensor.dataType)}, dims [${tensor.dims.join(', ')}])`;
  let elements = 1;
  for (const dim of tensor.dims) {
    if (dim < 0n) throw new OnnxFormatError(`${where()} has a negative dim`);
    elements *= Number(dim);
  }
  const bound = tensorPayload(tensor);
  // External data is checked against its file when it is bound (io/load-model.ts, blob-io.ts).
  if (bound?.placement === 'external' || tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) return;
  const rawBytes = bound ? bound.payload.byteLength : tensor.rawData.byteLength;
  const bits = dataTypeBits(tensor.dataType);
  if (rawBytes > 0 && bits > 0) {
    const expected = Math.ceil((elements * bits) / 8);
    if (rawBytes !== expected) {
      throw new OnnxFormatError(`${where()}: raw_data holds ${rawBytes} bytes but the shape and type need ${expected}`);
    }
    return;
  }
  const typed = typedEntries(tensor);
  if (rawBytes === 0 && typed && typed.count > 0 && typed.count !== elements * typed.perElement) {
    throw new OnnxFormatError(`${where()}: ${typed.field} holds ${typed.count} values but the shape needs ${elements * typed.perElement}`);
  }
}

/** The typed field that holds this data type's values, with entries per element (complex: 2). */
function typedEntries(tensor: TensorProto): { field: string; count: number; perElement: number } | undefined {
  switch (tensor.dataType) {
    case DataType.FLOAT:
      return { field: 'float_data', count: tensor.floatData.length, perElement: 1 };
    case DataType.COMPLEX64:
      return { field: 'float_data', count: tensor.floatData.length, perElement: 2 };
    case DataType.DOUBLE:
      return { field: 'double_data', count: tensor.doubleData.length, perElement: 1 };
    case DataType.COMPLEX128:
      return { field: 'double_data', count: tensor.doubleData.length, perElement: 2 };
    case DataType.INT64:
      return { field: 'int64_data', count: tensor.int64Data.length, perElement: 1 };
    case DataType.UINT32:
    case DataType.UINT64:
      return { field: 'uint64_data', count: tensor.uint64Data.length, perElement: 1 };
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.UINT8:
    case DataType.BOOL:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return { field: 'int32_data', count: tensor.int32Data.length, perElement: 1 };
    case DataType.STRING:
      return { field: 'string_data', count: tensor.stringData.length, perElement: 1 };
    default:
      return undefined;
  }
}
