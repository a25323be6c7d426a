import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equals } from '@bufbuild/protobuf';
import { ModelProtoSchema } from '../proto/onnx.js';
import { graph, model, node, tensor, valueInfo, fn, DataType } from '../../test/model-builder.js';
import { modelFromProto } from './from-proto.js';
import { NameAllocator } from './name-allocator.js';
import { modelToProto } from './to-proto.js';
import { topologicalOrder } from './topological-order.js';

function ifModel() {
  const inner = graph({ name: 'inner', nodes: [node('Mul', ['w', 'h'], ['m'], {}, { name: 'inner_mul' })], outputs: [valueInfo('m')] });
  const thenBranch = graph({
    name: 'then',
    nodes: [
      node('Add', ['x', 'w'], ['h'], {}, { name: 'then_add' }),
      node('If', ['c'], ['t'], { then_branch: inner, else_branch: inner }, { name: 'inner_if' }),
    ],
    outputs: [valueInfo('t')],
  });
  const elseBranch = graph({ name: 'else', nodes: [node('Identity', ['x'], ['e'], {}, { name: 'else_id' })], outputs: [valueInfo('e')] });
  return model(
    graph({
      nodes: [
        node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }, { name: 'outer_if' }),
        node('Relu', ['x0'], ['x'], {}, { name: 'relu' }),
      ],
      inputs: [valueInfo('x0', DataType.FLOAT, [2]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y')],
      initializers: [tensor('w', [2], [1, 2])],
    }),
  );
}

test('a value captured by nested subgraphs is the same object as in the outer graph', () => {
  const ir = modelFromProto(ifModel());
  const main = ir.graph!;
  const w = main.localValue('w')!;
  const ifNode = main.nodes[0]!;
  const thenGraph = ifNode.subgraphs.get('then_branch') as import('./graph.js').Graph;
  const innerIf = thenGraph.nodes[1]!;
  const innerThen = innerIf.subgraphs.get('then_branch') as import('./graph.js').Graph;
  assert.equal(thenGraph.nodes[0]!.inputs[1], w);
  assert.equal(innerThen.nodes[0]!.inputs[0], w, 'captured two levels down');
  assert.equal(innerThen.nodes[0]!.inputs[1], thenGraph.localValue('h'), 'captured from the then-branch');
  assert.deepEqual(
    w.uses.map((u) => u.node.name),
    ['then_add', 'inner_mul', 'inner_mul'],
  );
  assert.equal(thenGraph.parent, main);
  assert.equal(innerThen.path, 'outer_if/then_branch/inner_if/then_branch');
});

test('export sorts nodes topologically, counting subgraph captures as dependencies', () => {
  const original = ifModel();
  const out = modelToProto(modelFromProto(original));
  assert.deepEqual(
    out.graph!.node.map((n) => n.name),
    ['relu', 'outer_if'],
    'the If captures x, produced by relu, so relu must come first',
  );
  // Everything else is unchanged.
  original.graph!.node.reverse();
  assert.ok(equals(ModelProtoSchema, out, original));
});

test('an already sorted graph keeps its order exactly', () => {
  const m = model(
    graph({
      nodes: [node('Relu', ['a'], ['b']), node('Relu', ['a'], ['c']), node('Add', ['b', 'c'], ['d'])],
      inputs: [valueInfo('a')],
      outputs: [valueInfo('d')],
    }),
  );
  const ir = modelFromProto(m);
  assert.deepEqual(topologicalOrder(ir.graph!), ir.graph!.nodes);
  assert.ok(equals(ModelProtoSchema, modelToProto(ir), m));
});

test('omitted optional inputs and outputs are absent, and their positions are kept', () => {
  const m = model(
    graph({
      nodes: [node('Clip', ['x', '', 'hi'], ['y']), node('Dropout', ['y'], ['z', ''])],
      inputs: [valueInfo('x'), valueInfo('hi')],
      outputs: [valueInfo('z')],
    }),
  );
  const ir = modelFromProto(m);
  const clip = ir.graph!.nodes[0]!;
  assert.equal(clip.inputs.length, 3);
  assert.equal(clip.inputs[1], undefined);
  assert.equal(ir.graph!.nodes[1]!.outputs[1], undefined);
  assert.ok(equals(ModelProtoSchema, modelToProto(ir), m));
});

test('initializers listed as graph inputs (IR < 4) are one value', () => {
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x'), valueInfo('w', DataType.FLOAT, [2])],
      outputs: [valueInfo('y')],
      initializers: [tensor('w', [2], [1, 2])],
    }),
    { irVersion: 3 },
  );
  const ir = modelFromProto(m);
  const w = ir.graph!.initializers[0]!;
  assert.equal(ir.graph!.inputs[1]!.value, w);
  assert.equal(ir.graph!.nodes[0]!.inputs[1], w);
  assert.ok(equals(ModelProtoSchema, modelToProto(ir), m));
});

