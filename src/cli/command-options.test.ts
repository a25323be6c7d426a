import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../node.js';
import { graph, model, valueInfo } from '../../test/model-builder.js';
import { conversionOptions, feedsReader, formatOptions, targetType, tolerances } from './command-options.js';
import { UsageError } from './usage-error.js';

const usage = (message: RegExp) => (error: unknown) => error instanceof UsageError && message.test(error.message);

test('conversion flags become ConvertOptions, holding only what was given', () => {
  assert.deepEqual(conversionOptions({}), {});
  assert.deepEqual(
    conversionOptions({
      'op-block-list': 'Resize, com.microsoft::GroupNorm',
      'max-finite-val': '65504',
      'no-check-fp16-ready': true,
      'force-fp16-inputs': ['GroupNorm=1,2'],
      'no-block-out-of-range': true,
      'unknown-names': 'warn',
    }),
    { opBlockList: ['Resize', 'com.microsoft::GroupNorm'], maxFiniteVal: 65504, checkFp16Ready: false, forceFp16Inputs: { GroupNorm: [1, 2] }, blockOutOfRangeConstants: false, unknownNames: 'warn' },
  );
  assert.deepEqual(conversionOptions({ 'op-block-list': '' }), { opBlockList: [] }, '--op-block-list= empties the list');
  assert.throws(() => conversionOptions({ 'unknown-names': 'ignore' }), usage(/^--unknown-names takes error or warn, got "ignore"$/));
  assert.throws(() => conversionOptions({ 'min-positive-val': 'tiny' }), usage(/^--min-positive-val must be a number, got "tiny"$/));
  assert.throws(() => conversionOptions({ 'force-fp16-inputs': ['GroupNorm'] }), usage(/^--force-fp16-inputs takes Op=1,2/));
});

test('--to, --rtol and --atol: one spelling of each error for every command', () => {
  assert.equal(targetType(undefined), DataType.FLOAT16);
  assert.equal(targetType('bf16'), DataType.BFLOAT16);
  assert.throws(() => targetType('float8'), usage(/^--to takes float16 or bfloat16, got "float8"$/));
  assert.deepEqual(tolerances({ rtol: '1e-3' }), { rtol: 1e-3, atol: undefined });
  assert.throws(() => tolerances({ atol: ' ' }), usage(/^--atol must be a number/));
});

test('feeds flags are checked before a model loads; --dim, --shape and --seed go with --random only', () => {
  assert.throws(() => feedsReader({}), usage(/^give --feeds PATH or --random$/));
  assert.throws(() => feedsReader({ feeds: ['f.json'], random: true }), usage(/not both/));
  assert.throws(() => feedsReader({ feeds: ['f.json'], dim: ['batch=2'] }), usage(/^--dim, --shape and --seed size and seed --random inputs/));
  assert.throws(() => feedsReader({ random: true, seed: 'abc' }), usage(/^--seed must be a number, got "abc"$/));
  assert.throws(() => feedsReader({ random: true, dim: ['batch'] }), usage(/^--dim takes name=N, got "batch"$/));
  const m = model(graph({ nodes: [], inputs: [valueInfo('x', DataType.FLOAT, ['batch', 3])], outputs: [valueInfo('x', DataType.FLOAT, ['batch', 3])] }));
  const [feeds] = feedsReader({ random: true, dim: ['batch=2'], seed: '7' })(m);
  assert.deepEqual(feeds!.x!.dims, [2, 3]);
  const [again] = feedsReader({ random: true, dim: ['batch=2'], seed: '7' })(m);
  assert.deepEqual(again, feeds, 'the seed makes the inputs repeatable');
});

test('option help: descriptions aligned at one column, under flags too long to share their line', () => {
  assert.equal(
    formatOptions([['--json', 'print JSON'], ['--a-very-long-flag-name X', 'what it does', 'on two lines'], ['-h, --help']], 12),
    ['  --json    print JSON', '  --a-very-long-flag-name X', '            what it does', '            on two lines', '  -h, --help'].join('\n'),
  );
});
