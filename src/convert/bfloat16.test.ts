/**
 * bfloat16 is decided from the schemas at the model's opset, as float16 is: where Cast, If/Loop/Scan
 * or sequence ops lack bfloat16, nodes and graph I/O stay float32 and the report says why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertWellFormed, ioTypes, opTypes } from '../../test/convert-checks.js';
import { graph, model, node, valueInfo, DataType } from '../../test/model-builder.js';
import { convertModel } from './convert-model.js';

const F = DataType.FLOAT;
const BF16 = DataType.BFLOAT16;

function castRelu(opset: number) {
  return model(
    graph({
      nodes: [node('Cast', ['x'], ['c'], { to: BigInt(F) }), node('Relu', ['c'], ['y'])],
      inputs: [valueInfo('x', DataType.INT32, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
    { opset, irVersion: 6 },
  );
}

test('below opset 13 (no bfloat16 Cast) every float node stays float32 with a schema reason, and the report says the target gains nothing', () => {
  const { model: out, report } = convertModel(castRelu(11), {}, BF16);
  assertWellFormed(out);
  assert.deepEqual(opTypes(out.graph!), ['Cast', 'Relu']);
  assert.deepEqual(ioTypes(out), { x: 'INT32', y: 'FLOAT' });
  const relu = report.keptNodes.find((k) => k.opType === 'Relu')!;
  assert.equal(relu.reason.kind, 'schema');
  assert.match(report.warnings.map((w) => w.message).join('\n'), /bfloat16 at opset 11: 0 of 2 float nodes convert; Cast has no bfloat16 before opset 13/);
  assert.match(report.warnings.map((w) => w.message).join('\n'), /graph input\/output "y" stays float32: Cast has no bfloat16 before opset 13/);
});

test('at opset 13 the same model converts to bfloat16 without a low-gain warning', () => {
  const { model: out, report } = convertModel(castRelu(13), {}, BF16);
  assertWellFormed(out);
  assert.deepEqual(ioTypes(out), { x: 'INT32', y: 'BFLOAT16' });
  assert.deepEqual(report.keptNodes, []);
  assert.ok(!report.warnings.some((w) => w.message.includes('float nodes convert')));
});

test('where most float nodes have no bfloat16 at the opset (Conv before 22) the warning names the op and the numbers', () => {
  const m = model(
    graph({
      nodes: [node('Conv', ['x', 'w'], ['c1']), node('Conv', ['c1', 'w'], ['c2']), node('Conv', ['c2', 'w'], ['c3']), node('Relu', ['c3'], ['y'])],
      inputs: [valueInfo('x', F, [1, 1, 4, 4]), valueInfo('w', F, [1, 1, 1, 1])],
      outputs: [valueInfo('y', F, [1, 1, 4, 4])],
    }),
    { opset: 17 },
  );
  const { model: out, report } = convertModel(m, {}, BF16);
  assertWellFormed(out);
  assert.equal(report.keptNodes.filter((k) => k.reason.kind === 'schema').length, 3);
  assert.ok(report.warnings.some((w) => w.message === 'bfloat16 at opset 17: 1 of 4 float nodes convert; Conv has no bfloat16 before opset 22'));
});

test('an If whose V constraint lacks bfloat16 (below opset 16) stays float32 with its branches', () => {
  const branch = (name: string, op: string) => graph({ name, nodes: [node(op, ['x'], [`${name}_y`])], outputs: [valueInfo(`${name}_y`, F, [2])] });
  const m = model(
    graph({
      nodes: [node('Relu', ['x0'], ['x']), node('If', ['c'], ['y'], { then_branch: branch('then', 'Relu'), else_branch: branch('else', 'Neg') }, { name: 'if' })],
      inputs: [valueInfo('x0', F, [2]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', F, [2])],
    }),
    { opset: 14 },
  );
  const { model: out, report } = convertModel(m, {}, BF16);
  assertWellFormed(out);
  assert.equal(report.keptNodes.find((k) => k.address === 'if')?.reason.kind, 'schema');
  assert.ok(report.keptNodes.some((k) => k.address === 'if/then_branch/Relu_then_y' && k.reason.kind === 'inside'));
  assert.ok(!report.keptNodes.some((k) => k.opType === 'Relu' && k.graph === ''), 'the Relu outside the If still converts');
  // At opset 16 If takes bfloat16: it converts.
  const at16 = convertModel({ ...m, opsetImport: m.opsetImport.map((o) => ({ ...o, version: 16n })) }, {}, BF16);
  assertWellFormed(at16.model);
  assert.ok(!at16.report.keptNodes.some((k) => k.address === 'if'));
});

test('a sequence graph input read by a float32 node stays float32 instead of taking an uncastable seq(bfloat16)', () => {
  const m = model(
    graph({
      nodes: [node('SequenceLength', ['s'], ['n'])],
      inputs: [{ ...valueInfo('s'), type: seqType() }],
      outputs: [valueInfo('n', DataType.INT64, [])],
    }),
    { opset: 15 },
  );
  const { model: out, report } = convertModel(m, {}, BF16);
  assertWellFormed(out);
  assert.ok(report.warnings.some((w) => w.message.startsWith('graph input/output "s" stays float32')));
});

test('a model importing only ai.onnx.ml gets the default-domain opset its new Casts need, valid for its IR version', () => {
  const m = model(
    graph({
      nodes: [node('Scaler', ['x'], ['y'], {}, { domain: 'ai.onnx.ml' })],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
    { opsets: { 'ai.onnx.ml': 1 }, irVersion: 3 },
  );
  const { model: out, report } = convertModel(m);
  assertWellFormed(out);
  assert.ok(report.casts.length > 0);
  assert.deepEqual(
    out.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['ai.onnx.ml', 1], ['', 8]],
  );
  const cast = out.graph!.node.find((n) => n.opType === 'Cast')!;
  assert.equal(cast.attribute[0]!.i, BigInt(F), 'Cast written in its opset-6 form (`to` an INT)');
});

function seqType() {
  return { $typeName: 'onnx.TypeProto', denotation: '', value: { case: 'sequenceType', value: { $typeName: 'onnx.TypeProto.Sequence', elemType: valueInfo('e', F).type } } } as never;
}
