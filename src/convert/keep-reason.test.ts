import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convert } from '../../test/convert-checks.js';
import { graph, model, node, valueInfo, DataType } from '../../test/model-builder.js';
import { describeReason, isFallback, type KeepReason } from './keep-reason.js';

const F = DataType.FLOAT;

test('reasons render as one line of text at the edge', () => {
  const cases: [KeepReason, string][] = [
    [{ kind: 'opBlockList', op: 'com.example::Max' }, 'op type com.example::Max is in opBlockList'],
    [{ kind: 'nodeBlockList' }, 'the node is in nodeBlockList'],
    [{ kind: 'inside', owner: 'node "if" (If)' }, 'inside node "if" (If), which stays float32'],
    [{ kind: 'schema', op: 'Range', opset: 17, target: 'float16' }, 'Range at opset 17 allows no float16 for its float32 inputs and outputs'],
    [{ kind: 'outOfRange', value: 'var', count: 2, maxAbs: 9.8e7, bound: 65504 }, 'constant input "var" holds 2 finite values beyond float16\'s range (max |x| = 9.80e+7)'],
    [{ kind: 'outOfRange', value: 'scale', count: 1, maxAbs: 32768, bound: 10000 }, 'constant input "scale" holds 1 finite value beyond maxFiniteVal 10000 (max |x| = 3.28e+4)'],
    [{ kind: 'schema', op: 'Relu', opset: 11, target: 'bfloat16', detail: 'Cast has no bfloat16 before opset 13' }, 'Relu at opset 11: Cast has no bfloat16 before opset 13'],
    [{ kind: 'unknownType', value: 'h', detail: 'no declared type' }, 'the type of "h" is unknown (no declared type)'],
    [{ kind: 'container', value: 's', type: 'seq(tensor(float))' }, 'the seq(tensor(float)) value "s" cannot be cast between precisions'],
    [
      { kind: 'runtime', runtime: 'ort-webgpu', outcome: 'fallback', detail: 'WebGPU has no kernel for PRelu at opset 9: falls back to CPU' },
      'runtime ort-webgpu: WebGPU has no kernel for PRelu at opset 9: falls back to CPU',
    ],
  ];
  for (const [reason, text] of cases) assert.equal(describeReason(reason), text);
});

test('nodes kept by the user\'s block lists or inside a kept node are not warned about; other fallbacks are', () => {
  assert.ok(!isFallback({ kind: 'opBlockList', op: 'Max' }));
  assert.ok(!isFallback({ kind: 'nodeBlockList' }));
  assert.ok(!isFallback({ kind: 'inside', owner: 'x' }));
  assert.ok(isFallback({ kind: 'noSchema', detail: 'x' }));
  assert.ok(isFallback({ kind: 'runtime', runtime: 'ort-cpu', outcome: 'refused', detail: 'x' }), 'a node kept for the runtime is worth a warning: the user chose the runtime, not the node');
  const m = model(
    graph({
      nodes: [node('Max', ['x', 'x'], ['m'], {}, { name: 'max' }), node('Custom', ['m'], ['y'], {}, { name: 'custom', domain: 'com.example' })],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
    { opsets: { '': 17, 'com.example': 1 } },
  );
  const { report } = convert(m);
  assert.deepEqual(report.keptNodes.map((k) => [k.name, k.reason.kind]), [['max', 'opBlockList'], ['custom', 'noSchema']]);
  assert.deepEqual(report.warnings.filter((w) => w.kind === 'fallback').map((w) => w.message), [`node "custom" (com.example::Custom) stays float32: ${describeReason(report.keptNodes[1]!.reason)}`]);
});
