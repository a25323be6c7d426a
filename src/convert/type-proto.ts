/** TypeProtos for retyped and new values: shapes kept, float32 element types replaced. */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { withFields } from '../proto/message-copy.js';
import { TypeProtoSchema, TypeProto_TensorSchema, type TypeProto, type ValueInfoProto } from '../proto/onnx.js';
import type { ValueType } from '../ir/value-type.js';

/** `type` with `from` element types (FLOAT by default) replaced by `target`, inside containers too (shapes and denotations kept). */
export function retypeTypeProto(type: TypeProto, target: number, from: number = DataType.FLOAT): TypeProto {
  const value = type.value;
  switch (value.case) {
    case 'tensorType':
    case 'sparseTensorType':
      if (value.value.elemType !== from) return type;
      return withFields(type, { value: { case: value.case, value: withFields(value.value, { elemType: target }) } } as Partial<TypeProto>);
    case 'sequenceType':
    case 'optionalType': {
      const inner = value.value.elemType && retypeTypeProto(value.value.elemType, target, from);
      if (inner === value.value.elemType) return type;
      return withFields(type, { value: { case: value.case, value: withFields(value.value, { elemType: inner }) } } as Partial<TypeProto>);
    }
    case 'mapType': {
      const inner = value.value.valueType && retypeTypeProto(value.value.valueType, target, from);
      if (inner === value.value.valueType) return type;
      return withFields(type, { value: { case: 'mapType', value: withFields(value.value, { valueType: inner }) } } as Partial<TypeProto>);
    }
    default:
      return type;
  }
}

/** A ValueInfo whose float32 element types become `target`; the same object when nothing changes. */
export function retypeValueInfo(info: ValueInfoProto, target: number): ValueInfoProto {
  if (!info.type) return info;
  const type = retypeTypeProto(info.type, target);
  return type === info.type ? info : withFields(info, { type });
}

/** A tensor TypeProto of `elemType`, with the shape of `shapeFrom` when it is a tensor type. */
export function tensorTypeProto(elemType: number, shapeFrom?: TypeProto): TypeProto {
  const shape = shapeFrom?.value.case === 'tensorType' ? shapeFrom.value.value.shape : undefined;
  const tensorType = create(TypeProto_TensorSchema, { elemType });
  if (shape) tensorType.shape = shape;
  return create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } });
}

/** The suffix used in names of converted or cast values: fp16, bf16, fp32. */
export function typeSuffix(type: ValueType | number | undefined): string {
  const elem = typeof type === 'number' ? type : type && 'elemType' in type ? type.elemType : undefined;
  return elem === DataType.FLOAT16 ? 'fp16' : elem === DataType.BFLOAT16 ? 'bf16' : elem === DataType.FLOAT ? 'fp32' : 'cast';
}
