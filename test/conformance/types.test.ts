/**
 * Acceptance for type inference: on every libonnx-testdata model, with value_info ignored, the
 * inferred types of the graph outputs equal the declared ones; with value_info used, nothing
 * contradicts it; the type checker accepts every original model. Real models get complete types.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { decodeModel } from '../../src/proto/codec.js';
import { modelFromProto } from '../../src/ir/from-proto.js';
import { loadModel } from '../../src/io/load-model.js';
import { checkTypes } from '../../src/schema/check-types.js';
import { inferTypes } from '../../src/schema/infer-types.js';
import { formatValueType, typeFromProto } from '../../src/ir/value-type.js';
import { SHARED_MODELS_DIR, SHARED_MODELS_SKIP, SILERO_MODELS, TESTDATA_SKIP, testdataModels } from '../testdata.js';

test('libonnx-testdata: inferred output types equal the declared ones; no contradictions; the checker accepts', { skip: TESTDATA_SKIP }, (t) => {
  let outputs = 0;
  const problems: string[] = [];
  for (const [name, path] of testdataModels()) {
    const ir = modelFromProto(decodeModel(readFileSync(path), name));
    const blind = inferTypes(ir, { useDeclared: false });
    for (const port of ir.graph!.outputs) {
      const declared = typeFromProto(port.info?.type);
      if (!declared) continue;
      outputs++;
      const inferred = blind.info(port.value);
      if (!inferred.type) problems.push(`${name}: output "${port.value.name}" unknown: ${inferred.reason}`);
      else if (formatValueType(inferred.type) !== formatValueType(declared)) {
        problems.push(`${name}: output "${port.value.name}" inferred ${formatValueType(inferred.type)}, declared ${formatValueType(declared)}`);
      }
    }
    const informed = inferTypes(ir);
    for (const warning of informed.warnings) problems.push(`${name}: ${warning.message}`);
    for (const violation of checkTypes(ir, informed)) problems.push(`${name}: ${violation.message}`);
  }
  assert.deepEqual(problems, []);
  t.diagnostic(`${outputs} graph outputs inferred and checked`);
});

test('real models get a type for every value, with no warning and no violation', { skip: SHARED_MODELS_SKIP }, async () => {
  const files = [...readdirSync(SHARED_MODELS_DIR).filter((f) => f.endsWith('.onnx')).map((f) => `${SHARED_MODELS_DIR}/${f}`), ...SILERO_MODELS];
  assert.ok(files.some((f) => f.endsWith('gpt2_tiny_ort_fused.onnx')), 'the onnxruntime-fused transformer is among them');
  for (const file of files) {
    const ir = modelFromProto(await loadModel(file));
    const inference = inferTypes(ir, { useDeclared: false });
    const unknown = [...inference.values].filter(([, info]) => !info.type).map(([value, info]) => `${value.name}: ${info.reason}`);
    assert.deepEqual(unknown, [], file);
    const informed = inferTypes(ir);
    assert.deepEqual(informed.warnings, [], file);
    assert.deepEqual(checkTypes(ir, informed).map((v) => v.message), [], file);
  }
});
