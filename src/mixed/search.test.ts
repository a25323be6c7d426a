/**
 * The search's logic against a fake runtime, without onnxruntime: the fake reads what each switch
 * of the switched model stands for (its metadata) and fails an attempt whenever a switch that
 * converts one of its "trouble" nodes is on. Minimal results, every run counted, the order of
 * work (float16, then float32, then the search) and the early stop on an unreachable tolerance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../errors.js';
import { decodeModel } from '../proto/codec.js';
import type { Feeds, Runtime, RuntimeSession, TensorLike } from '../runtime/runtime.js';
import { longChain, ones, transformerFeeds, transformerLike } from '../../test/mixed-precision-models.js';
import { findNodeBlockList, type AttemptEvent } from './auto-mixed-precision.js';
import { SWITCHES_METADATA } from './switched-model.js';

interface FakeOptions {
  /** Nodes that must stay float32. */
  trouble: readonly string[];
  /** Every switched run fails (rounding the I/O alone breaks the tolerance). */
  hopeless?: boolean;
}

/** A Runtime whose outputs are zeros when no trouble node is converted, ones otherwise. */
function fakeRuntime(options: FakeOptions): Runtime & { runs: number; loads: number } {
  const zeros = (feeds: Feeds): TensorLike => ({ type: 'float32', data: new Float32Array(feeds.x!.dims.reduce((a, b) => a * b, 1)), dims: feeds.x!.dims });
  const fake = {
    name: 'fake',
    runs: 0,
    loads: 0,
    async run(_model: Uint8Array, feeds: Feeds) {
      fake.runs++;
      return { y: zeros(feeds) }; // the float32 model: the reference
    },
    async load(model: Uint8Array): Promise<RuntimeSession> {
      fake.loads++;
      const entry = decodeModel(model).metadataProps.find((e) => e.key === SWITCHES_METADATA);
      assert.ok(entry, 'the switched model says what its switches do');
      const { input, switches } = JSON.parse(entry.value) as { input: string; switches: { nodes?: string[] }[] };
      return {
        async run(feeds: Feeds, outputNames?: readonly string[]) {
          fake.runs++;
          const vector = feeds[input]!.data as Uint8Array;
          const converted = (node: string) => switches.some((s, k) => vector[k] === 1 && s.nodes?.includes(node));
          const passes = !options.hopeless && !options.trouble.some(converted);
          const y = zeros(feeds);
          if (!passes) (y.data as Float32Array).fill(1);
          const outputs: Record<string, TensorLike> = {};
          for (const name of outputNames ?? ['y']) outputs[name] = name === 'y' ? y : zeros(feeds);
          return outputs;
        },
        release: async () => undefined,
      };
    },
  };
  return fake;
}

const tolerance = { rtol: 1e-2, atol: 1e-2 };

test('the search with a fake runtime: minimal block lists, every run counted, one model load', async () => {
  for (const trouble of [['n51'], ['n51', 'n52'], ['n3', 'n150', 'n298'], ['n10', 'n11', 'n12', 'n13', 'n200']]) {
    for (const strategy of ['guided', 'bisect'] as const) {
      const runtime = fakeRuntime({ trouble });
      const phases: AttemptEvent['phase'][] = [];
      const result = await findNodeBlockList(longChain(), ones(4), { ...tolerance, keepIoTypes: true, runtime, strategy, onProgress: (e) => phases.push(e.phase) });
      assert.deepEqual([...result.nodeBlockList].sort(), [...trouble].sort(), `${strategy} finds exactly the trouble nodes`);
      assert.equal(result.runs, runtime.runs, 'every model run is counted, the reference run included');
      assert.equal(result.attempts, result.runs - 1, 'one feed set: every run after the reference validates an attempt');
      assert.equal(runtime.loads, 1, 'one switched session serves every attempt');
      assert.deepEqual(phases.slice(0, 2), ['float16', 'float32'], 'everything float16 first, then every candidate float32');
    }
  }
});

test('an unreachable tolerance stops after 3 model runs, with the reason and the suggestion', async () => {
  const runtime = fakeRuntime({ trouble: [], hopeless: true });
  await assert.rejects(
    findNodeBlockList(longChain(), ones(4), { ...tolerance, runtime }),
    (error: Error) => error instanceof ValidationError && /rounding the inputs\/outputs to float16 alone exceeds the tolerance \(worst output y, error 1\.00\); use --keep-io-types/.test(error.message),
  );
  assert.equal(runtime.runs, 3, 'float32 reference, everything float16, every candidate float32');
  const kept = fakeRuntime({ trouble: [], hopeless: true });
  await assert.rejects(findNodeBlockList(longChain(), ones(4), { ...tolerance, keepIoTypes: true, runtime: kept }), (error: Error) => error instanceof ValidationError && /^the tolerance cannot be met/.test(error.message));
  assert.equal(kept.runs, 3);
});

test('a model that passes all float16 needs two runs and blocks nothing', async () => {
  const runtime = fakeRuntime({ trouble: [] });
  const result = await findNodeBlockList(transformerLike(100), transformerFeeds(), { ...tolerance, runtime });
  assert.deepEqual(result.nodeBlockList, []);
  assert.equal(result.runs, 2);
});
