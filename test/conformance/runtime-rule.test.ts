/**
 * The onnxruntime CPU rule of src/schema/runtime-support.ts against onnxruntime-node itself, on
 * the whole libonnx-testdata node suite: each model whose float32 form loads and runs is
 * converted (default options but runtime 'none', and again with keepIoTypes; checkFp16Ready false); the rule predicts from the converted model
 * alone whether every node would load and run on the CPU provider, and onnxruntime-node says
 * whether it does (load and run with the test's inputs; the values are not compared, that is
 * convert-testdata.test.ts's job). Any disagreement fails the test, unless listed below with
 * its reason, and a listed disagreement that no longer happens is an error too.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertModel } from '../../src/convert/convert-model.js';
import { runtimeReport } from '../../src/inspect/runtime-report.js';
import { readTestDataTensors } from '../../src/io/test-data.js';
import { decodeModel } from '../../src/proto/codec.js';
import type { ModelProto } from '../../src/proto/onnx.js';
import { graph, model, node, valueInfo, DataType } from '../model-builder.js';
import type { Feeds } from '../../src/runtime/runtime.js';
import { feedsFor, RUNTIME_SKIP, runModel } from '../runtime-helpers.js';
import { TESTDATA_SKIP, testdataModels } from '../testdata.js';

/** Models whose converted form the rule cannot predict, with why: "name" for both modes, "name default" / "name keepIoTypes" for one. */
const UNPREDICTABLE: Record<string, string> = {};

test('the onnxruntime CPU rule predicts which converted node-suite models load and run', { skip: TESTDATA_SKIP || RUNTIME_SKIP, timeout: 600_000 }, async (t) => {
  const confusion = { predictedRunsAndRan: 0, predictedRunsButFailed: 0, predictedRefusedAndFailed: 0, predictedRefusedButRan: 0 };
  const mismatches: string[] = [];
  const staleExceptions: string[] = [];
  for (const [name, path] of testdataModels(['node'])) {
    const dataDir = path.replace(/model\.onnx$/, 'test_data_set_0');
    if (!existsSync(dataDir)) continue;
    const model = decodeModel(readFileSync(path), name);
    let feeds;
    try {
      feeds = readTestDataTensors(dataDir, 'input', model);
      await runModel(model, feeds);
    } catch {
      continue; // the float32 model itself does not load or run in onnxruntime: out of scope
    }
    for (const mode of ['default', 'keepIoTypes'] as const) {
      // runtime 'none': the conversion itself must not keep nodes for the rule under test.
      const converted = convertModel(model, { checkFp16Ready: false, keepIoTypes: mode === 'keepIoTypes', runtime: 'none' }).model;
      const report = runtimeReport(converted, 'ort-cpu');
      const refusals = [...report.nodes, ...report.otherNodes].filter((n) => n.outcome === 'refused');
      const predictedRuns = refusals.length === 0;
      let error: string | undefined;
      try {
        await runModel(converted, feedsFor(converted, feeds));
      } catch (e) {
        error = (e as Error).message.split('\n')[0];
      }
      const ran = error === undefined;
      if (predictedRuns && ran) confusion.predictedRunsAndRan++;
      else if (predictedRuns) confusion.predictedRunsButFailed++;
      else if (ran) confusion.predictedRefusedButRan++;
      else confusion.predictedRefusedAndFailed++;
      const agree = predictedRuns === ran;
      const exception = UNPREDICTABLE[`${name} ${mode}`] ?? UNPREDICTABLE[name];
      if (exception !== undefined) {
        if (agree) staleExceptions.push(`${name} ${mode}`);
      } else if (!agree) {
        const predicted = predictedRuns ? 'predicted to run' : `predicted refused (${refusals.map((n) => n.reason).join('; ')})`;
        mismatches.push(`${name} (${mode}): ${predicted}, but onnxruntime ${ran ? 'ran it' : `failed: ${error}`}`);
      }
    }
  }
  t.diagnostic(
    `predicted runs and ran: ${confusion.predictedRunsAndRan}; predicted runs but failed: ${confusion.predictedRunsButFailed}; ` +
      `predicted refused and failed: ${confusion.predictedRefusedAndFailed}; predicted refused but ran: ${confusion.predictedRefusedButRan}`,
  );
  assert.deepEqual(mismatches, []);
  assert.deepEqual(staleExceptions, [], 'these models are now predicted correctly: remove them from the list');
  // The suite holds refusals the rule must catch (EyeLike, MelWeightMatrix, ScatterND add, ...), not only models that run.
  assert.ok(confusion.predictedRefusedAndFailed >= 5, `only ${confusion.predictedRefusedAndFailed} refusals predicted`);
});

