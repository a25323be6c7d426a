import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bisect } from './segments.js';

/** Counts evaluations of onnxconverter-common's bisection with `bad` nodes that must stay float32. */
async function simulate(n: number, bad: number[]) {
  const nodes = Array.from({ length: n }, (_, i) => i);
  let evaluations = 0;
  const distinct = new Set<string>();
  const result = await bisect(nodes, async (blocked) => {
    evaluations++;
    distinct.add([...blocked].sort((a, b) => a - b).join(','));
    return bad.every((b) => blocked.includes(b));
  });
  return { result, evaluations, distinct: distinct.size };
}

test('bisection reproduces onnxconverter-common: N=8 with one bad node takes 7 attempts (5 distinct)', async () => {
  const { result, evaluations, distinct } = await simulate(8, [5]);
  assert.deepEqual(result, [5]);
  assert.equal(evaluations, 7);
  assert.equal(distinct, 5, 'two of them repeat an earlier attempt, which memoization saves');
});

test('bisection counts match the Python simulation for N=1000 (1 and 10 bad nodes)', async () => {
  const one = await simulate(1000, [613]);
  assert.deepEqual(one.result, [613]);
  assert.equal(one.evaluations, 21);
  const bad = [3, 97, 150, 151, 402, 555, 700, 701, 702, 999];
  const ten = await simulate(1000, bad);
  assert.deepEqual(ten.result, bad);
  assert.ok(ten.evaluations >= 100 && ten.evaluations <= 200, `${ten.evaluations} evaluations`);
});

test('the largest undecided segment goes first, the first on ties, left half before right', async () => {
  const order: string[] = [];
  await bisect([0, 1, 2, 3], async (blocked) => {
    order.push(blocked.join(','));
    return !([0, 1, 2, 3].filter((x) => !blocked.includes(x)).includes(2));
  });
  assert.deepEqual(order, ['', '2,3', '', '3', '2']);
});
