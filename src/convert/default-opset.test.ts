import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { modelFromProto } from '../ir/from-proto.js';
import { graph, model, valueInfo } from '../../test/model-builder.js';
import { castSupports, defaultOpsetFor, describeMissingCast, ensureDefaultOpsetImport, newestOpsetForIrVersion } from './default-opset.js';

test('the newest default opset an IR version allows, from onnx Versioning.md', () => {
  assert.equal(newestOpsetForIrVersion(2), 1, 'before IR 3 there is no opset versioning');
  assert.equal(newestOpsetForIrVersion(3), 8);
  assert.equal(newestOpsetForIrVersion(7), 14);
  assert.equal(newestOpsetForIrVersion(8), 18);
  assert.equal(newestOpsetForIrVersion(99), 23, 'a future IR version gets the newest opset known');
});

const mlOnly = () => modelFromProto(model(graph({ nodes: [], inputs: [valueInfo('x')], outputs: [valueInfo('x')] }), { opsets: { 'ai.onnx.ml': 3 }, irVersion: 8 }));

test('a model importing no default domain gets one, at its IR version\'s newest opset, once', () => {
  const m = mlOnly();
  assert.equal(defaultOpsetFor(m), 18, 'the opset the inserted Casts are written for');
  assert.equal(ensureDefaultOpsetImport(m), 18);
  assert.deepEqual(m.proto.opsetImport.map((o) => [o.domain, Number(o.version)]), [['ai.onnx.ml', 3], ['', 18]]);
  assert.equal(ensureDefaultOpsetImport(m), undefined, 'added once');
});

test('a model importing the default domain (either spelling) keeps its imports', () => {
  const m = modelFromProto(model(graph({ nodes: [], inputs: [valueInfo('x')], outputs: [valueInfo('x')] }), { opsets: { 'ai.onnx': 11 } }));
  assert.equal(defaultOpsetFor(m), 11);
  assert.equal(ensureDefaultOpsetImport(m), undefined);
  assert.equal(m.proto.opsetImport.length, 1);
});

test('Cast carries float16 at opset 6, bfloat16 only from opset 13', () => {
  assert.ok(castSupports(DataType.FLOAT16, 6));
  assert.ok(!castSupports(DataType.BFLOAT16, 12));
  assert.ok(castSupports(DataType.BFLOAT16, 13));
  assert.equal(describeMissingCast(DataType.BFLOAT16), 'Cast has no bfloat16 before opset 13');
});
