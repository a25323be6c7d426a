/**
 * The ONNX protobuf messages, generated from the proto2 `onnx.proto` (package `onnx-buf`).
 * proto2 matters: only proto2 keeps explicit defaults and unpacked repeated int64, so a decoded
 * model re-encodes byte for byte. Everything else in the library imports messages from here.
 */
export {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  FunctionProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  SparseTensorProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TrainingInfoProtoSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  TypeProto_SequenceSchema,
  TypeProto_OptionalSchema,
  TypeProto_MapSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
export type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  SparseTensorProto,
  StringStringEntryProto,
  TensorProto,
  TensorShapeProto,
  TrainingInfoProto,
  TypeProto,
  ValueInfoProto,
} from 'onnx-buf';
