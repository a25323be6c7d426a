import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AttributeProtoSchema, NodeProtoSchema, StringStringEntryProtoSchema } from './onnx.js';
import { decodePlainNode } from './plain-node.js';

function decodeBoth(init: Parameters<typeof create<typeof NodeProtoSchema>>[1]) {
  const bytes = toBinary(NodeProtoSchema, create(NodeProtoSchema, init));
  return { plain: decodePlainNode(bytes, 0, bytes.length), whole: fromBinary(NodeProtoSchema, bytes) };
}

test('a node of string fields decodes as fromBinary decodes it: same prototype, same own fields, re-encodes to the same bytes', () => {
  for (const init of [
    { opType: 'Relu', input: ['x'], output: ['y'] },
    { opType: 'Add', input: ['a', '', 'a long input name with spaces, past twelve bytes'], output: ['s'], name: 'add_0', domain: 'com.example', overload: 'o', docString: 'doc' },
    { opType: 'Constant', output: ['c'] },
    { name: '', opType: '' },
    {},
  ]) {
    const { plain, whole } = decodeBoth(init);
    assert.ok(plain, JSON.stringify(init));
    assert.deepStrictEqual(plain, whole);
    assert.equal(Object.getPrototypeOf(plain), Object.getPrototypeOf(whole));
    assert.deepEqual(Object.keys(plain).sort(), Object.keys(whole).sort(), 'presence: only the fields in the bytes are own');
    assert.deepEqual(toBinary(NodeProtoSchema, plain), toBinary(NodeProtoSchema, whole));
  }
});

test('a field given twice: the last singular value wins, repeated values add up, as protobuf merges them', () => {
  const a = toBinary(NodeProtoSchema, create(NodeProtoSchema, { opType: 'Relu', input: ['x'], name: 'first' }));
  const b = toBinary(NodeProtoSchema, create(NodeProtoSchema, { input: ['z'], name: 'second' }));
  const bytes = new Uint8Array([...a, ...b]);
  assert.deepStrictEqual(decodePlainNode(bytes, 0, bytes.length), fromBinary(NodeProtoSchema, bytes));
});

test('attributes, metadata, non-ASCII text, unknown fields and truncated bytes are declined (left to the full decoder)', () => {
  assert.equal(decodeBoth({ opType: 'Cast', attribute: [create(AttributeProtoSchema, { name: 'to', i: 10n })] }).plain, undefined);
  assert.equal(decodeBoth({ opType: 'Relu', metadataProps: [create(StringStringEntryProtoSchema, { key: 'k', value: 'v' })] }).plain, undefined);
  assert.equal(decodeBoth({ opType: 'Relu', name: 'n\u00e9' }).plain, undefined);
  const bytes = toBinary(NodeProtoSchema, create(NodeProtoSchema, { opType: 'Relu', input: ['x'] }));
  const unknownField = new Uint8Array([...bytes, 0x58, 0x01]);
  assert.equal(decodePlainNode(unknownField, 0, unknownField.length), undefined);
  assert.equal(decodePlainNode(bytes, 0, bytes.length - 1), undefined);
  assert.equal(decodePlainNode(bytes, 0, 1), undefined);
});

test('the empty lists of a plain node are shared and frozen: pushing onto one throws instead of changing every node', () => {
  const bytes = toBinary(NodeProtoSchema, create(NodeProtoSchema, { opType: 'Constant', output: ['c'] }));
  const a = decodePlainNode(bytes, 0, bytes.length)!;
  const b = decodePlainNode(bytes, 0, bytes.length)!;
  assert.equal(a.attribute, b.metadataProps);
  assert.equal(a.input, b.deviceConfigurations);
  assert.ok(Object.isFrozen(a.attribute));
  assert.throws(() => (a.attribute as unknown[]).push(1), TypeError);
  assert.notEqual(a.output, b.output, 'lists with elements are each node\'s own');
});
