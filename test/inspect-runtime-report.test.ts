import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema } from '../src/proto/onnx.js';
import { convertModel } from '../src/convert/convert-model.js';
import { decodeModel } from '../src/proto/codec.js';
import { fn, graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';
import { SHARED_MODELS_SKIP, sharedModel } from './testdata.js';
import { runtimeReport } from '../src/inspect/runtime-report.js';

function convertedShared(file: string) {
  return convertModel(decodeModel(readFileSync(sharedModel(file)), file)).model;
}

test('WebGPU on a float16 GPT-2 fused by onnxruntime: only EmbedLayerNormalization falls back to CPU', { skip: SHARED_MODELS_SKIP }, () => {
  // webgpu-operators.md lists Attention, SkipLayerNormalization, FastGelu and MatMul, not EmbedLayerNormalization.
  const report = runtimeReport(convertedShared('gpt2_tiny_ort_fused.onnx'), 'ort-webgpu');
  assert.deepEqual(
    report.nodes.map((n) => [n.domain, n.opType, n.outcome]),
    [['com.microsoft', 'EmbedLayerNormalization', 'fallback']],
  );
  assert.deepEqual(report.byOp, [
    {
      domain: 'com.microsoft',
      opType: 'EmbedLayerNormalization',
      outcome: 'fallback',
      reason: 'WebGPU has no kernel for com.microsoft::EmbedLayerNormalization: falls back to CPU',
      count: 1,
    },
  ]);
  assert.equal(report.supported + report.nodes.length + report.otherNodes.length + report.removedOnLoad + report.unknown.length, report.nodeCount);
  assert.deepEqual(report.notes, [{ domain: 'com.microsoft', opType: 'Attention', note: 'need implementing mask and past/present' }]);
  // The same model on onnxruntime's CPU and CUDA providers: every node runs; on CPU, those
  // without a float16 kernel (MatMul; com.microsoft Attention, FastGelu, EmbedLayerNormalization) in float32.
  const cpu = runtimeReport(convertedShared('gpt2_tiny_ort_fused.onnx'), 'ort-cpu');
  assert.deepEqual(cpu.nodes, []);
  assert.deepEqual(
    cpu.computedInFloat32.map((o) => [o.opType, o.count]),
    [
      ['MatMul', 16],
      ['Attention', 5],
      ['FastGelu', 5],
      ['EmbedLayerNormalization', 1],
    ],
  );
  assert.deepEqual(runtimeReport(convertedShared('gpt2_tiny_ort_fused.onnx'), 'ort-cuda').nodes, []);
});

test('WebGPU on a float16 Keras LSTM model: both LSTM nodes fall back to CPU', { skip: SHARED_MODELS_SKIP }, () => {
  const report = runtimeReport(convertedShared('occ_keras_lstm.onnx'), 'ort-webgpu');
  assert.deepEqual(
    report.byOp.map((g) => [g.opType, g.outcome, g.count]),
    [['LSTM', 'fallback', 2]],
  );
});

test('constant folding: weights built by ConstantOfShape from initializers are computed on load, not on WebGPU', { skip: SHARED_MODELS_SKIP }, () => {
  const converted = convertedShared('light_densenet121.onnx');
  const report = runtimeReport(converted, 'ort-webgpu');
  const constantOfShape = converted.graph!.node.filter((n) => n.opType === 'ConstantOfShape').length;
  assert.ok(constantOfShape > 800);
  assert.ok(report.removedOnLoad >= constantOfShape);
  assert.deepEqual(report.nodes, []);
});

test('every graph is covered; folding needs constant inputs, and IR 4+ graph inputs can override initializers', () => {
  const m = (irVersion: number) =>
    model(
      graph({
        nodes: [
          node('ConstantOfShape', ['shape'], ['filled'], { value: float16Tensor('v', 0x3c00) }),
          node('Add', ['x', 'filled'], ['sum']),
          node('PRelu', ['sum', 'slope'], ['y']),
          node('Identity', ['y'], ['z']),
        ],
        inputs: [valueInfo('x', DataType.FLOAT16, [2]), valueInfo('shape', DataType.INT64, [1])],
        outputs: [valueInfo('z', DataType.FLOAT16, [2])],
        initializers: [tensor('shape', [1], [2], DataType.INT64), float16Tensor('slope', 0x3800)],
      }),
      { irVersion },
    );
  // IR 3: the initializer "shape" is a constant (graph inputs cannot override it), so ConstantOfShape folds.
  const old = runtimeReport(m(3), 'ort-webgpu');
  assert.deepEqual(
    old.nodes.map((n) => [n.opType, n.outcome]),
    [
      ['PRelu', 'fallback'],
      ['Identity', 'fallback'],
    ],
  );
  assert.equal(old.removedOnLoad, 1);
  // IR 8: the graph input "shape" may replace it, so ConstantOfShape runs, on the CPU for WebGPU.
  const current = runtimeReport(m(8), 'ort-webgpu');
  assert.deepEqual(
    current.nodes.map((n) => n.opType),
    ['ConstantOfShape', 'PRelu', 'Identity'],
  );

  const body = graph({ name: 'then', nodes: [node('PRelu', ['x', 'x'], ['t'], {}, { name: 'inner' })], outputs: [valueInfo('t', DataType.FLOAT16, [2])] });
  const other = graph({ name: 'else', nodes: [node('Neg', ['x'], ['e'])], outputs: [valueInfo('e', DataType.FLOAT16, [2])] });
  const nested = model(
    graph({
      nodes: [node('If', ['c'], ['y'], { then_branch: body, else_branch: other }, { name: 'if' })],
      inputs: [valueInfo('x', DataType.FLOAT16, [2]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', DataType.FLOAT16, [2])],
    }),
  );
  // WebGPU runs If and Neg, not PRelu, which is found in the If's then-branch.
  assert.deepEqual(
    runtimeReport(nested, 'ort-webgpu').nodes.map((n) => [n.graph, n.node, n.opType, n.outcome]),
    [['if/then_branch', 'inner', 'PRelu', 'fallback']],
  );
  // WebNN runs PRelu and Neg, not If.
  assert.deepEqual(
    runtimeReport(nested, 'ort-webnn').nodes.map((n) => [n.graph, n.node, n.opType, n.outcome]),
    [['', 'if', 'If', 'fallback']],
  );
});

test('calls of model-local functions are inlined; the nodes of their bodies are checked', () => {
  const body = fn('Leaky', 'local', ['a'], ['b'], [node('PRelu', ['a', 'a'], ['b'], {}, { name: 'inner' })]);
  const m = model(
    graph({
      nodes: [node('Leaky', ['x'], ['y'], {}, { domain: 'local', name: 'call' })],
      inputs: [valueInfo('x', DataType.FLOAT16, [2])],
      outputs: [valueInfo('y', DataType.FLOAT16, [2])],
    }),
    { opsets: { '': 17, local: 1 }, functions: [body] },
  );
  const report = runtimeReport(m, 'ort-webgpu');
  assert.equal(report.removedOnLoad, 1);
  assert.deepEqual(report.unknown, []);
  assert.deepEqual(
    report.nodes.map((n) => [n.graph, n.node, n.opType]),
    [['function:local.Leaky', 'inner', 'PRelu']],
  );
});

/** A one-element float16 tensor from its bits (the test model builder writes float32 and integers). */
function float16Tensor(name: string, bits: number) {
  return create(TensorProtoSchema, { name, dataType: DataType.FLOAT16, dims: [1n], int32Data: [bits] });
}
