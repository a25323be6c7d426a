/**
 * Options: unknown keys and wrong types are refused with a hint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertFloatToFloat16 } from './convert-model.js';
import { mlp } from '../../test/convert-checks.js';

test('options: unknown keys are refused with a hint; wrong types are explained', () => {
  assert.throws(() => convertFloatToFloat16(mlp(), { keep_io_types: true } as never), /unknown option "keep_io_types"; did you mean keepIoTypes\?/);
  assert.throws(() => convertFloatToFloat16(mlp(), { opBlockLst: [] } as never), /did you mean opBlockList\?/);
  assert.throws(() => convertFloatToFloat16(mlp(), { keepIoTypes: 'yes' } as never), /keepIoTypes must be true, false, or a list/);
  assert.throws(() => convertFloatToFloat16(mlp(), { minPositiveVal: 1, maxFiniteVal: 0.5 }), /minPositiveVal \(1\) must be >= 0 and below maxFiniteVal/);
});

test('opBlockList names a default-domain operator in either spelling, whatever the spelling its nodes use', async () => {
  const { convertModel } = await import('./convert-model.js');
  const { graph, model, node, valueInfo, DataType } = await import('../../test/model-builder.js');
  const relu = (domain: string) =>
    model(graph({ nodes: [node('Relu', ['x'], ['y'], {}, { name: 'r', domain })], inputs: [valueInfo('x', DataType.FLOAT, [2])], outputs: [valueInfo('y', DataType.FLOAT, [2])] }));
  for (const domain of ['', 'ai.onnx']) {
    for (const name of ['Relu', 'ai.onnx::Relu', '::Relu']) {
      const kept = convertModel(relu(domain), { opBlockList: [name] }).report.keptNodes;
      assert.deepEqual(kept.map((k) => [k.name, k.reason]), [['r', { kind: 'opBlockList', op: 'Relu' }]], `node domain "${domain}", opBlockList "${name}"`);
    }
  }
});
