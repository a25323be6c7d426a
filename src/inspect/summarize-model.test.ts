import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { summarizeModel } from './summarize-model.js';

test('summary of a built model: ops with subgraphs, I/O types, initializers by type', () => {
  const body = graph({ name: 'then', nodes: [node('Relu', ['x'], ['r']), node('Neg', ['r'], ['t'])], outputs: [valueInfo('t')] });
  const other = graph({ name: 'else', nodes: [node('Identity', ['x'], ['e'])], outputs: [valueInfo('e')] });
  const m = model(
    graph({
      nodes: [
        node('Add', ['x', 'w'], ['s']),
        node('If', ['c'], ['y'], { then_branch: body, else_branch: other }),
        node('Gelu', ['s'], ['z'], {}, { domain: 'com.microsoft' }),
      ],
      inputs: [valueInfo('x', DataType.FLOAT, ['batch', 4]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', DataType.FLOAT, null), valueInfo('z', DataType.FLOAT16, [null, 4])],
      initializers: [tensor('w', [4], [1, 2, 3, 4]), tensor('idx', [2], [0, 1], DataType.INT64)],
    }),
    { opsets: { '': 17, 'com.microsoft': 1 } },
  );
  const s = summarizeModel(m);
  assert.equal(s.irVersion, 8);
  assert.deepEqual(s.opsets, [
    { domain: '', version: 17 },
    { domain: 'com.microsoft', version: 1 },
  ]);
  assert.equal(s.nodeCount, 6);
  assert.equal(s.subgraphCount, 2);
  assert.deepEqual(
    s.ops.map((o) => [o.domain, o.opType, o.count]),
    [
      ['', 'Add', 1],
      ['com.microsoft', 'Gelu', 1],
      ['', 'Identity', 1],
      ['', 'If', 1],
      ['', 'Neg', 1],
      ['', 'Relu', 1],
    ],
  );
  assert.deepEqual(s.inputs[0], { name: 'x', kind: 'tensor', elemType: 'FLOAT', shape: ['batch', 4] });
  assert.deepEqual(s.outputs[0], { name: 'y', kind: 'tensor', elemType: 'FLOAT', shape: null });
  assert.deepEqual(s.outputs[1], { name: 'z', kind: 'tensor', elemType: 'FLOAT16', shape: [null, 4] });
  assert.deepEqual(s.initializers, {
    count: 2,
    bytes: 32,
    byType: [
      { elemType: 'FLOAT', count: 1, bytes: 16 },
      { elemType: 'INT64', count: 1, bytes: 16 },
    ],
  });
  assert.deepEqual(s.externalData, []);
  assert.deepEqual(s.constants, { count: 0, bytes: 0, byType: [] });
});

test('initializers listed as inputs (IR < 4) are not shown as inputs', () => {
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x'), valueInfo('w')],
      outputs: [valueInfo('y')],
      initializers: [tensor('w', [1], [1])],
    }),
    { irVersion: 3 },
  );
  assert.deepEqual(
    summarizeModel(m).inputs.map((i) => i.name),
    ['x'],
  );
});
