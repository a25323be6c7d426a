import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { formatValueType, internShape, mapType, parseValueType, sameType, sequenceType, tensorType, type ValueType } from './value-type.js';

test('value types are interned: one frozen object per type, whichever way it is made', () => {
  assert.equal(tensorType(DataType.FLOAT), tensorType(DataType.FLOAT));
  assert.equal(parseValueType('tensor(float)'), tensorType(DataType.FLOAT));
  assert.equal(sequenceType(tensorType(DataType.INT64)), parseValueType('seq(tensor(int64))'));
  assert.equal(mapType(DataType.STRING, tensorType(DataType.FLOAT)), parseValueType('map(string,tensor(float))'));
  assert.ok(Object.isFrozen(tensorType(DataType.FLOAT16)));
  assert.notEqual(tensorType(DataType.FLOAT), tensorType(DataType.FLOAT16));
});

test('a type literal still formats and compares as the interned type does', () => {
  const literal: ValueType = { kind: 'sequence', elem: { kind: 'tensor', elemType: DataType.FLOAT } };
  assert.equal(formatValueType(literal), 'seq(tensor(float))');
  assert.ok(sameType(literal, sequenceType(tensorType(DataType.FLOAT))));
  assert.ok(!sameType(literal, sequenceType(tensorType(DataType.FLOAT16))));
});

test('shapes are interned by their dimensions; a symbolic name never equals a size', () => {
  assert.equal(internShape([1, 'n', null]), internShape([1, 'n', null]));
  assert.notEqual(internShape(['1']), internShape([1]));
  assert.notEqual(internShape([null]), internShape(['?']));
  assert.deepEqual(internShape([]), []);
});
