import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { typeFromProto } from '../ir/value-type.js';
import { TypeProtoSchema, ValueInfoProtoSchema, type TypeProto } from '../proto/onnx.js';
import { valueInfo } from '../../test/model-builder.js';
import { retypeTypeProto, retypeValueInfo, tensorTypeProto, typeSuffix } from './type-proto.js';

const F = DataType.FLOAT;
const H = DataType.FLOAT16;

function sequenceOf(elem: TypeProto): TypeProto {
  return create(TypeProtoSchema, { value: { case: 'sequenceType', value: { elemType: elem } } });
}

test('retypeTypeProto: float32 elements become the target inside containers; shapes stay', () => {
  const tensor = valueInfo('x', F, [2, 'n']).type!;
  const retyped = retypeTypeProto(tensor, H);
  assert.deepEqual(typeFromProto(retyped), { kind: 'tensor', elemType: H });
  assert.deepEqual(retyped.value.case === 'tensorType' && retyped.value.value.shape, tensor.value.case === 'tensorType' && tensor.value.value.shape);
  assert.deepEqual(typeFromProto(retypeTypeProto(sequenceOf(tensor), H)), { kind: 'sequence', elem: { kind: 'tensor', elemType: H } });
  assert.deepEqual(typeFromProto(retypeTypeProto(retyped, F, H)), { kind: 'tensor', elemType: F }, 'and back, with `from`');
});

test('retypeTypeProto and retypeValueInfo return the same object when nothing is float32 (no copy, no change)', () => {
  const ints = valueInfo('i', DataType.INT64, [3]);
  assert.equal(retypeTypeProto(ints.type!, H), ints.type);
  const sequence = sequenceOf(ints.type!);
  assert.equal(retypeTypeProto(sequence, H), sequence);
  assert.equal(retypeValueInfo(ints, H), ints);
  const untyped = create(ValueInfoProtoSchema, { name: 'u' });
  assert.equal(retypeValueInfo(untyped, H), untyped);
  const floats = valueInfo('f', F, [1]);
  const converted = retypeValueInfo(floats, H);
  assert.notEqual(converted, floats);
  assert.deepEqual(typeFromProto(floats.type), { kind: 'tensor', elemType: F }, 'the input is never mutated');
});

test('tensorTypeProto takes the shape of a tensor type only', () => {
  const shaped = tensorTypeProto(H, valueInfo('x', F, [4]).type);
  assert.equal(shaped.value.case === 'tensorType' && shaped.value.value.shape?.dim.length, 1);
  const bare = tensorTypeProto(H, sequenceOf(valueInfo('x', F, [4]).type!));
  assert.equal(bare.value.case === 'tensorType' && bare.value.value.shape, undefined);
});

test('typeSuffix names values by their type: fp16, bf16, fp32, else cast', () => {
  assert.deepEqual([H, DataType.BFLOAT16, F, DataType.INT64].map((t) => typeSuffix(t)), ['fp16', 'bf16', 'fp32', 'cast']);
  assert.equal(typeSuffix({ kind: 'tensor', elemType: H }), 'fp16');
  assert.equal(typeSuffix({ kind: 'sequence', elem: { kind: 'tensor', elemType: H } }), 'cast');
  assert.equal(typeSuffix(undefined), 'cast');
});
