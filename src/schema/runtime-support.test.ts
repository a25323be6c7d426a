import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, model, node, valueInfo, DataType } from '../../test/model-builder.js';
import { modelFromProto } from '../ir/from-proto.js';
import { inferTypes } from './infer-types.js';
import { nodeRuntimeQuery, runtimeSupport, type RuntimeQuery } from './runtime-support.js';

const F16 = 'tensor(float16)';
const F32 = 'tensor(float)';
const BF16 = 'tensor(bfloat16)';
const I32 = 'tensor(int32)';
const q = (opType: string, opset: number, bindings: Record<string, string>, extra: Partial<RuntimeQuery> = {}): RuntimeQuery => ({ domain: '', opType, opset, bindings, ...extra });

test('onnxruntime CPU: a float16 kernel runs; an operator without one is computed in float32 between Casts', () => {
  assert.deepEqual(runtimeSupport('ort-cpu', q('Clip', 13, { T: F16 })), { supported: true, how: 'kernel' });
  assert.deepEqual(runtimeSupport('ort-cpu', q('Add', 14, { T: F16 })), { supported: true, how: 'float32-casts' });
  // The kernel is looked up at the schema's since-version (Add-14), whatever the model's opset.
  assert.deepEqual(runtimeSupport('ort-cpu', q('Add', 17, { T: F32 })), { supported: true, how: 'kernel' });
});

test('onnxruntime CPU refuses what its Casts cannot serve: no float16 input, output_datatype, opset below 6, bfloat16, no float32 kernel', () => {
  const verdict = (query: RuntimeQuery) => {
    const v = runtimeSupport('ort-cpu', query);
    return v.supported ? v.how : `${v.outcome}: ${v.reason}`;
  };
  assert.equal(
    verdict(q('RandomNormalLike', 17, { T1: F32, T2: F16 }, { inputParameters: ['T1'] })),
    'refused: onnxruntime CPU has no float16 kernel for RandomNormalLike-1, and cannot compute it in float32: it reads no float16 input to cast',
  );
  // With a float16 input, `dtype` outputs are retyped along with the inputs.
  assert.equal(verdict(q('EyeLike', 9, { T1: F16, T2: F16 }, { inputParameters: ['T1'] })), 'float32-casts');
  assert.equal(
    verdict(q('EyeLike', 9, { T1: I32, T2: F16 }, { inputParameters: ['T1'] })),
    'refused: onnxruntime CPU has no float16 kernel for EyeLike-9, and cannot compute it in float32: it reads no float16 input to cast',
  );
  assert.equal(
    verdict(q('MelWeightMatrix', 17, { T1: I32, T2: F16, T3: F16 }, { inputParameters: ['T1', 'T2'], attributeTyped: ['T3'] })),
    'refused: onnxruntime CPU has no float16 kernel for MelWeightMatrix-17, and cannot compute it in float32: output_datatype makes its output float16',
  );
  assert.equal(
    verdict(q('Softplus', 1, { T: F16 })),
    'refused: onnxruntime CPU has no float16 kernel for Softplus-1, and cannot compute it in float32 at ai.onnx opset 1: the Casts it inserts need opset 6',
  );
  assert.equal(verdict(q('Softplus', 1, { T: F16 }, { defaultOpset: 7 })), 'float32-casts');
  assert.match(verdict(q('Add', 14, { T: BF16 })), /^refused: onnxruntime CPU has no bfloat16 kernel for Add-14 \(and computes no bfloat16 operator in float32\)$/);
  assert.equal(verdict(q('FastGelu', 1, { T: BF16 }, { domain: 'com.microsoft' })), 'refused: onnxruntime CPU has no bfloat16 kernel for com.microsoft::FastGelu-1 (and computes no bfloat16 operator in float32)');
  assert.equal(verdict(q('NotAnOperator', 17, {})), 'refused: onnxruntime CPU has no kernel for NotAnOperator');
});

test('onnxruntime CPU: ScatterND/ScatterElements reductions add and mul have no float16 path, none but none a bfloat16 one', () => {
  const scatter = (opType: string, reduction: string, type = F16) => runtimeSupport('ort-cpu', q(opType, 18, { T: type }, { reduction }));
  assert.deepEqual(scatter('ScatterND', 'add'), { supported: false, outcome: 'refused', reason: "onnxruntime CPU does not run ScatterND with reduction 'add' in float16" });
  assert.equal(scatter('ScatterElements', 'mul').supported, false);
  assert.equal(scatter('ScatterND', 'max').supported, true);
  assert.equal(scatter('ScatterND', 'none').supported, true);
  assert.equal(scatter('ScatterND', 'add', F32).supported, true);
  // bfloat16: every reduction is refused (onnxruntime-node: "BFloat16 data type is not supported with ScatterND opset 18 when reduction is 'max'").
  assert.deepEqual(scatter('ScatterND', 'max', BF16), { supported: false, outcome: 'refused', reason: "onnxruntime CPU does not run ScatterND with reduction 'max' in bfloat16" });
  assert.equal(scatter('ScatterElements', 'none', BF16).supported, true);
});

