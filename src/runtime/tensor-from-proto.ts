/**
 * TensorProto -> TensorLike (onnxruntime's tensor shape), for feeds and expected outputs stored
 * as TensorProto files (the ONNX test-data layout: input_0.pb, output_0.pb, ...).
 */
import { DataType, dataTypeName } from '../dtype.js';
import { OnnxFormatError, UnsupportedModelError } from '../errors.js';
import type { TensorProto } from '../proto/onnx.js';
import type { TensorLike } from './runtime.js';

type ArrayCtor = { new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

const LAYOUT: Record<number, { type: string; array: ArrayCtor }> = {
  [DataType.FLOAT]: { type: 'float32', array: Float32Array },
  [DataType.DOUBLE]: { type: 'float64', array: Float64Array },
  [DataType.FLOAT16]: { type: 'float16', array: Uint16Array },
  [DataType.INT8]: { type: 'int8', array: Int8Array },
  [DataType.UINT8]: { type: 'uint8', array: Uint8Array },
  [DataType.INT16]: { type: 'int16', array: Int16Array },
  [DataType.UINT16]: { type: 'uint16', array: Uint16Array },
  [DataType.INT32]: { type: 'int32', array: Int32Array },
  [DataType.UINT32]: { type: 'uint32', array: Uint32Array },
  [DataType.INT64]: { type: 'int64', array: BigInt64Array as unknown as ArrayCtor },
  [DataType.UINT64]: { type: 'uint64', array: BigUint64Array as unknown as ArrayCtor },
  [DataType.BOOL]: { type: 'bool', array: Uint8Array },
};

/** The tensor as a TensorLike; throws for element types onnxruntime's JS API cannot hold. */
export function tensorFromProto(tensor: TensorProto): TensorLike {
  const dims = tensor.dims.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  if (tensor.dataType === DataType.STRING) {
    return { type: 'string', data: tensor.stringData.map((s) => new TextDecoder().decode(s)), dims };
  }
  const layout = LAYOUT[tensor.dataType];
  if (!layout) throw new UnsupportedModelError(`tensor "${tensor.name}": element type ${dataTypeName(tensor.dataType)} cannot be passed to onnxruntime from JavaScript`);
  const bytes = count * layout.array.BYTES_PER_ELEMENT;
  if (tensor.rawData.byteLength > 0) {
    if (tensor.rawData.byteLength !== bytes) throw new OnnxFormatError(`tensor "${tensor.name}": raw_data has ${tensor.rawData.byteLength} bytes, its shape needs ${bytes}`);
    const copy = new ArrayBuffer(bytes); // aligned copy: raw_data views are usually misaligned
    new Uint8Array(copy).set(tensor.rawData);
    return { type: layout.type, data: new layout.array(copy, 0, count), dims };
  }
  const values: ArrayLike<number | bigint> = typedValues(tensor);
  const data = new layout.array(new ArrayBuffer(bytes), 0, count) as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < count; i++) data[i] = values[i] ?? (layout.array === (BigInt64Array as unknown) || layout.array === (BigUint64Array as unknown) ? 0n : 0);
  return { type: layout.type, data: data as unknown as ArrayBufferView, dims };
}

function typedValues(tensor: TensorProto): ArrayLike<number | bigint> {
  switch (tensor.dataType) {
    case DataType.FLOAT:
      return tensor.floatData;
    case DataType.DOUBLE:
      return tensor.doubleData;
    case DataType.INT64:
      return tensor.int64Data;
    case DataType.UINT32:
      return tensor.uint64Data.map(Number);
    case DataType.UINT64:
      return tensor.uint64Data;
    default:
      // int32_data holds INT32, INT16, INT8, UINT16, UINT8, BOOL and FLOAT16 bit patterns.
      return tensor.int32Data;
  }
}
