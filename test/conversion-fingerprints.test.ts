/**
 * Conversion output is pinned: every model of the suite converts (float16 and bfloat16, default
 * and keepIoTypes) to exactly the bytes recorded in test/golden/conversion-fingerprints.json, or
 * fails with the recorded message. A deliberate change of behaviour rewrites the file with
 * `npm run fingerprints -- --write`, so its diff shows which models the change touched.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { computeFingerprints, diffFingerprints, GOLDEN_PATH, type Fingerprints } from '../scripts/conversion-fingerprints.js';

test('conversion output is byte-identical to the recorded fingerprints', { timeout: 300_000 }, () => {
  const expected = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as Fingerprints;
  const actual = computeFingerprints();
  const diff = diffFingerprints(expected, actual);
  assert.deepEqual(diff, [], `${diff.length} conversions changed; if intended, run: npm run fingerprints -- --write`);
  assert.ok(Object.keys(actual).length >= 1, 'at least the bundled example is fingerprinted');
});
