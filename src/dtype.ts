/**
 * Tensor element types: names and sizes of `TensorProto.DataType`. Pure data, no protobuf.
 */

/** `TensorProto.DataType` values, by their onnx.proto names. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

export type DataTypeName = keyof typeof DataType;

const NAMES: readonly string[] = Object.entries(DataType)
  .sort((a, b) => a[1] - b[1])
  .map(([name]) => name);

/** The onnx.proto name of an element type ("FLOAT16"), or `DATATYPE_<n>` for a value this table lacks. */
export function dataTypeName(dataType: number): string {
  return NAMES[dataType] ?? `DATATYPE_${dataType}`;
}

/** Parses an onnx.proto name ("FLOAT16", case-insensitive) or `tensor(float16)`; undefined when unknown. */
export function parseDataType(text: string): number | undefined {
  const match = /^tensor\((\w+)\)$/.exec(text);
  const name = (match ? match[1]! : text).toUpperCase();
  const aliases: Record<string, string> = { FLOAT32: 'FLOAT', FLOAT64: 'DOUBLE', FP16: 'FLOAT16', BF16: 'BFLOAT16' };
  const key = aliases[name] ?? name;
  return Object.hasOwn(DataType, key) ? DataType[key as DataTypeName] : undefined;
}

/** Bits per element in `raw_data`; 0 for STRING and UNDEFINED (no fixed size). */
export function dataTypeBits(dataType: number): number {
  switch (dataType) {
    case DataType.BOOL:
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.FLOAT8E4M3FN:
    case DataType.FLOAT8E4M3FNUZ:
    case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ:
    case DataType.FLOAT8E8M0:
      return 8;
    case DataType.UINT16:
    case DataType.INT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 16;
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 32;
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
    case DataType.COMPLEX64:
      return 64;
    case DataType.COMPLEX128:
      return 128;
    case DataType.UINT4:
    case DataType.INT4:
    case DataType.FLOAT4E2M1:
      return 4;
    case DataType.UINT2:
    case DataType.INT2:
      return 2;
    default:
      return 0;
  }
}

/** True for the floating-point element types this tool may convert or produce. */
export function isFloatType(dataType: number): boolean {
  return dataType === DataType.FLOAT || dataType === DataType.FLOAT16 || dataType === DataType.BFLOAT16 || dataType === DataType.DOUBLE;
}