test('onnxruntime CPU runs function operators without a kernel as their ONNX body, except bodies with float32 constants', () => {
  // No CastLike kernel at all: the body.
  assert.deepEqual(runtimeSupport('ort-cpu', q('CastLike', 15, { T1: F16, T2: F32 })), { supported: true, how: 'function-body' });
  // Relu has a float32 kernel: its body (function version 18) is used from opset 18 on, Casts before.
  assert.deepEqual(runtimeSupport('ort-cpu', q('Relu', 18, { T: F16 })), { supported: true, how: 'function-body' });
  assert.deepEqual(runtimeSupport('ort-cpu', q('Relu', 17, { T: F16 })), { supported: true, how: 'float32-casts' });
  assert.deepEqual(runtimeSupport('ort-cpu', q('MeanVarianceNormalization', 13, { T: F16 })), {
    supported: false,
    outcome: 'refused',
    reason: 'onnxruntime CPU runs MeanVarianceNormalization as its ONNX function body, whose float32 constants do not mix with float16',
  });
  assert.deepEqual(runtimeSupport('ort-cpu', q('MeanVarianceNormalization', 13, { T: F32 })), { supported: true, how: 'kernel' });
});

test('GPU providers: a missing kernel falls back to CPU, or is refused when CPU cannot run it either', () => {
  assert.deepEqual(runtimeSupport('ort-cuda', q('Add', 14, { T: F16 })), { supported: true, how: 'kernel' });
  assert.deepEqual(runtimeSupport('ort-dml', q('Add', 14, { T: BF16 })), {
    supported: false,
    outcome: 'refused',
    reason: 'onnxruntime DirectML has no bfloat16 kernel for Add-14, and on its CPU fallback: onnxruntime CPU has no bfloat16 kernel for Add-14 (and computes no bfloat16 operator in float32)',
  });
  assert.deepEqual(runtimeSupport('ort-webgpu', q('Relu', 14, { T: F16 })), { supported: true, how: 'kernel' });
  assert.deepEqual(runtimeSupport('ort-webgpu', q('Identity', 16, { T: F16 })), { supported: false, outcome: 'fallback', reason: 'WebGPU has no kernel for Identity: falls back to CPU' });
  // GridSample is listed for opsets 16-19 only.
  assert.deepEqual(runtimeSupport('ort-webgpu', q('GridSample', 20, { T1: F16, T2: F16 })), {
    supported: false,
    outcome: 'fallback',
    reason: 'WebGPU has no kernel for GridSample at opset 20: falls back to CPU',
  });
  assert.deepEqual(runtimeSupport('ort-webgpu', q('Conv', 11, { T: F16 })), {
    supported: true,
    how: 'kernel',
    note: 'need perf optimization; conv3d is not supported; need implementing activation',
  });
  assert.equal(runtimeSupport('ort-webnn', q('Add', 14, { T: BF16 })).supported, false);
  assert.deepEqual(runtimeSupport('ort-webnn', q('Gelu', 20, { T: F16 })), { supported: true, how: 'kernel' });
  assert.deepEqual(runtimeSupport('ort-webnn', q('Constant', 17, { T: F16 })), { supported: true, how: 'initializer' });
});

test('the query of a node: type parameters bound from its types, input parameters, output_datatype, opsets and reduction', () => {
  const m = modelFromProto(
    model(
      graph({
        nodes: [
          node('MelWeightMatrix', ['bins', 'length', 'rate', 'lower', 'upper'], ['mel'], { output_datatype: BigInt(DataType.FLOAT16) }),
          node('ScatterND', ['mel', 'idx', 'mel'], ['y'], { reduction: 'add' }),
        ],
        inputs: [
          valueInfo('bins', DataType.INT32, []),
          valueInfo('length', DataType.INT32, []),
          valueInfo('rate', DataType.INT32, []),
          valueInfo('lower', DataType.FLOAT16, []),
          valueInfo('upper', DataType.FLOAT16, []),
          valueInfo('idx', DataType.INT64, [1, 1]),
        ],
        outputs: [valueInfo('y', DataType.FLOAT16, null)],
      }),
      { opset: 18 },
    ),
  );
  const inference = inferTypes(m);
  const [mel, scatter] = m.graph!.nodes;
  assert.deepEqual(nodeRuntimeQuery(mel!, inference, m.proto.opsetImport), {
    domain: '',
    opType: 'MelWeightMatrix',
    opset: 18,
    bindings: { T1: I32, T2: F16, T3: F16 },
    inputParameters: ['T1', 'T2'],
    attributeTyped: ['T3'],
    defaultOpset: 18,
  });
  assert.equal(nodeRuntimeQuery(scatter!, inference, m.proto.opsetImport)!.reduction, 'add');
  assert.equal(nodeRuntimeQuery(scatter!, inference, [])!, undefined);
});
