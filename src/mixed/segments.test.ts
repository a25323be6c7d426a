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

/**
 * onnxconverter-common's auto_mixed_precision loop (SegmentList, NodeSegment and the while loop
 * over get_largest), ported line by line to check bisect() against it, decision for decision.
 */
class PythonNodeSegment {
  next: PythonNodeSegment | undefined = undefined;
  good = false;
  bad = false;
  constructor(public size: number) {}
  split(): void {
    const newSize = Math.floor(this.size / 2);
    const newSegment = new PythonNodeSegment(this.size - newSize);
    newSegment.next = this.next;
    this.next = newSegment;
    this.size = newSize;
  }
}

class PythonSegmentList {
  first: PythonNodeSegment;
  constructor(readonly nodeNames: readonly string[]) {
    this.first = new PythonNodeSegment(nodeNames.length);
  }
  getLargest(): PythonNodeSegment | undefined {
    let largest: PythonNodeSegment | undefined;
    let current: PythonNodeSegment | undefined = this.first;
    while (current !== undefined) {
      const canUse = !current.good && !current.bad;
      if (canUse && (largest === undefined || current.size > largest.size)) largest = current;
      current = current.next;
    }
    return largest;
  }
  getNodes(nodeSegment?: PythonNodeSegment): string[] {
    let i = 0;
    let current: PythonNodeSegment | undefined = this.first;
    const nodes: string[] = [];
    while (current !== undefined) {
      if (current !== nodeSegment && !current.good) nodes.push(...this.nodeNames.slice(i, i + current.size));
      i += current.size;
      current = current.next;
    }
    return nodes;
  }
}

async function pythonAutoMixedPrecision(nodeNames: readonly string[], runAttempt: (blockList: string[]) => Promise<boolean>): Promise<string[]> {
  const segments = new PythonSegmentList(nodeNames);
  while (segments.getLargest() !== undefined) {
    const seg = segments.getLargest()!;
    const nodesToTry = segments.getNodes(seg);
    if (await runAttempt(nodesToTry)) {
      seg.good = true;
    } else if (seg.size === 1) {
      seg.bad = true;
    } else {
      seg.split();
    }
  }
  return segments.getNodes();
}

test('bisect() makes the decisions of a line-by-line port of the Python loop (same attempts, same order, same result)', async () => {
  const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
  for (const bad of [['n51'], ['n51', 'n52', 'n251', 'n252'], ['n0', 'n299'], ['n3', 'n97', 'n150', 'n151', 'n202']]) {
    const passes = async (blocked: readonly string[]) => bad.every((b) => blocked.includes(b));
    const python: string[] = [];
    const expected = await pythonAutoMixedPrecision(names, async (blockList) => (python.push(blockList.join(',')), passes(blockList)));
    const ours: string[] = [];
    const result = await bisect(names, async (blocked) => (ours.push(blocked.join(',')), passes(blocked)));
    assert.deepEqual(ours, python);
    assert.deepEqual(result, expected);
  }
});
