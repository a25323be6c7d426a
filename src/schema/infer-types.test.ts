import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, TypeProtoSchema, TypeProto_SequenceSchema, TypeProto_TensorSchema, type NodeProto } from '../proto/onnx.js';
import { modelFromProto } from '../ir/from-proto.js';
import { fn, type AttributeValue, graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { inferTypes } from './infer-types.js';
import { formatValueType } from '../ir/value-type.js';

const F = DataType.FLOAT;

/** name -> "tensor(float)" (or "unknown: reason") for every value of every graph. */
function typesOf(m: ReturnType<typeof model>, useDeclared = false): Record<string, string> {
  const inference = inferTypes(modelFromProto(m), { useDeclared });
  const out: Record<string, string> = {};
  for (const [value, info] of inference.values) out[value.name] = info.type ? formatValueType(info.type) : `unknown: ${info.reason}`;
  return out;
}

/** One node at `opset`, with typed graph inputs; returns the types of its outputs. */
function outputTypes(n: NodeProto, inputs: Record<string, number>, opset: number, extraOpsets: Record<string, number> = {}): string[] {
  const m = model(
    graph({ nodes: [n], inputs: Object.entries(inputs).map(([name, t]) => valueInfo(name, t)), outputs: [] }),
    { opsets: { '': opset, ...extraOpsets } },
  );
  const types = typesOf(m);
  return n.output.map((o) => types[o]!);
}

test('type parameters are bound from inputs at the model opset', () => {
  assert.deepEqual(outputTypes(node('Add', ['a', 'b'], ['c']), { a: F, b: F }, 14), ['tensor(float)']);
  assert.deepEqual(outputTypes(node('Shape', ['a'], ['s']), { a: F }, 14), ['tensor(int64)']);
  assert.deepEqual(outputTypes(node('TopK', ['x', 'k'], ['v', 'i']), { x: DataType.FLOAT16, k: DataType.INT64 }, 11), ['tensor(float16)', 'tensor(int64)']);
  assert.deepEqual(outputTypes(node('CastLike', ['x', 'like'], ['y']), { x: F, like: DataType.BFLOAT16 }, 15), ['tensor(bfloat16)']);
});

test('operators of opsets 18 and later', () => {
  const cases: [NodeProto, Record<string, number>, number, string[]][] = [
    [node('BitwiseAnd', ['a', 'b'], ['c']), { a: DataType.INT32, b: DataType.INT32 }, 18, ['tensor(int32)']],
    [node('Col2Im', ['x', 's', 'b'], ['y']), { x: F, s: DataType.INT64, b: DataType.INT64 }, 18, ['tensor(float)']],
    [node('CenterCropPad', ['x', 's'], ['y']), { x: DataType.UINT8, s: DataType.INT64 }, 18, ['tensor(uint8)']],
    [node('Mish', ['x'], ['y']), { x: DataType.FLOAT16 }, 18, ['tensor(float16)']],
    [node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 2n }), { x: F, s: F, b: F }, 21, ['tensor(float)']],
    [node('AffineGrid', ['t', 's'], ['g']), { t: DataType.DOUBLE, s: DataType.INT64 }, 20, ['tensor(double)']],
    [node('Gelu', ['x'], ['y']), { x: DataType.BFLOAT16 }, 20, ['tensor(bfloat16)']],
    [node('IsInf', ['x'], ['y']), { x: DataType.FLOAT16 }, 20, ['tensor(bool)']],
    [node('RegexFullMatch', ['x'], ['y'], { pattern: 'a+' }), { x: DataType.STRING }, 20, ['tensor(bool)']],
    [node('StringSplit', ['x'], ['y', 'z']), { x: DataType.STRING }, 20, ['tensor(string)', 'tensor(int64)']],
    [node('StringConcat', ['a', 'b'], ['c']), { a: DataType.STRING, b: DataType.STRING }, 20, ['tensor(string)']],
    [node('ImageDecoder', ['bytes'], ['img']), { bytes: DataType.UINT8 }, 20, ['tensor(uint8)']],
    [node('ConstantOfShape', ['s'], ['y'], { value: tensor('v', [1], [1], DataType.INT32) }), { s: DataType.INT64 }, 20, ['tensor(int32)']],
    [node('QuantizeLinear', ['x', 's'], ['y'], { output_dtype: BigInt(DataType.INT8) }), { x: F, s: F }, 21, ['tensor(int8)']],
    [node('QuantizeLinear', ['x', 's'], ['y']), { x: F, s: F }, 21, ['tensor(uint8)']],
    [node('QuantizeLinear', ['x', 's', 'z'], ['y']), { x: F, s: F, z: DataType.INT4 }, 21, ['tensor(int4)']],
    [node('DequantizeLinear', ['x', 's'], ['y']), { x: DataType.INT8, s: DataType.FLOAT16 }, 21, ['tensor(float16)']],
    [node('DequantizeLinear', ['x', 's'], ['y'], { output_dtype: BigInt(DataType.BFLOAT16) }), { x: DataType.INT8, s: F }, 24, ['tensor(bfloat16)']],
    [node('Attention', ['q', 'k', 'v'], ['y']), { q: DataType.FLOAT16, k: DataType.FLOAT16, v: DataType.FLOAT16 }, 23, ['tensor(float16)']],
    [node('RMSNormalization', ['x', 's'], ['y']), { x: F, s: DataType.FLOAT16 }, 23, ['tensor(float16)']],
    [node('RotaryEmbedding', ['x', 'c', 's', 'p'], ['y']), { x: F, c: F, s: F, p: DataType.INT64 }, 23, ['tensor(float)']],
    [node('Swish', ['x'], ['y']), { x: F }, 24, ['tensor(float)']],
    [node('TensorScatter', ['c', 'u', 'i'], ['y']), { c: DataType.FLOAT16, u: DataType.FLOAT16, i: DataType.INT64 }, 24, ['tensor(float16)']],
    [node('CumProd', ['x', 'a'], ['y']), { x: DataType.INT64, a: DataType.INT32 }, 26, ['tensor(int64)']],
    [node('BitCast', ['x'], ['y'], { to: BigInt(DataType.INT32) }), { x: F }, 26, ['tensor(int32)']],
    [node('CausalConvWithState', ['x', 'w', 'b', 'p'], ['y', 's']), { x: F, w: F, b: F, p: F }, 27, ['tensor(float)', 'tensor(float)']],
    [node('SwiGLU', ['a', 'b'], ['y']), { a: DataType.BFLOAT16, b: DataType.BFLOAT16 }, 28, ['tensor(bfloat16)']],
  ];
  for (const [n, inputs, opset, expected] of cases) assert.deepEqual(outputTypes(n, inputs, opset), expected, `${n.opType}-${opset}`);
});

