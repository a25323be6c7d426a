import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType, graph, model, node, valueInfo } from '../../test/model-builder.js';
import { listValueTypes, valueTypes } from './list-value-types.js';

test('valueTypes walks, as often as asked, the entries listValueTypes lists, in the same order', () => {
  const body = graph({ name: 'body', nodes: [node('Neg', ['x'], ['n'])], outputs: [valueInfo('n')] });
  const proto = model(
    graph({
      nodes: [node('Relu', ['x'], ['r']), node('If', ['c'], ['y'], { then_branch: body, else_branch: body }), node('Custom', ['r'], ['u'])],
      inputs: [valueInfo('x', DataType.FLOAT, [2]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y')],
    }),
  );
  const listed = listValueTypes(proto);
  const walk = valueTypes(proto);
  assert.deepEqual([...walk.entries()], listed.values);
  assert.deepEqual([...walk.entries()], listed.values, 'a second walk gives the same entries');
  assert.deepEqual(walk.warnings, listed.warnings);
  assert.ok(listed.values.some((v) => v.graph !== ''), 'subgraph values are included');
  assert.ok(listed.values.some((v) => v.source === 'unknown'), 'unknown values are included');
});
