/**
 * Exposed values are read back by value key, whichever branches of nested Ifs ran: the two
 * branches of an If share its new outputs, and its branch marker says whose values they hold.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { modelFromProto } from '../ir/from-proto.js';
import { NameAllocator } from '../ir/name-allocator.js';
import { modelToProto } from '../ir/to-proto.js';
import { encodeModel } from '../proto/codec.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { cpuRuntime, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { exposeValues } from './expose.js';
import { numbers } from './validate.js';

const F = DataType.FLOAT;

/** pre = Relu(x); if c1 { t = pre * 2; if c2 { i = t + 1 } else { j = t - 1; k = -j } } else { e = -pre }. */
function nestedIfs() {
  const inner = node(
    'If',
    ['c2'],
    ['tin'],
    {
      then_branch: graph({ name: 'ithen', nodes: [node('Add', ['t', 'one'], ['i'], {}, { name: 'add' })], outputs: [valueInfo('i', F, [1, 4])] }),
      else_branch: graph({ name: 'ielse', nodes: [node('Sub', ['t', 'one'], ['j'], {}, { name: 'sub' }), node('Neg', ['j'], ['k'], {}, { name: 'negk' })], outputs: [valueInfo('k', F, [1, 4])] }),
    },
    { name: 'inner' },
  );
  const outer = node(
    'If',
    ['c1'],
    ['out'],
    {
      then_branch: graph({ name: 'othen', nodes: [node('Mul', ['pre', 'two'], ['t'], {}, { name: 'mul' }), inner], outputs: [valueInfo('tin', F, [1, 4])] }),
      else_branch: graph({ name: 'oelse', nodes: [node('Neg', ['pre'], ['e'], {}, { name: 'nege' })], outputs: [valueInfo('e', F, [1, 4])] }),
    },
    { name: 'outer' },
  );
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['pre'], {}, { name: 'pre' }), outer],
      inputs: [valueInfo('x', F, [1, 4]), valueInfo('c1', DataType.BOOL, []), valueInfo('c2', DataType.BOOL, [])],
      outputs: [valueInfo('out', F, [1, 4])],
      initializers: [tensor('one', [], [1]), tensor('two', [], [2])],
    }),
  );
}

test('values inside nested If branches are read by key from the branches that ran, and only from them', { skip: RUNTIME_SKIP }, async () => {
  const ir = modelFromProto(nestedIfs());
  const exposure = exposeValues(ir.graph!, NameAllocator.forModel(ir), () => true);
  const bytes = encodeModel(modelToProto(ir));
  const names = [...exposure.valueKeys()].map((key) => key.slice(key.lastIndexOf('|') + 1)).sort();
  assert.deepEqual(names, ['e', 'i', 'j', 'k', 'out', 'pre', 't', 'tin']);
  const runtime = await cpuRuntime();
  const x = [1, -2, 3, -4];
  const pre = x.map((v) => Math.max(v, 0));
  const t = pre.map((v) => v * 2);
  const i = t.map((v) => v + 1);
  const j = t.map((v) => v - 1);
  const k = j.map((v) => -v);
  const e = pre.map((v) => -v);
  const cases: [boolean, boolean, Record<string, number[]>][] = [
    [true, true, { pre, t, i, tin: i, out: i }],
    [true, false, { pre, t, j, k, tin: k, out: k }],
    [false, true, { pre, e, out: e }],
    [false, false, { pre, e, out: e }],
  ];
  for (const [c1, c2, expected] of cases) {
    const feeds = {
      x: { type: 'float32', data: Float32Array.from(x), dims: [1, 4] },
      c1: { type: 'bool', data: Uint8Array.of(Number(c1)), dims: [] },
      c2: { type: 'bool', data: Uint8Array.of(Number(c2)), dims: [] },
    };
    const read = exposure.read(await runtime.run(bytes, feeds, [...exposure.keys()]));
    const got = Object.fromEntries([...read].map(([key, tensor]) => [key.slice(key.lastIndexOf('|') + 1), Array.from(numbers(tensor))]));
    assert.deepEqual(got, expected, `c1 ${c1}, c2 ${c2}`);
  }
});
