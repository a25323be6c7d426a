/**
 * Conformance of the conversion on libonnx-testdata: for every test whose float32 model runs in
 * onnxruntime-node and matches its expected outputs, the converted model (default options, and
 * again with keepIoTypes) runs and matches the expected outputs within rtol = atol = 1e-2
 * (non-float outputs exactly). The default runtime, ort-cpu, keeps float32 what onnxruntime's CPU
 * provider would refuse in float16, so the only exceptions are float16's precision and range;
 * each is listed with its reason, and must still fail: a stale entry is an error too.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertModel } from '../../src/convert/convert-model.js';
import { DataType } from '../../src/dtype.js';
import { readTestDataTensors } from '../../src/io/test-data.js';
import { decodeModel } from '../../src/proto/codec.js';
import { compareOutputs, feedsFor, RUNTIME_SKIP, runModel } from '../runtime-helpers.js';
import { TESTDATA_SKIP, testdataModels } from '../testdata.js';

const PRECISION_INPUT = 'float16 precision: the float16 input cannot hold the test values closely enough';

/** Exceptions: "name" for both modes, "name default" / "name keepIoTypes" for one. */
export const EXCEPTIONS: Record<string, string> = {
  'node/test_dynamicquantizelinear_min_adjusted default': `${PRECISION_INPUT} (149 becomes 150 after quantization)`,
  'node/test_dynamicquantizelinear_min_adjusted_expanded default': `${PRECISION_INPUT} (149 becomes 150 after quantization)`,
  'node/test_logsoftmax_large_number default': `${PRECISION_INPUT} (inputs near 10000 are 8 apart in float16)`,
  'node/test_logsoftmax_large_number_expanded default': `${PRECISION_INPUT} (inputs near 10000 are 8 apart in float16)`,
  'node/test_softmax_large_number default': `${PRECISION_INPUT} (inputs near 10000 are 8 apart in float16)`,
  'node/test_softmax_large_number_expanded default': `${PRECISION_INPUT} (inputs near 10000 are 8 apart in float16)`,
  'node/test_tan default': `${PRECISION_INPUT} (tan near its pole)`,
  'node/test_reduce_prod_default_axes_keepdims_example default': 'float16 range: the product 479001600 overflows float16 to infinity',
};

test('converted libonnx-testdata models run and match their expected outputs', { skip: TESTDATA_SKIP || RUNTIME_SKIP, timeout: 600_000 }, async (t) => {
  const counts = { models: 0, float32Passing: 0, runs: 0, passed: 0, exceptions: 0 };
  const failures: string[] = [];
  const bfloat16 = { runs: 0, ran: 0, noKernel: new Map<string, number>() };
  const staleExceptions: string[] = [];
  for (const [name, path] of testdataModels()) {
    const dataDir = path.replace(/model\.onnx$/, 'test_data_set_0');
    if (!existsSync(dataDir)) continue;
    counts.models++;
    const model = decodeModel(readFileSync(path), name);
    let feeds;
    let expected;
    try {
      feeds = readTestDataTensors(dataDir, 'input', model);
      expected = readTestDataTensors(dataDir, 'output', model);
      if (compareOutputs(expected, await runModel(model, feeds), 1e-3, 1e-4)) continue;
    } catch {
      continue; // the float32 model itself does not load, run or match in onnxruntime: out of scope
    }
    counts.float32Passing++;
    for (const mode of ['default', 'keepIoTypes'] as const) {
      counts.runs++;
      const exception = EXCEPTIONS[`${name} ${mode}`] ?? EXCEPTIONS[name];
      let problem: string | undefined;
      try {
        // checkFp16Ready: false, as the Python tool needs for models that already hold float16 (here only already converted models are refused).
        const converted = convertModel(model, { keepIoTypes: mode === 'keepIoTypes', checkFp16Ready: false }).model;
        problem = compareOutputs(expected, await runModel(converted, feedsFor(converted, feeds)), 1e-2, 1e-2);
      } catch (error) {
        problem = (error as Error).message.split('\n')[0];
      }
      if (exception) {
        counts.exceptions++;
        if (!problem) staleExceptions.push(`${name} ${mode}`);
      } else if (problem) {
        failures.push(`${name} (${mode}): ${problem}`);
      } else {
        counts.passed++;
      }
    }
    // bfloat16: both modes convert (the postcondition type-checks them). The keepIoTypes result
    // runs on the float32 feeds (onnxruntime-node takes no bfloat16 tensors). onnxruntime CPU has
    // few bfloat16 kernels, so a model that does not load for lack of one is counted, not failed;
    // any other error is a failure. Values are not compared (bfloat16 keeps 8 bits of mantissa).
    for (const keepIoTypes of [false, true]) {
      const mode = keepIoTypes ? 'bfloat16 keepIoTypes' : 'bfloat16';
      try {
        const converted = convertModel(model, { keepIoTypes, checkFp16Ready: false }, DataType.BFLOAT16).model;
        if (!keepIoTypes) continue;
        bfloat16.runs++;
        try {
          await runModel(converted, feedsFor(converted, feeds));
          bfloat16.ran++;
        } catch (error) {
          const key = bfloat16RuntimeLimitation((error as Error).message);
          if (!key) throw error;
          bfloat16.noKernel.set(key, (bfloat16.noKernel.get(key) ?? 0) + 1);
        }
      } catch (error) {
        failures.push(`${name} (${mode}): ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  const missing = [...bfloat16.noKernel].sort((a, b) => b[1] - a[1]);
  t.diagnostic(
    `bfloat16: ${bfloat16.ran} of ${bfloat16.runs} converted runs load and run; ` +
      `${bfloat16.runs - bfloat16.ran} hit an onnxruntime CPU bfloat16 limitation: ${missing.map(([why, n]) => `${why} x${n}`).join(', ')}`,
  );
  t.diagnostic(
    `${counts.models} models with test data; ${counts.float32Passing} pass in float32; ` +
      `${counts.passed} of ${counts.runs} converted runs pass; ${counts.exceptions} listed exceptions`,
  );
  assert.deepEqual(failures, []);
  assert.deepEqual(staleExceptions, [], 'these exceptions now pass: remove them from the list');
});

/**
 * onnxruntime CPU's bfloat16 limitations, as a short key, or undefined for any other error: no
 * kernel for the op; a kernel that refuses bfloat16 for an attribute value (Scatter reductions);
 * an op without a bfloat16 kernel that onnxruntime replaces by its ONNX function body, whose
 * inner ops then reject bfloat16 or meet its float32 constants (Clip, SoftmaxCrossEntropyLoss,
 * MeanVarianceNormalization: the converted model itself
 * passes the schema type checker, which convertModel runs as its postcondition).
 */
function bfloat16RuntimeLimitation(message: string): string | undefined {
  const kernel = /Could not find an implementation for (\w+)\((\d+)\)/.exec(message);
  if (kernel) return `no kernel ${kernel[1]}(${kernel[2]})`;
  const refused = /BFloat16 data type is not supported with (\w+) opset (\d+)/.exec(message);
  if (refused) return `refused by ${refused[1]}(${refused[2]})`;
  const inlined = /Type Error: Type 'tensor\(bfloat16\)' of input parameter \(.*\) of operator \((\w+)\) in node \(\) is invalid/.exec(message);
  if (inlined) return `function body expanded to ${inlined[1]}`;
  const mixed = /Type parameter \(T\) of Optype \((\w+)\) bound to different types \(tensor\(bfloat16\) and tensor\(float\) in node \(\)/.exec(message);
  if (mixed) return `function body expanded to ${mixed[1]} with float32 constants`;
  return undefined;
}
