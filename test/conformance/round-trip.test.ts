/**
 * Acceptance for model I/O and the IR: every model of libonnx-testdata, the Silero VAD models
 * and the real models in ../shared/models survive decode -> IR -> ModelProto -> encode -> decode
 * unchanged, node order aside where the original was not topologically sorted.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { equals, toBinary } from '@bufbuild/protobuf';
import { decodeModel, encodeModel } from '../../src/proto/codec.js';
import { ModelProtoSchema, NodeProtoSchema, type GraphProto, type ModelProto } from '../../src/proto/onnx.js';
import { modelFromProto } from '../../src/ir/from-proto.js';
import { modelToProto } from '../../src/ir/to-proto.js';
import { loadModel } from '../../src/io/load-model.js';
import { SHARED_MODELS_DIR, SHARED_MODELS_SKIP, SILERO_MODELS, TESTDATA_SKIP, testdataModels } from '../testdata.js';

/** Nodes of all graphs, serialized and sorted: equal when two models differ only in node order. */
function nodeMultiset(model: ModelProto): string[] {
  const out: string[] = [];
  const visit = (g: GraphProto) => {
    for (const n of g.node) {
      out.push(Buffer.from(toBinary(NodeProtoSchema, { ...n, attribute: [] })).toString('base64'));
      for (const a of n.attribute) {
        if (a.g) visit(a.g);
        a.graphs.forEach(visit);
      }
    }
  };
  if (model.graph) visit(model.graph);
  return out.sort();
}

function withoutNodes(model: ModelProto): ModelProto {
  const strip = (g: GraphProto): GraphProto => ({ ...g, node: [] });
  return { ...model, graph: model.graph && strip(model.graph), functions: [] };
}

/** Round-trips one file; returns 'exact' or 'reordered' (only node order changed). */
function roundTrip(bytes: Uint8Array, label: string): 'exact' | 'reordered' {
  const original = decodeModel(bytes, label);
  const back = decodeModel(encodeModel(modelToProto(modelFromProto(original))), label);
  if (equals(ModelProtoSchema, back, original)) return 'exact';
  assert.deepEqual(nodeMultiset(back), nodeMultiset(original), `${label}: nodes differ`);
  assert.ok(equals(ModelProtoSchema, withoutNodes(back), withoutNodes(original)), `${label}: more than node order differs`);
  return 'reordered';
}

test('every libonnx-testdata model round-trips through the IR', { skip: TESTDATA_SKIP }, (t) => {
  const models = testdataModels();
  assert.ok(models.length > 900, `found ${models.length} models`);
  const reordered: string[] = [];
  for (const [name, path] of models) {
    if (roundTrip(readFileSync(path), name) === 'reordered') reordered.push(name);
  }
  t.diagnostic(`${models.length} models round-tripped; ${reordered.length} reordered: ${reordered.join(', ') || 'none'}`);
});

test('Silero VAD models (If subgraphs nested 4 deep) round-trip byte for byte, loaded lazily', async () => {
  for (const path of SILERO_MODELS) {
    assert.ok(existsSync(path), `${path} (devDependency @ricky0123/vad-web) is installed`);
    const bytes = readFileSync(path);
    assert.equal(roundTrip(bytes, path), 'exact');
    const lazy = await loadModel(path);
    assert.deepEqual(Buffer.from(encodeModel(modelToProto(modelFromProto(lazy)))), bytes);
  }
});

test('the real models in shared/models round-trip', { skip: SHARED_MODELS_SKIP }, () => {
  for (const file of readdirSync(SHARED_MODELS_DIR).filter((f) => f.endsWith('.onnx'))) {
    roundTrip(readFileSync(`${SHARED_MODELS_DIR}/${file}`), file);
  }
});