test('model-local functions are graphs with names-only inputs and outputs', () => {
  const f = fn('Double', 'local', ['a'], ['b'], [node('Add', ['a', 'a'], ['b'])]);
  const m = model(
    graph({ nodes: [node('Double', ['x'], ['y'], {}, { domain: 'local' })], inputs: [valueInfo('x')], outputs: [valueInfo('y')] }),
    { opsets: { '': 17, local: 1 }, functions: [f] },
  );
  const ir = modelFromProto(m);
  assert.equal(ir.functions.length, 1);
  const body = ir.functions[0]!.body;
  assert.equal(body.nodes[0]!.inputs[0], body.inputs[0]!.value);
  assert.equal(body.path, 'function:local.Double');
  assert.ok(equals(ModelProtoSchema, modelToProto(ir), m));
});

test('a cycle is reported with a node on it', () => {
  const m = model(graph({ nodes: [node('Add', ['x', 'b'], ['a'], {}, { name: 'first' }), node('Relu', ['a'], ['b'], {}, { name: 'second' })], inputs: [valueInfo('x')], outputs: [valueInfo('b')] }));
  assert.throws(() => modelToProto(modelFromProto(m)), /has a cycle through node "(first|second)"/);
});

test('setInput keeps uses exact', () => {
  const ir = modelFromProto(ifModel());
  const main = ir.graph!;
  const relu = main.nodes[1]!;
  const x0 = main.inputs[0]!.value;
  const c = main.inputs[1]!.value;
  relu.setInput(0, c);
  assert.equal(x0.uses.length, 0);
  assert.ok(c.uses.some((u) => u.node === relu && u.index === 0));
});

test('the name allocator never returns a name used anywhere in the model', () => {
  const ir = modelFromProto(ifModel());
  const names = NameAllocator.forModel(ir);
  for (const used of ['x', 'w', 'h', 'm', 'inner_mul', 'outer_if', 'then']) assert.ok(names.has(used), used);
  assert.equal(names.allocate('h'), 'h_1');
  assert.equal(names.allocate('h'), 'h_2');
  assert.equal(names.allocate('fresh'), 'fresh');
  assert.equal(names.allocate('fresh'), 'fresh_1');
  names.reserve('k_1');
  assert.equal(names.allocate('k'), 'k');
  assert.equal(names.allocate('k'), 'k_2');
});

test('a reversed 100k-node chain is exported in order (the sort is iterative, not recursive)', () => {
  const nodes = Array.from({ length: 100_000 }, (_, i) => node('Relu', [`v${i}`], [`v${i + 1}`], {}, { name: `n${i}` }));
  nodes.reverse();
  const m = model(graph({ nodes, inputs: [valueInfo('v0')], outputs: [valueInfo('v100000')] }));
  const out = modelToProto(modelFromProto(m));
  assert.equal(out.graph!.node[0]!.name, 'n0');
  assert.equal(out.graph!.node[99_999]!.name, 'n99999');
});

test('a lazily collected name allocator avoids the names the model uses at its first call', () => {
  const ir = modelFromProto(ifModel());
  const names = NameAllocator.collectedWhenNeeded(ir);
  assert.equal(names.allocate('h'), 'h_1', 'a subgraph value');
  assert.equal(names.allocate('outer_if'), 'outer_if_1', 'a node name');
  assert.ok(names.has('inner_mul') && names.has('then'));
});

test('a Value carries the shape its graph declares (initializer dims first), shared with values of the same shape', () => {
  const ir = modelFromProto(
    model(
      graph({
        nodes: [node('Relu', ['x'], ['r']), node('Add', ['r', 'w'], ['y']), node('Neg', ['y'], ['z'])],
        inputs: [valueInfo('x', DataType.FLOAT, ['batch', 2])],
        outputs: [valueInfo('y', DataType.FLOAT, [null, 2]), valueInfo('z')],
        valueInfo: [valueInfo('r', DataType.FLOAT, ['batch', 2])],
        initializers: [tensor('w', [2], [1, 2])],
      }),
    ),
  );
  const main = ir.graph!;
  const shape = (name: string) => main.localValue(name)!.shape;
  assert.deepEqual(shape('x'), ['batch', 2]);
  assert.equal(shape('r'), shape('x'), 'equal shapes are one object');
  assert.deepEqual(shape('y'), [null, 2], 'an unknown dimension is null');
  assert.deepEqual(shape('w'), [2]);
  assert.equal(shape('z'), undefined, 'no declared shape: unknown rank');
  assert.ok(Object.isFrozen(shape('x')));
});