test('outputs fixed by attributes', () => {
  assert.deepEqual(outputTypes(node('Cast', ['x'], ['y'], { to: BigInt(DataType.FLOAT16) }), { x: F }, 13), ['tensor(float16)']);
  assert.deepEqual(outputTypes(node('Constant', [], ['y'], { value: tensor('t', [1], [1], DataType.INT64) }), {}, 13), ['tensor(int64)']);
  for (const [name, value, expected] of [
    ['value_float', 1.5, 'tensor(float)'],
    ['value_int', 3n, 'tensor(int64)'],
    ['value_ints', [1, 2], 'tensor(int64)'],
    ['value_string', 'hi', 'tensor(string)'],
  ] as [string, AttributeValue, string][]) {
    assert.deepEqual(outputTypes(node('Constant', [], ['y'], { [name]: value }), {}, 13), [expected], name);
  }
  const floats = node('Constant', [], ['y']);
  floats.attribute.push(create(AttributeProtoSchema, { name: 'value_floats', type: AttributeProto_AttributeType.FLOATS, floats: [1, 2] }));
  assert.deepEqual(outputTypes(floats, {}, 13), ['tensor(float)']);
  assert.deepEqual(outputTypes(node('ConstantOfShape', ['s'], ['y']), { s: DataType.INT64 }, 9), ['tensor(float)'], 'float when value is absent');
  assert.deepEqual(outputTypes(node('EyeLike', ['x'], ['y']), { x: DataType.INT32 }, 9), ['tensor(int32)']);
  assert.deepEqual(outputTypes(node('EyeLike', ['x'], ['y'], { dtype: BigInt(DataType.DOUBLE) }), { x: DataType.INT32 }, 9), ['tensor(double)']);
  assert.deepEqual(outputTypes(node('RandomNormal', [], ['y'], { shape: [2] }), {}, 1), ['tensor(float)']);
  assert.deepEqual(outputTypes(node('RandomUniform', [], ['y'], { shape: [2], dtype: BigInt(DataType.FLOAT16) }), {}, 1), ['tensor(float16)']);
  assert.deepEqual(outputTypes(node('RandomNormalLike', ['x'], ['y']), { x: DataType.DOUBLE }, 1), ['tensor(double)']);
  assert.deepEqual(outputTypes(node('RandomUniformLike', ['x'], ['y'], { dtype: BigInt(F) }), { x: DataType.DOUBLE }, 1), ['tensor(float)']);
  assert.deepEqual(outputTypes(node('Bernoulli', ['x'], ['y']), { x: DataType.FLOAT16 }, 15), ['tensor(float16)']);
  assert.deepEqual(outputTypes(node('Multinomial', ['x'], ['y']), { x: F }, 7), ['tensor(int32)']);
  assert.deepEqual(outputTypes(node('HannWindow', ['n'], ['w']), { n: DataType.INT64 }, 17), ['tensor(float)']);
  assert.deepEqual(outputTypes(node('HammingWindow', ['n'], ['w'], { output_datatype: BigInt(DataType.DOUBLE) }), { n: DataType.INT64 }, 17), ['tensor(double)']);
  assert.deepEqual(outputTypes(node('MelWeightMatrix', ['a', 'b', 'c', 'd', 'e'], ['w']), { a: 7, b: 7, c: 7, d: F, e: F }, 17), ['tensor(float)']);
  assert.deepEqual(
    outputTypes(node('LayerNormalization', ['x', 's'], ['y', 'mean', 'inv']), { x: DataType.FLOAT16, s: DataType.FLOAT16 }, 17),
    ['tensor(float16)', 'tensor(float)', 'tensor(float)'],
  );
  assert.deepEqual(outputTypes(node('DequantizeLinear', ['x', 's'], ['y']), { x: DataType.UINT8, s: F }, 10), ['tensor(float)']);
});

