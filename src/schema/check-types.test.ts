import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelFromProto } from '../ir/from-proto.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { checkTypes } from './check-types.js';
import { inferTypes } from './infer-types.js';

function violations(m: ReturnType<typeof model>): string[] {
  const ir = modelFromProto(m);
  return checkTypes(ir, inferTypes(ir)).map((v) => v.message);
}

test('a valid model has no violations', () => {
  const m = model(
    graph({
      nodes: [node('MatMul', ['x', 'w'], ['y']), node('Cast', ['y'], ['h'], { to: BigInt(DataType.FLOAT16) }), node('Relu', ['h'], ['r'])],
      inputs: [valueInfo('x', DataType.FLOAT, [1, 2])],
      outputs: [valueInfo('r', DataType.FLOAT16)],
      initializers: [tensor('w', [2, 2], [1, 2, 3, 4])],
    }),
  );
  assert.deepEqual(violations(m), []);
});

test('mixed float32/float16 inputs of one type parameter are reported with both positions', () => {
  const m = model(graph({ nodes: [node('Add', ['a', 'b'], ['c'], {}, { name: 'add' })], inputs: [valueInfo('a', DataType.FLOAT), valueInfo('b', DataType.FLOAT16)], outputs: [] }));
  assert.deepEqual(violations(m), ['node "add" (Add): input 1 ("B") "b" is tensor(float16) but input 0 ("A") is tensor(float); both are T']);
});

test('a type the constraint does not allow is reported', () => {
  const m = model(graph({ nodes: [node('Relu', ['a'], ['b'], {}, { name: 'r' })], inputs: [valueInfo('a', DataType.BOOL)], outputs: [] }), { opset: 14 });
  assert.deepEqual(violations(m), [
    'node "r" (Relu): input 0 ("X") "a" is tensor(bool), not one of the types T allows',
    'node "r" (Relu): output 0 ("Y") "b" is tensor(bool), not one of the types T allows',
  ]);
});

test('a concrete input type is enforced (Resize scales must be float below any opset)', () => {
  const m = model(
    graph({
      nodes: [node('Resize', ['x', '', 'scales'], ['y'], {}, { name: 'resize' })],
      inputs: [valueInfo('x', DataType.FLOAT16), valueInfo('scales', DataType.FLOAT16)],
      outputs: [],
    }),
    { opset: 13 },
  );
  assert.deepEqual(violations(m), ['node "resize" (Resize): input 2 ("scales") "scales" is tensor(float16), but the schema requires tensor(float)']);
});

test('violations inside subgraphs name the subgraph', () => {
  const body = graph({ name: 'then', nodes: [node('Sub', ['x', 'i'], ['t'], {}, { name: 'inner' })], outputs: [valueInfo('t')] });
  const m = model(
    graph({
      nodes: [node('If', ['c'], ['y'], { then_branch: body, else_branch: body }, { name: 'if' })],
      inputs: [valueInfo('c', DataType.BOOL), valueInfo('x', DataType.FLOAT), valueInfo('i', DataType.INT64)],
      outputs: [],
    }),
  );
  const found = violations(m);
  assert.equal(found.length, 2);
  assert.match(found[0]!, /^node "inner" \(Sub\) in if\/then_branch: input 1/);
});
