import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { isDefaultDomain, normalizeDomain, opKey } from './domain.js';
import { castToAttribute, createCast, createNode, NodePlacement, outputPortsOf, replaceAllUses } from './edit.js';
import type { Graph } from './graph.js';
import { modelFromProto } from './from-proto.js';
import { modelToProto } from './to-proto.js';

const F = DataType.FLOAT;

function chain() {
  return modelFromProto(
    model(
      graph({
        nodes: [node('Relu', ['x'], ['r'], {}, { name: 'relu' }), node('Neg', ['r'], ['y'], {}, { name: 'neg' }), node('Abs', ['r'], ['z'], {}, { name: 'abs' })],
        inputs: [valueInfo('x', F, [2])],
        outputs: [valueInfo('y', F, [2]), valueInfo('r', F, [2])],
        initializers: [tensor('w', [2], [1, 2])],
      }),
    ),
  );
}

test('a Cast made by createCast reads its source, has a typed output and is placed right after the source', () => {
  const ir = chain();
  const main = ir.graph!;
  const r = main.localValue('r')!;
  const x = main.localValue('x')!;
  const placement = new NodePlacement();
  const castR = createCast(main, r, DataType.FLOAT16, 17, { node: 'r_Cast', output: 'r_fp16' });
  const castX = createCast(main, x, DataType.FLOAT16, 17, { node: 'x_Cast', output: 'x_fp16' });
  placement.insertAfter(r, castR);
  placement.insertAfter(x, castX);
  placement.place(main);
  assert.deepEqual(main.nodes.map((n) => n.name), ['x_Cast', 'relu', 'r_Cast', 'neg', 'abs'], 'after the producer; a graph input\'s Cast goes first');
  assert.deepEqual(castR.outputs[0]!.type, { kind: 'tensor', elemType: DataType.FLOAT16 });
  assert.equal(castR.outputs[0]!.producer, castR);
  assert.ok(r.uses.some((use) => use.node === castR && use.index === 0));
  const proto = modelToProto(ir).graph!.node.find((n) => n.name === 'r_Cast')!;
  assert.equal(proto.opType, 'Cast');
  assert.equal(Number(proto.attribute[0]!.i), DataType.FLOAT16);
  // Cast-1 spells the target type as a name.
  const old = createCast(main, r, DataType.FLOAT16, 5, { node: 'old_Cast', output: 'r_old' });
  assert.equal(new TextDecoder().decode(old.proto.attribute[0]!.s), 'FLOAT16');
});

test('replaceAllUses moves the accepted uses only, keeping both values\' use lists exact', () => {
  const ir = chain();
  const main = ir.graph!;
  const r = main.localValue('r')!;
  const other = createNode(main, { opType: 'Identity', name: 'id', inputs: [main.localValue('x')], output: 'r2' }).outputs[0]!;
  replaceAllUses(r, other, (use) => use.node.opType === 'Neg');
  assert.deepEqual(r.uses.map((u) => u.node.opType), ['Abs']);
  assert.deepEqual(other.uses.map((u) => u.node.opType), ['Neg']);
  replaceAllUses(r, other);
  assert.equal(r.uses.length, 0);
  assert.equal(other.uses.length, 2);
});

test('graph input/output queries, output ports of captured values, and the root graph', () => {
  const body = graph({ name: 'body', nodes: [], outputs: [valueInfo('w')] });
  const ir = modelFromProto(
    model(
      graph({
        nodes: [node('If', ['c'], ['y'], { then_branch: body, else_branch: body }, { name: 'if' })],
        inputs: [valueInfo('c', DataType.BOOL, []), valueInfo('w', F, [2])],
        outputs: [valueInfo('y', F, [2])],
        initializers: [tensor('w', [2], [1, 2]), tensor('k', [2], [1, 2])],
      }),
      { irVersion: 3 },
    ),
  );
  const main = ir.graph!;
  const w = main.localValue('w')!;
  const k = main.localValue('k')!;
  assert.ok(w.isGraphInput && !w.isConstantInitializer, 'an initializer listed as an input can be fed');
  assert.ok(!k.isGraphInput && k.isConstantInitializer);
  assert.ok(main.localValue('y')!.isGraphOutput && !w.isGraphOutput);
  const branches = main.nodes[0]!.allSubgraphs();
  assert.deepEqual(outputPortsOf(w).map((p) => p.value), [w, w], 'both branches output the captured value');
  assert.ok(branches.every((g: Graph) => g.root === main));
  assert.equal(main.root, main);
});

test('the default domain is one domain however it is spelled', () => {
  assert.equal(normalizeDomain('ai.onnx'), '');
  assert.equal(normalizeDomain('com.microsoft'), 'com.microsoft');
  assert.ok(isDefaultDomain('') && isDefaultDomain('ai.onnx') && !isDefaultDomain('ai.onnx.ml'));
  assert.equal(opKey('ai.onnx', 'If'), 'If');
  assert.equal(opKey('com.microsoft', 'GroupNorm'), 'com.microsoft::GroupNorm');
});

test('setAttribute replaces an attribute by name (it goes last) on a copy of the proto; setAttributes replaces all', () => {
  const ir = modelFromProto(model(graph({ nodes: [node('Cast', ['x'], ['y'], { to: 1n, saturate: 1n })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y')] })));
  const cast = ir.graph!.nodes[0]!;
  const original = cast.proto;
  cast.setAttribute(castToAttribute(DataType.FLOAT16, 17));
  assert.deepEqual(cast.proto.attribute.map((a) => [a.name, Number(a.i)]), [['saturate', 1], ['to', DataType.FLOAT16]]);
  assert.deepEqual(original.attribute.map((a) => a.name), ['to', 'saturate'], 'the source proto is untouched');
  cast.setAttributes([]);
  assert.equal(cast.proto.attribute.length, 0);
});