test('sequence and optional types', () => {
  assert.deepEqual(outputTypes(node('SequenceEmpty', [], ['s'], { dtype: BigInt(DataType.INT64) }), {}, 11), ['seq(tensor(int64))']);
  assert.deepEqual(outputTypes(node('SequenceConstruct', ['a', 'b'], ['s']), { a: F, b: F }, 11), ['seq(tensor(float))']);
  const m = model(
    graph({
      nodes: [
        node('SplitToSequence', ['x'], ['s']),
        node('SequenceAt', ['s', 'i'], ['e']),
        node('ConcatFromSequence', ['s'], ['c'], { axis: 0n }),
        node('SequenceLength', ['s'], ['n']),
        node('Optional', ['x'], ['o']),
        node('OptionalHasElement', ['o'], ['has']),
        node('OptionalGetElement', ['o'], ['back']),
      ],
      inputs: [valueInfo('x', DataType.FLOAT16), valueInfo('i', DataType.INT64)],
      outputs: [],
    }),
    { opset: 18 },
  );
  const types = typesOf(m);
  assert.equal(types.s, 'seq(tensor(float16))');
  assert.equal(types.e, 'tensor(float16)');
  assert.equal(types.c, 'tensor(float16)');
  assert.equal(types.n, 'tensor(int64)');
  assert.equal(types.o, 'optional(tensor(float16))');
  assert.equal(types.has, 'tensor(bool)');
  assert.equal(types.back, 'tensor(float16)');
  // An empty Optional takes its type from the `type` attribute.
  const empty = node('Optional', [], ['o']);
  const seqOfInt = create(TypeProtoSchema, {
    value: { case: 'sequenceType', value: create(TypeProto_SequenceSchema, { elemType: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: 7 }) } }) }) },
  });
  empty.attribute.push(create(AttributeProtoSchema, { name: 'type', type: AttributeProto_AttributeType.TYPE_PROTO, tp: seqOfInt }));
  assert.deepEqual(outputTypes(empty, {}, 15), ['optional(seq(tensor(int64)))']);
});

