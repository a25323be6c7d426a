import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guidedSearch } from './guided-search.js';
import { bisect } from './segments.js';

/** Runs the guided search over `ranked` where the block list passes when it holds every `needed` node; counts distinct attempts. */
async function search(ranked: number[], needed: number[]) {
  const tried = new Set<string>();
  const passes = async (blocked: readonly number[]) => {
    tried.add([...blocked].sort((a, b) => a - b).join(','));
    return needed.every((n) => blocked.includes(n));
  };
  const result = (await guidedSearch(ranked, passes))!;
  return { result: result.sort((a, b) => a - b), runs: tried.size };
}

test('guided search: a minimal block list whatever the ranking (every removal fails)', async () => {
  let state = 9;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let trial = 0; trial < 40; trial++) {
    const n = 1 + Math.floor(random() * 200);
    const ranked = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
    const needed = ranked.filter(() => random() < 0.05);
    if (needed.length === 0) needed.push(ranked[Math.floor(random() * n)]!); // the search starts from a failing all-float16 attempt
    const { result } = await search(ranked, needed);
    assert.deepEqual(result, [...needed].sort((a, b) => a - b));
  }
});

test('guided search: with the needed nodes ranked first it costs about one run per needed node, far below bisection', async () => {
  const n = 2000;
  const needed = [700, 1500, 1501];
  const ranked = [...needed, ...Array.from({ length: n }, (_, i) => i).filter((i) => !needed.includes(i))];
  const { result, runs } = await search(ranked, needed);
  assert.deepEqual(result, [700, 1500, 1501]);
  let bisectRuns = 0;
  await bisect(Array.from({ length: n }, (_, i) => i), async (blocked) => (bisectRuns++, needed.every((x) => blocked.includes(x))));
  assert.ok(runs <= 2 * needed.length + 2, `${runs} runs`);
  assert.ok(runs < bisectRuns / 4, `${runs} runs against bisection's ${bisectRuns}`);
});

test('guided search with the whole ranking not known to pass: asked only once the prefixes of 1 and 2 fail; undefined where it fails', async () => {
  const ranked = Array.from({ length: 20 }, (_, i) => i);
  let asked = 0;
  const wholePasses = async () => (asked++, true);
  const passes = (needed: number[]) => async (blocked: readonly number[]) => needed.every((n) => blocked.includes(n));
  assert.deepEqual(await guidedSearch(ranked, passes([0, 1]), undefined, wholePasses), [1, 0]);
  assert.equal(asked, 0, 'a prefix of 2 passes: the whole ranking is never tried');
  assert.deepEqual(await guidedSearch(ranked, passes([2]), undefined, wholePasses), [2]);
  assert.equal(asked, 1, 'prefixes of 1 and 2 fail: asked before the prefix of 4');
  assert.deepEqual(await guidedSearch([0, 1, 2], passes([2]), undefined, wholePasses), [2]);
  assert.equal(asked, 2, 'no shorter prefix passes: asked once more');
  assert.equal(await guidedSearch(ranked, passes([20]), undefined, async () => false), undefined, 'no prefix passes, the whole ranking included');
  assert.equal(await guidedSearch([], passes([20]), undefined, async () => false), undefined, 'an empty ranking that does not pass');
});
