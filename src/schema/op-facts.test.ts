import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTYPE_ATTRIBUTE_NAMES, forcedInputs, OP_FACTS, opFacts } from './op-facts.js';
import { schemaVersions } from './op-schema.js';

test('every operator the facts table names exists in the operator table (no misspelt keys)', () => {
  for (const key of OP_FACTS.keys()) {
    const [domain, op] = key.includes('::') ? key.split('::') : ['', key];
    assert.ok(schemaVersions(domain!, op!).length > 0, key);
  }
});

test('facts are found by domain::op, the default domain however it is spelled', () => {
  assert.equal(opFacts('', 'RandomNormal').dtypeAttribute, 'dtype');
  assert.equal(opFacts('ai.onnx', 'HannWindow').dtypeAttribute, 'output_datatype');
  assert.deepEqual(opFacts('com.microsoft', 'GroupNorm').alwaysFloatInputs, [1, 2]);
  assert.deepEqual(opFacts('com.microsoft', 'SkipLayerNormalization').floatOutputs, [1, 2]);
  assert.equal(opFacts('ai.onnx', 'If').controlFlow, true);
  assert.equal(opFacts('', 'Cast').flexible, true);
  // The facts are keyed by domain: a custom op of the same name has none.
  assert.deepEqual(opFacts('com.example', 'If'), {});
  assert.deepEqual(opFacts('', 'GroupNorm'), {});
  assert.deepEqual(DTYPE_ATTRIBUTE_NAMES, ['dtype', 'output_datatype']);
});

test('forceFp16Inputs names an op bare or as domain::op', () => {
  assert.deepEqual(forcedInputs({ GroupNorm: [1, 2] }, 'com.microsoft', 'GroupNorm'), [1, 2]);
  assert.deepEqual(forcedInputs({ 'com.microsoft::GroupNorm': [2] }, 'com.microsoft', 'GroupNorm'), [2]);
  assert.deepEqual(forcedInputs({ GroupNorm: [1], 'com.microsoft::GroupNorm': [2] }, 'com.microsoft', 'GroupNorm'), [1, 2]);
  assert.deepEqual(forcedInputs({ SkipGroupNorm: [1] }, 'com.microsoft', 'GroupNorm'), []);
});