test('If, Loop and Scan take their output types from their bodies, whose captured values are typed', () => {
  const thenBranch = graph({ name: 'then', nodes: [node('Cast', ['x'], ['t'], { to: BigInt(DataType.FLOAT16) })], outputs: [valueInfo('t', 0)] });
  const elseBranch = graph({ name: 'else', nodes: [node('Cast', ['x'], ['e'], { to: BigInt(DataType.FLOAT16) })], outputs: [valueInfo('e', 0)] });
  const loopBody = graph({
    name: 'body',
    nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc', 'x'], ['acc_out']), node('Shape', ['acc'], ['scan_out'])],
    inputs: [valueInfo('iter', 0), valueInfo('cond_in', 0), valueInfo('acc', 0)],
    outputs: [valueInfo('cond_out', 0), valueInfo('acc_out', 0), valueInfo('scan_out', 0)],
  });
  const scanBody = graph({
    name: 'scan',
    nodes: [node('Add', ['state', 'slice'], ['state_out']), node('Cast', ['slice'], ['y_slice'], { to: BigInt(DataType.INT32) })],
    inputs: [valueInfo('state', 0), valueInfo('slice', 0)],
    outputs: [valueInfo('state_out', 0), valueInfo('y_slice', 0)],
  });
  const m = model(
    graph({
      nodes: [
        node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }),
        node('Loop', ['n', 'c', 'x'], ['final', 'shapes'], { body: loopBody }),
        node('Scan', ['x', 'seq'], ['s_final', 'ys'], { body: scanBody, num_scan_inputs: 1n }),
      ],
      inputs: [valueInfo('x', F), valueInfo('c', DataType.BOOL), valueInfo('n', DataType.INT64), valueInfo('seq', F)],
      outputs: [],
    }),
    { opset: 16 },
  );
  const types = typesOf(m);
  assert.equal(types.y, 'tensor(float16)');
  assert.equal(types.acc, 'tensor(float)');
  assert.equal(types.iter, 'tensor(int64)');
  assert.equal(types.final, 'tensor(float)');
  assert.equal(types.shapes, 'tensor(int64)');
  assert.equal(types.slice, 'tensor(float)');
  assert.equal(types.s_final, 'tensor(float)');
  assert.equal(types.ys, 'tensor(int32)');
});

