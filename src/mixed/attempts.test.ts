import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../dtype.js';
import { decodeModel } from '../proto/codec.js';
import type { Runtime } from '../runtime/runtime.js';
import { longChain, ones } from '../../test/mixed-precision-models.js';
import { cpuRuntime, RUNTIME_SKIP } from '../../test/runtime-helpers.js';
import { switchedRunner } from './attempts.js';
import { SwitchPlan } from './switch-plan.js';

test('the switched runner moves runs without intermediates to a lean session once they have cost what opening took, with the same outputs', { skip: RUNTIME_SKIP }, async () => {
  const model = longChain();
  const cpu = await cpuRuntime();
  // Each session records how many outputs its model has; runs are slowed so that they soon outweigh opening.
  const loaded: number[] = [];
  const runtime: Runtime = {
    name: 'cpu, slowed',
    run: cpu.run,
    async load(bytes, options) {
      loaded.push(decodeModel(bytes).graph!.output.length);
      const session = await cpu.load!(bytes, options);
      return {
        async run(feeds, outputNames) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return session.run(feeds, outputNames);
        },
        release: () => session.release(),
      };
    },
  };
  const plan = new SwitchPlan(model, { keepIoTypes: true, target: DataType.FLOAT16 });
  const outputNames = model.graph!.output.map((o) => o.name);
  const runner = (await switchedRunner(model, plan, { runtime, target: DataType.FLOAT16, keepIoTypes: true, convertOptions: undefined, outputNames, expose: true }))!;
  try {
    const blockList = plan.candidates.slice(0, 5);
    const exposed = await runner.run(blockList, ones(4), true);
    assert.ok(exposed.exposed!.size > 100, 'the first session exposes the intermediates');
    assert.equal(loaded.length, 1);
    let runs = 0;
    while (loaded.length === 1 && runs < 200) {
      const { outputs } = await runner.run(blockList, ones(4), false);
      assert.deepEqual(outputs, exposed.outputs);
      runs++;
    }
    assert.deepEqual(loaded.slice(1), [outputNames.length], `a lean session (the model's own outputs only) takes over after ${runs} runs`);
    assert.deepEqual((await runner.run(blockList, ones(4), false)).outputs, exposed.outputs);
    // A run that asks for intermediates again gets them, from a new exposing session.
    const again = await runner.run(blockList, ones(4), true);
    assert.deepEqual([...again.exposed!.keys()].sort(), [...exposed.exposed!.keys()].sort());
    assert.deepEqual(again.outputs, exposed.outputs);
    assert.equal(loaded.length, 3);
  } finally {
    await runner.release();
  }
});
