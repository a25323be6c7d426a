/**
 * If, Loop and Scan: bodies take their node's precision, captured values are cast where their consumers are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRunsLike, convert, initializer, opTypes } from '../../test/convert-checks.js';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { compareOutputs, feedsFor, randomFeeds, RUNTIME_SKIP, runModel } from '../../test/runtime-helpers.js';

const F = DataType.FLOAT;

function ifModel(options: { blockedOuter?: boolean } = {}) {
  const thenBranch = graph({ name: 'then', nodes: [node('Mul', ['h', 'w'], ['t'], {}, { name: 'then_mul' })], outputs: [valueInfo('t', F, [3])] });
  const elseBranch = graph({ name: 'else', nodes: [node('Max', ['h', 'x'], ['e'], {}, { name: 'else_max' })], outputs: [valueInfo('e', F, [3])] });
  return model(
    graph({
      nodes: [
        node(options.blockedOuter ? 'Min' : 'Relu', options.blockedOuter ? ['x', 'x'] : ['x'], ['h'], {}, { name: 'outer' }),
        node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }, { name: 'if' }),
      ],
      inputs: [valueInfo('x', F, [3]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', F, [3])],
      initializers: [tensor('w', [3], [1, 2, 3])],
    }),
  );
}

test('If branches capture outer values; Casts go where their consumers are', async () => {
  for (const blockedOuter of [false, true]) {
    for (const keepIoTypes of [false, true]) {
      const m = ifModel({ blockedOuter });
      const { model: out } = convert(m, { keepIoTypes });
      const ifNode = out.graph!.node.find((n) => n.opType === 'If')!;
      const elseBranch = ifNode.attribute.find((a) => a.name === 'else_branch')!.g!;
      if (!blockedOuter) assert.ok(elseBranch.node.some((n) => n.opType === 'Cast'), 'the blocked Max inside the branch gets its Cast inside the branch');
      await assertRunsLike(m, out, {}, 1e-2);
    }
  }
});

test('a graph input used only inside a branch gets its Cast in the main graph', () => {
  const thenBranch = graph({ name: 'then', nodes: [node('Relu', ['x'], ['t'])], outputs: [valueInfo('t', F, [2])] });
  const elseBranch = graph({ name: 'else', nodes: [node('Neg', ['x'], ['e'])], outputs: [valueInfo('e', F, [2])] });
  const m = model(graph({ nodes: [node('If', ['c'], ['y'], { then_branch: thenBranch, else_branch: elseBranch })], inputs: [valueInfo('x', F, [2]), valueInfo('c', DataType.BOOL, [])], outputs: [valueInfo('y', F, [2])] }));
  const out = convert(m, { keepIoTypes: true }).model;
  assert.deepEqual(opTypes(out.graph!), ['Cast', 'If', 'Cast']);
});

test('a blocked If keeps its body float32 and reads converted values through Casts', async () => {
  const m = ifModel();
  const { model: out, report } = convert(m, { nodeBlockList: ['if'] });
  assert.deepEqual(report.keptNodes.map((k) => k.address).sort(), ['if', 'if/else_branch/else_max', 'if/then_branch/then_mul']);
  assert.equal(initializer(out, 'w').dataType, F, 'w is read only inside the float32 body');
  await assertRunsLike(m, out);
});

test('Loop with float carried and scan outputs; Scan', async () => {
  const body = graph({
    name: 'body',
    nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc', 'x'], ['acc_out']), node('Relu', ['acc_out'], ['scan'])],
    inputs: [valueInfo('iter', DataType.INT64, []), valueInfo('cond_in', DataType.BOOL, []), valueInfo('acc', F, [2])],
    outputs: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('acc_out', F, [2]), valueInfo('scan', F, [2])],
  });
  const scanBody = graph({
    name: 'scan',
    nodes: [node('Add', ['s', 'slice'], ['s_out']), node('Neg', ['slice'], ['ys'])],
    inputs: [valueInfo('s', F, [2]), valueInfo('slice', F, [2])],
    outputs: [valueInfo('s_out', F, [2]), valueInfo('ys', F, [2])],
  });
  const m = model(
    graph({
      nodes: [
        node('Loop', ['trip', 'cond', 'init'], ['final', 'scans'], { body }),
        node('Scan', ['final', 'seq'], ['s_final', 'ys_all'], { body: scanBody, num_scan_inputs: 1n }),
      ],
      inputs: [valueInfo('x', F, [2]), valueInfo('trip', DataType.INT64, []), valueInfo('cond', DataType.BOOL, []), valueInfo('init', F, [2]), valueInfo('seq', F, [3, 2])],
      outputs: [valueInfo('final', F, [2]), valueInfo('scans', F, [null, 2]), valueInfo('s_final', F, [2]), valueInfo('ys_all', F, [3, 2])],
    }),
    { opset: 16 },
  );
  for (const keepIoTypes of [false, true]) {
    const { model: out } = convert(m, { keepIoTypes });
    if (!RUNTIME_SKIP) {
      const feeds = randomFeeds(m, {}, { values: { trip: { type: 'int64', data: BigInt64Array.of(3n), dims: [] }, cond: { type: 'bool', data: Uint8Array.of(1), dims: [] } } });
      assert.equal(compareOutputs(await runModel(m, feeds), await runModel(out, feedsFor(out, feeds))), undefined);
    }
  }
});

test('sibling branches with initializers of the same name', () => {
  const branch = (name: string, v: number) =>
    graph({ name, nodes: [node('Add', ['x', 'k'], [`${name}_out`])], outputs: [valueInfo(`${name}_out`, F, [2])], initializers: [tensor('k', [2], [v, v])] });
  const m = model(graph({ nodes: [node('If', ['c'], ['y'], { then_branch: branch('then', 1), else_branch: branch('else', 2) })], inputs: [valueInfo('x', F, [2]), valueInfo('c', DataType.BOOL, [])], outputs: [valueInfo('y', F, [2])] }));
  const { report } = convert(m);
  assert.deepEqual(report.tensors.map((t) => `${t.graph}:${t.name}`).sort(), ['If_y/else_branch:k', 'If_y/then_branch:k']);
});
