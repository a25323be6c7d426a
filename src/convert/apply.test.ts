/**
 * Applying a plan: where Casts go and how many, names that never clash, sequences converted as a whole,
 * value_info for new values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertModel } from './convert-model.js';
import { assertRunsLike, convert, ioTypes, opTypes } from '../../test/convert-checks.js';
import { graph, model, node, valueInfo, DataType } from '../../test/model-builder.js';

const F = DataType.FLOAT;

test('unnamed blocked nodes and names that look like generated ones never clash', async () => {
  const m = model(
    graph({
      nodes: [
        node('Relu', ['x'], ['x_fp16'], {}, { name: '' }),
        node('TopK', ['x_fp16', 'k'], ['v', 'i'], {}, { name: '' }),
        node('TopK', ['v', 'k'], ['y', 'j'], {}, { name: '' }),
        node('Identity', ['y'], ['graph_input_cast_0'], {}, { name: 'x_fp32' }),
      ],
      inputs: [valueInfo('x', F, [5]), valueInfo('k', DataType.INT64, [1])],
      outputs: [valueInfo('graph_input_cast_0', F, [null])],
      initializers: [],
    }),
  );
  const { model: out } = convert(m);
  await assertRunsLike(m, out, {}, 1e-2);
  assert.ok(out.graph!.node.filter((n) => n.opType === 'Cast').length >= 2);
});

test('a blocked chain reads the float32 value directly, with no float16 round trip', () => {
  const m = model(
    graph({
      nodes: [node('Max', ['x', 'x'], ['a']), node('Min', ['a', 'x'], ['b']), node('Relu', ['a'], ['c']), node('Add', ['b', 'c'], ['y'])],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [3])],
    }),
  );
  const { model: out } = convert(m, { keepIoTypes: true });
  const min = out.graph!.node.find((n) => n.opType === 'Min')!;
  assert.equal(min.input[0], 'a', 'Min (blocked) reads Max (blocked) directly');
});

test('empty optional names, an unsorted input, and a 100k-node half-blocked chain', () => {
  const unsorted = model(
    graph({
      nodes: [node('Add', ['d', 'x'], ['y']), node('Dropout', ['r'], ['d', '']), node('Relu', ['x'], ['r'])],
      inputs: [valueInfo('x', F, [2])],
      outputs: [valueInfo('y', F, [2])],
    }),
  );
  assert.deepEqual(opTypes(convert(unsorted).model.graph!), ['Relu', 'Dropout', 'Add']);
  const nodes = Array.from({ length: 100_000 }, (_, i) => node(i % 2 ? 'Max' : 'Relu', i % 2 ? [`v${i}`, `v${i}`] : [`v${i}`], [`v${i + 1}`], {}, { name: `n${i}` }));
  const chain = model(graph({ nodes, inputs: [valueInfo('v0', F, [4])], outputs: [valueInfo('v100000', F, [4])] }));
  const { report } = convertModel(chain);
  assert.equal(report.keptNodes.length, 50_000);
  // One Cast at each of the 99,999 precision boundaries, and one for the output (produced by the last Max).
  assert.equal(report.casts.length, 100_000);
});

test('sequences convert as a whole, or stay float32 as a whole', async () => {
  const m = model(
    graph({
      nodes: [node('SequenceConstruct', ['a', 'b'], ['s']), node('ConcatFromSequence', ['s'], ['y'], { axis: 0n })],
      inputs: [valueInfo('a', F, [2]), valueInfo('b', F, [2])],
      outputs: [valueInfo('y', F, [4])],
    }),
    { opset: 13 },
  );
  const out = convert(m).model;
  assert.deepEqual(ioTypes(out), { a: 'FLOAT16', b: 'FLOAT16', y: 'FLOAT16' });
  const kept = convert(m, { opBlockList: ['ConcatFromSequence'] });
  assert.equal(kept.report.keptNodes.length, 2, 'the sequence cannot be cast, so its producer stays float32 too');
  await assertRunsLike(m, out);
});

test('no redundant Cast pairs; source Cast chains are preserved; new Casts have value_info with shapes', () => {
  const m = model(
    graph({
      nodes: [node('Cast', ['x'], ['i'], { to: BigInt(DataType.INT32) }), node('Cast', ['i'], ['f'], { to: BigInt(F) }), node('Relu', ['f'], ['r']), node('TopK', ['r', 'k'], ['y', 'idx'])],
      inputs: [valueInfo('x', F, [4]), valueInfo('k', DataType.INT64, [1])],
      outputs: [valueInfo('y', F, [1]), valueInfo('idx', DataType.INT64, [1])],
      valueInfo: [valueInfo('r', F, [4])],
    }),
  );
  const { model: out } = convert(m);
  const casts = out.graph!.node.filter((n) => n.opType === 'Cast');
  assert.ok(casts.some((n) => n.input[0] === 'x') && casts.some((n) => n.input[0] === 'i'), 'the float -> int -> float chain is kept');
  const inserted = casts.find((n) => n.input[0] === 'r')!;
  const info = out.graph!.valueInfo.find((v) => v.name === inserted.output[0])!;
  const tt = info.type!.value.value as { elemType: number; shape?: { dim: unknown[] } };
  assert.equal(tt.elemType, F);
  assert.equal(tt.shape?.dim.length, 1, 'shape copied from r');
});
