import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { ifWithTroubleInside, loopWithTroubleInside, transformerLike } from '../../test/mixed-precision-models.js';
import { SwitchPlan } from './switch-plan.js';

test('the switches of a block list are the plan\'s decisions, a blocked If or Loop turning off its bodies\' switches; a list naming a node that is no candidate gives the same switches', () => {
  for (const m of [ifWithTroubleInside(), loopWithTroubleInside(), transformerLike(60)]) {
    const plan = new SwitchPlan(m, { keepIoTypes: true, target: DataType.FLOAT16 });
    let state = 5;
    const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 12; trial++) {
      const blockList = plan.candidates.filter(() => random() < trial / 12);
      const switches = plan.switches(blockList);
      assert.deepEqual(plan.switches([...blockList, 'not a node']), switches);
      assert.ok(plan.confirmRules(blockList), `${blockList.length} of ${plan.candidates.length} blocked`);
    }
    assert.ok(plan.usesRules);
  }
});
