import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { modelFromProto } from '../ir/from-proto.js';
import { TensorProtoSchema } from '../proto/onnx.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { checkTypes } from './check-types.js';
import { inferTypes, inferTypesAfterEdit } from './infer-types.js';

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

/** x -> Shape -> Cast(to=float) -> Add(x) -> Mul(w) -> Relu, x float32 of shape [4]; w a float32 initializer. */
function editable() {
  const ir = modelFromProto(
    model(
      graph({
        nodes: [
          node('Shape', ['x'], ['s'], {}, { name: 'shape' }),
          node('Cast', ['s'], ['f'], { to: BigInt(DataType.FLOAT) }, { name: 'cast' }),
          node('Add', ['x', 'f'], ['a'], {}, { name: 'add' }),
          node('Mul', ['a', 'w'], ['m'], {}, { name: 'mul' }),
          node('Relu', ['m'], ['r'], {}, { name: 'relu' }),
        ],
        inputs: [valueInfo('x', DataType.FLOAT, [4])],
        outputs: [valueInfo('r', DataType.FLOAT, [4])],
        initializers: [tensor('w', [4], [1, 2, 3, 4])],
      }),
    ),
  );
  const before = inferTypes(ir);
  const byName = (name: string) => ir.graph!.nodes.find((n) => n.name === name)!;
  return { ir, before, byName };
}

const checkedAfterEdit = (ir: ReturnType<typeof modelFromProto>, before: ReturnType<typeof inferTypes>, edited: Set<Parameters<typeof checkTypes>[2] extends ReadonlySet<infer N> | undefined ? N : never>) => {
  const after = inferTypesAfterEdit(ir, before, edited);
  return { inferred: [...after.inferred].map((n) => n.name).sort(), violations: checkTypes(ir, after.inference, after.inferred).map((v) => v.message) };
};

test('after an edit, only nodes whose input types changed are typed and checked again, and a contradiction the edit made is found', () => {
  const { ir, before } = editable();
  // The edit makes w float16 and casts nothing: Mul then reads float32 and float16.
  const w = ir.graph!.initializers.find((v) => v.name === 'w')!;
  w.initializer = create(TensorProtoSchema, { name: 'w', dims: [4n], dataType: DataType.FLOAT16, rawData: new Uint8Array(8) });
  const { inferred, violations } = checkedAfterEdit(ir, before, new Set());
  assert.deepEqual(inferred, ['mul'], 'Mul types its output from its first input, as before: Relu needs no second look');
  assert.deepEqual(violations, ['node "mul" (Mul): input 1 ("B") "w" is tensor(float16) but input 0 ("A") is tensor(float); both are T']);
});

test('after an edit, a node given new attributes is typed again from them, and what follows it too', () => {
  const { ir, before, byName } = editable();
  const cast = byName('cast');
  const to16 = modelFromProto(model(graph({ nodes: [node('Cast', ['s'], ['f'], { to: BigInt(DataType.FLOAT16) })], inputs: [valueInfo('s', DataType.INT64)], outputs: [] }))).graph!.nodes[0]!.proto.attribute[0]!;
  cast.setAttribute(to16);
  // Not listed as edited, the Cast would keep its float32 output and the contradiction would go unseen.
  assert.deepEqual(checkedAfterEdit(ir, before, new Set()).violations, []);
  const { inferred, violations } = checkedAfterEdit(ir, before, new Set([cast]));
  // Add's output takes x's type, as before: Mul and Relu need no second look.
  assert.deepEqual(inferred, ['add', 'cast']);
  assert.deepEqual(violations, ['node "add" (Add): input 1 ("B") "f" is tensor(float16) but input 0 ("A") is tensor(float); both are T']);
});

test('after an edit that changes no type, nothing is typed or checked again', () => {
  const { ir, before } = editable();
  assert.deepEqual(checkedAfterEdit(ir, before, new Set()), { inferred: [], violations: [] });
});
