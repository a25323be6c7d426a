import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { streamedBytes } from '../../test/streamed-bytes.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto, TensorProto } from '../proto/onnx.js';
import { bindLazyRawData, rawPayloadOf } from '../proto/payload.js';
import { convertAndSave } from './convert-and-save.js';
import { convertModel, type ConversionReport } from './convert-model.js';

const WIDTH = 256;

/** Weights of WIDTH x WIDTH float32 (256 KiB each, far more than the graph): trained-like, a few below minPositiveVal, and `outlier` at one place. */
function weightsModel(outlier?: number): ModelProto {
  const weights = (seed: number) => {
    const values = Array.from({ length: WIDTH * WIDTH }, (_, i) => 0.02 * Math.sin(seed * 7.3 + i * 0.618));
    values[seed + 5] = 3e-9; // clipped to minPositiveVal, and counted
    return values;
  };
  const w1 = weights(1);
  if (outlier !== undefined) w1[100] = outlier;
  return model(
    graph({
      nodes: [node('MatMul', ['x', 'w0'], ['h']), node('MatMul', ['h', 'w1'], ['y'])],
      inputs: [valueInfo('x', 1, [1, WIDTH])],
      outputs: [valueInfo('y', 1, [1, WIDTH])],
      initializers: [tensor('w0', [WIDTH, WIDTH], weights(0)), tensor('w1', [WIDTH, WIDTH], w1)],
    }),
  );
}

/** Makes every weight's bytes a payload that counts the bytes read from it. */
function countReads(m: ModelProto): { bytes: number } {
  const counter = { bytes: 0 };
  for (const t of m.graph!.initializer) {
    const bytes = t.rawData;
    bindLazyRawData(t, {
      byteLength: bytes.byteLength,
      origin: `weight ${t.name}`,
      readSync: (at, target) => {
        counter.bytes += target.byteLength;
        target.set(bytes.subarray(at, at + target.byteLength));
      },
      read: async (at, target) => target.set(bytes.subarray(at, at + target.byteLength)),
    });
  }
  return counter;
}

/** Saves as saveModel does, into memory. */
async function saveToMemory(m: ModelProto): Promise<Uint8Array> {
  return streamedBytes(m);
}

const withoutTime = (report: ConversionReport) => ({ ...report, elapsedMs: 0 });
const weightBytes = (m: ModelProto) => m.graph!.initializer.reduce((n: number, t: TensorProto) => n + rawPayloadOf(t)!.byteLength, 0);

test('convertAndSave writes the bytes and gives the report of convertModel, reading each weight once', async () => {
  const m = weightsModel();
  const reads = countReads(m);
  const saves: Uint8Array[] = [];
  const result = await convertAndSave(m, async (converted) => (saves.push(await saveToMemory(converted)), saves.length));
  const expected = convertModel(weightsModel());
  assert.equal(saves.length, 1, 'saved once');
  assert.deepEqual(saves[0], encodeModel(expected.model));
  assert.deepEqual(withoutTime(result.report), withoutTime(expected.report));
  assert.equal(result.report.tensors[0]!.clampedSmall, 1, 'clip counts measured while saving');
  assert.equal(result.report.warnings.filter((w) => w.kind === 'clamp').length, 2);
  assert.equal(reads.bytes, weightBytes(m), 'every weight byte read once');
  assert.equal(result.saved, 1);
});

test('a weight found out of range while saving keeps its node float32: the exact result is saved over the first', async () => {
  const saves: Uint8Array[] = [];
  const result = await convertAndSave(weightsModel(1e5), async (converted) => saves.push(await saveToMemory(converted)));
  const expected = convertModel(weightsModel(1e5));
  assert.equal(saves.length, 2, 'saved again');
  assert.deepEqual(saves[1], encodeModel(expected.model));
  assert.notDeepEqual(saves[0], saves[1]);
  assert.deepEqual(withoutTime(result.report), withoutTime(expected.report));
  assert.deepEqual(
    result.report.keptNodes.map((k) => [k.opType, k.reason.kind]),
    [['MatMul', 'outOfRange']],
  );
});

test('a graph-heavy model is converted once and saved once, as convertModel and a save would', async () => {
  const nodes = Array.from({ length: 200 }, (_, i) => node('Add', [i === 0 ? 'x' : `h${i - 1}`, `b${i}`], [`h${i}`]));
  const build = () =>
    model(graph({ nodes, inputs: [valueInfo('x', 1, [4])], outputs: [valueInfo('h199', 1, [4])], initializers: nodes.map((_, i) => tensor(`b${i}`, [4], [i, 1e-9, -i, 1e5])) }));
  const m = build();
  const reads = countReads(m);
  const saves: Uint8Array[] = [];
  const result = await convertAndSave(m, async (converted) => saves.push(await saveToMemory(converted)));
  const expected = convertModel(build());
  assert.equal(saves.length, 1);
  assert.deepEqual(saves[0], encodeModel(expected.model));
  assert.deepEqual(withoutTime(result.report), withoutTime(expected.report));
  assert.ok(result.report.keptNodes.length > 0 && result.report.keptNodes.every((k) => k.reason.kind === 'outOfRange'));
  assert.ok(reads.bytes >= weightBytes(m), 'statistics read before planning, as convertModel does');
});