test('unknown operators stay unknown with the reason; declared types fill in and are checked', () => {
  const m = model(
    graph({
      nodes: [node('MyOp', ['x'], ['y'], {}, { domain: 'my.domain' }), node('Relu', ['y'], ['z']), node('Relu', ['x'], ['w'])],
      inputs: [valueInfo('x', F)],
      outputs: [valueInfo('z', 0), valueInfo('w', DataType.FLOAT16)],
    }),
    { opsets: { '': 14, 'my.domain': 1 } },
  );
  const types = typesOf(m);
  assert.match(types.y!, /^unknown: my\.domain::MyOp: domain "my\.domain" is not in the operator table/);
  assert.match(types.z!, /^unknown: Relu: type parameter T of output "Y" cannot be bound/);

  m.graph!.valueInfo.push(valueInfo('y', F));
  const ir = modelFromProto(m);
  const inference = inferTypes(ir);
  const y = ir.graph!.nodes[0]!.outputs[0]!;
  assert.deepEqual(inference.info(y), { type: { kind: 'tensor', elemType: F }, source: 'declared' });
  assert.equal(inference.info(ir.graph!.nodes[1]!.outputs[0]!).source, 'inferred');
  assert.deepEqual(
    inference.warnings.map((w) => w.message),
    ['tensor "w" is declared tensor(float16) but node "Relu_w" (Relu) gives tensor(float)'],
  );
});

test('an operator missing at the model opset is unknown, not guessed', () => {
  assert.match(outputTypes(node('Gelu', ['x'], ['y']), { x: F }, 17)[0]!, /^unknown: Gelu does not exist at opset 17 \(introduced in 20\)/);
  assert.match(outputTypes(node('Upsample', ['x', 's'], ['y']), { x: F, s: F }, 11)[0]!, /^unknown: Upsample is deprecated since opset 10/);
});

test('model-local functions are typed from their bodies with the caller input types', () => {
  const f = fn('Scale', 'local', ['a'], ['b'], [node('Mul', ['a', 'a'], ['b'])]);
  const m = model(
    graph({ nodes: [node('Scale', ['x'], ['y'], {}, { domain: 'local' })], inputs: [valueInfo('x', DataType.FLOAT16)], outputs: [] }),
    { opsets: { '': 17, local: 1 }, functions: [f] },
  );
  const types = typesOf(m);
  assert.equal(types.y, 'tensor(float16)');
  assert.equal(types.a, 'tensor(float16)');
});

test('com.microsoft operators of an onnxruntime-optimized transformer', () => {
  const n = node('SkipLayerNormalization', ['x', 'skip', 'g', 'b'], ['y', 'mean', 'inv', 'sum'], {}, { domain: 'com.microsoft' });
  assert.deepEqual(outputTypes(n, { x: DataType.FLOAT16, skip: DataType.FLOAT16, g: DataType.FLOAT16, b: DataType.FLOAT16 }, 14, { 'com.microsoft': 1 }), [
    'tensor(float16)',
    'tensor(float)',
    'tensor(float)',
    'tensor(float16)',
  ]);
  const attention = node('Attention', ['x', 'w', 'b', 'mask'], ['y', 'present'], { num_heads: 2n }, { domain: 'com.microsoft' });
  assert.deepEqual(outputTypes(attention, { x: F, w: F, b: F, mask: DataType.INT32 }, 14, { 'com.microsoft': 1 }), ['tensor(float)', 'tensor(float)']);
});

test('a 100k-node model is typed (linear time: see npm run bench for the timing)', () => {
  const nodes = Array.from({ length: 100_000 }, (_, i) => node(i % 2 ? 'Relu' : 'Neg', [`v${i}`], [`v${i + 1}`]));
  const types = typesOf(model(graph({ nodes, inputs: [valueInfo('v0', F)], outputs: [] })));
  assert.equal(types.v100000, 'tensor(float)');
});

test('inference gives each Value its type; the inference keeps the inferred one when a pass changes it', () => {
  const ir = modelFromProto(
    model(graph({ nodes: [node('Shape', ['x'], ['s']), node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', DataType.FLOAT, [2])], outputs: [valueInfo('y')] })),
  );
  const inference = inferTypes(ir);
  const main = ir.graph!;
  assert.equal(formatValueType(main.localValue('s')!.type!), 'tensor(int64)');
  const y = main.localValue('y')!;
  assert.equal(formatValueType(y.type!), 'tensor(float)');
  y.type = { kind: 'tensor', elemType: DataType.FLOAT16 };
  assert.equal(formatValueType(inference.typeOf(y)!), 'tensor(float)');
});