/** Outputs typed by an attribute, which onnxruntime's float32 fallback cannot serve; none of these is in the node suite. */
const ATTRIBUTE_TYPED_CASES: [string, ModelProto][] = [
  ['RandomNormalLike reading float32 with dtype float16', oneNodeModel('RandomNormalLike', DataType.FLOAT, DataType.FLOAT16, { dtype: BigInt(DataType.FLOAT16) })],
  ['RandomNormalLike reading float16 with dtype float16', oneNodeModel('RandomNormalLike', DataType.FLOAT16, DataType.FLOAT16, { dtype: BigInt(DataType.FLOAT16) })],
  ['RandomNormalLike reading float16 without dtype', oneNodeModel('RandomNormalLike', DataType.FLOAT16, DataType.FLOAT16, {})],
  ['RandomUniformLike reading float16 without dtype', oneNodeModel('RandomUniformLike', DataType.FLOAT16, DataType.FLOAT16, {})],
  ['EyeLike reading float16 without dtype', oneNodeModel('EyeLike', DataType.FLOAT16, DataType.FLOAT16, {})],
  ['EyeLike reading float32 with dtype float16', oneNodeModel('EyeLike', DataType.FLOAT, DataType.FLOAT16, { dtype: BigInt(DataType.FLOAT16) })],
  ['EyeLike reading float16 with dtype float16', oneNodeModel('EyeLike', DataType.FLOAT16, DataType.FLOAT16, { dtype: BigInt(DataType.FLOAT16) })],
  ['EyeLike reading float16 with dtype float', oneNodeModel('EyeLike', DataType.FLOAT16, DataType.FLOAT, { dtype: BigInt(DataType.FLOAT) })],
  ['HannWindow with output_datatype float16', windowModel(DataType.FLOAT16)],
  ['MelWeightMatrix with float16 edges and output_datatype float16', melModel(DataType.FLOAT16, DataType.FLOAT16)],
  ['MelWeightMatrix with float16 edges and output_datatype float', melModel(DataType.FLOAT16, DataType.FLOAT)],
  ['MelWeightMatrix with float edges and output_datatype float16', melModel(DataType.FLOAT, DataType.FLOAT16)],
  ['RandomNormalLike with dtype float, converted', oneNodeModel('RandomNormalLike', DataType.FLOAT, DataType.FLOAT, { dtype: BigInt(DataType.FLOAT) }, true)],
];

function oneNodeModel(opType: string, input: number, output: number, attributes: Record<string, bigint>, convert = false): ModelProto {
  const m = model(graph({ nodes: [node(opType, ['x'], ['y'], attributes)], inputs: [valueInfo('x', input, [3, 3])], outputs: [valueInfo('y', output, [3, 3])] }));
  return convert ? convertModel(m, { runtime: 'none' }).model : m;
}

function windowModel(outputType: number): ModelProto {
  return model(graph({ nodes: [node('HannWindow', ['n'], ['y'], { output_datatype: BigInt(outputType) })], inputs: [valueInfo('n', DataType.INT64, [])], outputs: [valueInfo('y', outputType, [null])] }));
}

function melModel(edges: number, outputType: number): ModelProto {
  const ints = ['bins', 'length', 'rate'].map((name) => valueInfo(name, DataType.INT64, []));
  return model(
    graph({
      nodes: [node('MelWeightMatrix', ['bins', 'length', 'rate', 'lower', 'upper'], ['y'], { output_datatype: BigInt(outputType) })],
      inputs: [...ints, valueInfo('lower', edges, []), valueInfo('upper', edges, [])],
      outputs: [valueInfo('y', outputType, null)],
    }),
  );
}

const SCALARS: Feeds = {
  n: int64(4n),
  bins: int64(8n),
  length: int64(16n),
  rate: int64(8192n),
  lower: { type: 'float32', dims: [], data: new Float32Array([0]) },
  upper: { type: 'float32', dims: [], data: new Float32Array([4096]) },
};

function int64(value: bigint): Feeds[string] {
  return { type: 'int64', dims: [], data: new BigInt64Array([value]) };
}

test('the onnxruntime CPU rule predicts operators whose output type an attribute fixes', { skip: RUNTIME_SKIP }, async () => {
  const mismatches: string[] = [];
  for (const [name, m] of ATTRIBUTE_TYPED_CASES) {
    const report = runtimeReport(m, 'ort-cpu');
    const refusals = [...report.nodes, ...report.otherNodes].filter((n) => n.outcome === 'refused');
    let error: string | undefined;
    try {
      const all: Feeds = { ...SCALARS, x: { type: 'float32', dims: [3, 3], data: new Float32Array(9).fill(0.5) } };
      const feeds = Object.fromEntries(m.graph!.input.map((input) => [input.name, all[input.name]!]));
      await runModel(m, feedsFor(m, feeds));
    } catch (e) {
      error = (e as Error).message.split('\n')[0];
    }
    if ((refusals.length === 0) !== (error === undefined)) {
      mismatches.push(`${name}: ${refusals.length === 0 ? 'predicted to run' : `predicted refused (${refusals[0]!.reason})`}, but onnxruntime ${error === undefined ? 'ran it' : `failed: ${error}`}`);
    }
  }
  assert.deepEqual(mismatches, []);
});
