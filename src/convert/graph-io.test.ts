/**
 * Graph inputs and outputs: keepIoTypes (true or a list) keeps their float32 types with Casts at the boundary;
 * outputs read inside the graph and outputs that are inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRunsLike, convert, ioTypes } from '../../test/convert-checks.js';
import { graph, model, node, valueInfo, DataType } from '../../test/model-builder.js';

const F = DataType.FLOAT;

test('keepIoTypes with several unnamed consumers of an input inserts one Cast', async () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['a'], {}, { name: '' }), node('Neg', ['x'], ['b'], {}, { name: '' }), node('Add', ['a', 'b'], ['y'], {}, { name: '' })],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out, report } = convert(m, { keepIoTypes: true });
  assert.equal(report.casts.filter((c) => c.from === 'x').length, 1);
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT' });
  await assertRunsLike(m, out);
});

test('keepIoTypes as a list keeps only those; unknown names are reported', () => {
  const m = model(
    graph({
      nodes: [node('Add', ['a', 'b'], ['s']), node('Relu', ['s'], ['y']), node('Neg', ['s'], ['z'])],
      inputs: [valueInfo('a', F, [2]), valueInfo('b', F, [2])],
      outputs: [valueInfo('y', F, [2]), valueInfo('z', F, [2])],
    }),
  );
  const { model: out, report } = convert(m, { keepIoTypes: ['a', 'z', 'nope'], unknownNames: 'warn' });
  assert.deepEqual(ioTypes(out), { a: 'FLOAT', b: 'FLOAT16', y: 'FLOAT16', z: 'FLOAT' });
  assert.deepEqual(report.unmatchedIoNames, ['nope']);
  assert.ok(report.warnings.some((w) => w.kind === 'unknownName' && w.message === 'keepIoTypes names "nope", which matches no graph input or output'));
});

test('a graph output consumed inside the graph: consumers read float16, the output stays float32', async () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['y']), node('Neg', ['y'], ['z'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3]), valueInfo('z', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  const neg = out.graph!.node.find((n) => n.opType === 'Neg')!;
  const relu = out.graph!.node.find((n) => n.opType === 'Relu')!;
  assert.equal(neg.input[0], relu.output[0], 'Neg reads the float16 Relu output directly');
  assert.notEqual(relu.output[0], 'y');
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT', z: 'FLOAT' });
  await assertRunsLike(m, out);
});

test('an output produced by a blocked node keeps float32 with no Cast pair (also when in value_info)', () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['x'], ['r']), node('Max', ['r', 'x'], ['y'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
      valueInfo: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  assert.deepEqual(ioTypes(out), { x: 'FLOAT', y: 'FLOAT' });
  const max = out.graph!.node.find((n) => n.opType === 'Max')!;
  assert.equal(max.output[0], 'y', 'Max writes the output directly');
  assert.equal(out.graph!.node.filter((n) => n.opType === 'Cast').length, 2, 'x -> fp16 for Relu, Relu -> fp32 for Max');
});

test('a graph input that is directly a graph output', () => {
  const m = model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('x', F, [2]), valueInfo('y', F, [2])] }));
  assert.deepEqual(ioTypes(convert(m).model), { x: 'FLOAT16', y: 'FLOAT16' });
  assert.deepEqual(ioTypes(convert(m, { keepIoTypes: true }).model), { x: 'FLOAT', y: 'FLOAT' });
});
