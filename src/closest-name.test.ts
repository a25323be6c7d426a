import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName } from './closest-name.js';

test('closestName: a spelling that differs only in case, "-" or "_" names the known one', () => {
  assert.equal(closestName('keep_io_types', ['opBlockList', 'keepIoTypes']), 'keepIoTypes');
  assert.equal(closestName('--keep_io_types', ['--output', '--keep-io-types']), '--keep-io-types');
  assert.equal(closestName('conv_1', ['conv1', 'conv2']), 'conv1');
});

test('closestName: an abbreviation of exactly one known name names it; of several, the nearest by edits', () => {
  assert.equal(closestName('--locat', ['--locate', '--json']), '--locate');
  assert.equal(closestName('--keep-io-type', ['--keep-io-types', '--out-dir']), '--keep-io-types');
  assert.equal(closestName('conv', ['conv1', 'conv2', 'relu']), 'conv1', 'a tie goes to the first known name');
});

test('closestName: the nearest within a few edits, nothing when every known name is far', () => {
  assert.equal(closestName('Reluu', ['Sigmoid', 'Relu', 'Tanh']), 'Relu');
  assert.equal(closestName('--rtoll', ['--atol', '--rtol']), '--rtol');
  assert.equal(closestName('conver', ['convert', 'inspect']), 'convert');
  assert.equal(closestName('--frobnicate', ['--output', '--to']), undefined);
  assert.equal(closestName('-x', ['--output', '--to']), undefined, 'one letter is no typo of two others');
  assert.equal(closestName('yy', ['y', 'x']), 'y');
  assert.equal(closestName('anything', []), undefined);
});
