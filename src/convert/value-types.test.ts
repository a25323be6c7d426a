import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import type { ValueType } from '../ir/value-type.js';
import { isFloat32Bearing, isTensor, retype, sameValueType } from './value-types.js';

const F = DataType.FLOAT;
const H = DataType.FLOAT16;
const tensor = (elemType: number): ValueType => ({ kind: 'tensor', elemType });
const mapOf = (value: ValueType): ValueType => ({ kind: 'map', keyType: DataType.INT64, value });

test('isFloat32Bearing: float32 tensors, and containers holding them at any depth', () => {
  assert.ok(isFloat32Bearing(tensor(F)));
  assert.ok(isFloat32Bearing({ kind: 'sparse_tensor', elemType: F }));
  assert.ok(isFloat32Bearing({ kind: 'optional', elem: { kind: 'sequence', elem: tensor(F) } }));
  assert.ok(isFloat32Bearing(mapOf(tensor(F))));
  assert.ok(!isFloat32Bearing(tensor(H)));
  assert.ok(!isFloat32Bearing(mapOf(tensor(DataType.INT64))));
  assert.ok(!isFloat32Bearing(undefined), 'an unknown type bears nothing known');
});

test('retype replaces float32 elements only, keeping container kinds and map keys', () => {
  assert.deepEqual(retype({ kind: 'sequence', elem: tensor(F) }, H), { kind: 'sequence', elem: tensor(H) });
  assert.deepEqual(retype(mapOf(tensor(F)), H), mapOf(tensor(H)));
  const ints = tensor(DataType.INT32);
  assert.equal(retype(ints, H), ints, 'other element types are returned as they are');
});

test('sameValueType compares structure; an unknown type equals only another unknown', () => {
  assert.ok(sameValueType(tensor(F), { kind: 'tensor', elemType: F }));
  assert.ok(!sameValueType(tensor(F), { kind: 'sparse_tensor', elemType: F }));
  assert.ok(!sameValueType(tensor(F), undefined));
  assert.ok(sameValueType(undefined, undefined));
  assert.ok(isTensor(tensor(H)) && !isTensor({ kind: 'sequence', elem: tensor(H) }));
});
