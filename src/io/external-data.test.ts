import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, equals, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, StringStringEntryProtoSchema, TensorProto_DataLocation, type ModelProto, type TensorProto } from '../proto/onnx.js';
import { readTensorData, tensorPayload } from '../proto/payload.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'onnx-float16-ext-'));

function weightsModel(): ModelProto {
  return model(
    graph({
      nodes: [node('Add', ['x', 'a'], ['s']), node('Mul', ['s', 'b'], ['y'])],
      inputs: [valueInfo('x', 1, [1000])],
      outputs: [valueInfo('y', 1, [1000])],
      initializers: [
        tensor('a', [1000], Float32Array.from({ length: 1000 }, (_, i) => i)),
        tensor('b', [1000], Float32Array.from({ length: 1000 }, (_, i) => -i)),
        tensor('tiny', [3], [1, 2, 3]),
      ],
    }),
  );
}

/** Marks a tensor external at `location`/`offset`/`length` and drops its raw_data. */
function makeExternal(t: TensorProto, location: string, offset: number, length: number): void {
  t.rawData = new Uint8Array(0);
  t.dataLocation = TensorProto_DataLocation.EXTERNAL;
  t.externalData = [
    create(StringStringEntryProtoSchema, { key: 'location', value: location }),
    create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
    create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
  ];
}

/** Writes a model whose tensor "a" lives at `location` (relative), with its bytes in `dataPath`. */
function writeWithExternalA(dir: string, location: string, dataPath = join(dir, location)): string {
  const m = weightsModel();
  const a = m.graph!.initializer[0]!;
  writeFileSync(dataPath, a.rawData);
  makeExternal(a, location, 0, 4000);
  const path = join(dir, 'model.onnx');
  writeFileSync(path, toBinary(ModelProtoSchema, m));
  return path;
}

test('several tensors in one data file round-trip through save and load', async () => {
  const dir = tempDir();
  const original = weightsModel();
  await saveModel(original, join(dir, 'm.onnx'), { externalData: { location: 'weights.bin' } });
  assert.deepEqual(readdirSync(dir).sort(), ['m.onnx', 'weights.bin']);
  const loaded = await loadModel(join(dir, 'm.onnx'));
  const [a, b, tiny] = loaded.graph!.initializer;
  assert.equal(a!.dataLocation, TensorProto_DataLocation.EXTERNAL);
  assert.equal(b!.externalData.find((e) => e.key === 'offset')!.value, '4000');
  assert.equal(tiny!.dataLocation, TensorProto_DataLocation.DEFAULT, 'below the 1024-byte threshold stays embedded');
  assert.deepEqual(await readTensorData(a!), original.graph!.initializer[0]!.rawData);
  // Saved again without external data, the model equals the original.
  await saveModel(loaded, join(dir, 'inline.onnx'));
  assert.ok(equals(ModelProtoSchema, await loadModel(join(dir, 'inline.onnx')), original));
  assert.deepEqual(readFileSync(join(dir, 'inline.onnx')), Buffer.from(toBinary(ModelProtoSchema, original)));
});

test('tensors in separate data files load, and sizeThreshold decides what goes out', async () => {
  const dir = tempDir();
  const m = weightsModel();
  const [a, b] = m.graph!.initializer;
  writeFileSync(join(dir, 'a.bin'), a!.rawData);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'b.bin'), Buffer.concat([Buffer.alloc(10), b!.rawData]));
  makeExternal(a!, 'a.bin', 0, 4000);
  makeExternal(b!, 'sub/b.bin', 10, 4000);
  writeFileSync(join(dir, 'm.onnx'), toBinary(ModelProtoSchema, m));
  const loaded = await loadModel(join(dir, 'm.onnx'));
  assert.deepEqual(await readTensorData(loaded.graph!.initializer[1]!), weightsModel().graph!.initializer[1]!.rawData);

  await saveModel(loaded, join(dir, 'out.onnx'), { externalData: { location: 'out.data', sizeThreshold: 5000 } });
  const out = await loadModel(join(dir, 'out.onnx'));
  assert.ok(out.graph!.initializer.every((t) => t.dataLocation !== TensorProto_DataLocation.EXTERNAL), 'nothing reaches 5000 bytes');
  await saveModel(loaded, join(dir, 'out2.onnx'), { externalData: { location: 'out2.data', sizeThreshold: 4000 } });
  assert.equal(statSync(join(dir, 'out2.data')).size, 8000);
});

test('external tensors are read lazily, only when used', async () => {
  const dir = tempDir();
  const path = writeWithExternalA(dir, 'a.bin');
  const loaded = await loadModel(path);
  const a = loaded.graph!.initializer[0]!;
  assert.equal(tensorPayload(a)?.placement, 'external');
  // Changing the data file after loading shows the bytes had not been read yet.
  const changed = new Float32Array(1000).fill(42);
  writeFileSync(join(dir, 'a.bin'), new Uint8Array(changed.buffer));
  assert.deepEqual(await readTensorData(a), new Uint8Array(changed.buffer));
});

test('embedded raw_data is read lazily from the model file', async () => {
  const dir = tempDir();
  const path = join(dir, 'm.onnx');
  await saveModel(weightsModel(), path);
  const loaded = await loadModel(path);
  const a = loaded.graph!.initializer[0]!;
  assert.equal(tensorPayload(a)?.placement, 'raw');
  assert.equal(tensorPayload(loaded.graph!.initializer[2]!), undefined, 'small tensors are decoded');
  assert.equal(new Float32Array(a.rawData.buffer)[999], 999);
});

test('saving over the input model keeps its data readable and the result intact', async () => {
  const dir = tempDir();
  const path = join(dir, 'm.onnx');
  await saveModel(weightsModel(), path, { externalData: true });
  const loaded = await loadModel(path);
  await saveModel(loaded, path, { externalData: true });
  await saveModel(loaded, path);
  const reloaded = await loadModel(path);
  assert.ok(equals(ModelProtoSchema, reloaded, weightsModel()));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
});

test('the caller model is never modified by saveModel', async () => {
  const dir = tempDir();
  const m = weightsModel();
  const before = toBinary(ModelProtoSchema, m);
  await saveModel(m, join(dir, 'm.onnx'), { externalData: true });
  assert.deepEqual(toBinary(ModelProtoSchema, m), before);
});

test('refused: absolute location', async () => {
  const dir = tempDir();
  const outside = join(tempDir(), 'secret.bin');
  writeFileSync(outside, Buffer.alloc(4000));
  const path = writeWithExternalA(dir, outside, outside);
  await assert.rejects(loadModel(path), /tensor "a": external data location ".*secret\.bin" is an absolute path/);
});

test('refused: .. escaping the model folder', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'model'));
  writeFileSync(join(root, 'secret.bin'), Buffer.alloc(4000));
  const path = writeWithExternalA(join(root, 'model'), '../secret.bin', join(root, 'secret.bin'));
  await assert.rejects(loadModel(path), /tensor "a": external data location "\.\.\/secret\.bin" escapes the model's folder/);
});

test('refused: a symbolic link as the data file', async () => {
  const dir = tempDir();
  const outside = join(tempDir(), 'secret.bin');
  writeFileSync(outside, Buffer.alloc(4000));
  symlinkSync(outside, join(dir, 'link.bin'));
  const m = weightsModel();
  makeExternal(m.graph!.initializer[0]!, 'link.bin', 0, 4000);
  writeFileSync(join(dir, 'm.onnx'), toBinary(ModelProtoSchema, m));
  await assert.rejects(loadModel(join(dir, 'm.onnx')), /tensor "a": external data file "link\.bin" is a symbolic link/);
});

test('refused: a symbolic link to a folder outside the model folder', async () => {
  const dir = tempDir();
  const outsideDir = tempDir();
  writeFileSync(join(outsideDir, 'secret.bin'), Buffer.alloc(4000));
  symlinkSync(outsideDir, join(dir, 'linked'));
  const m = weightsModel();
  makeExternal(m.graph!.initializer[0]!, 'linked/secret.bin', 0, 4000);
  writeFileSync(join(dir, 'm.onnx'), toBinary(ModelProtoSchema, m));
  await assert.rejects(loadModel(join(dir, 'm.onnx')), /tensor "a": external data file "linked\/secret\.bin" resolves through a symbolic link .* outside the model's folder/);
});

test('refused: a hard-linked data file', async () => {
  const dir = tempDir();
  const path = writeWithExternalA(dir, 'a.bin');
  linkSync(join(dir, 'a.bin'), join(dir, 'a-again.bin'));
  await assert.rejects(loadModel(path), /tensor "a": external data file "a\.bin" has 2 hard links/);
});

test('refused: missing data file', async () => {
  const dir = tempDir();
  const path = writeWithExternalA(dir, 'gone.bin', join(tempDir(), 'elsewhere.bin'));
  await assert.rejects(loadModel(path), /m?odel\.onnx: tensor "a": external data file "gone\.bin" not found/);
});

test('refused: truncated data file and offset beyond the file', async () => {
  const dir = tempDir();
  const path = writeWithExternalA(dir, 'a.bin');
  truncateSync(join(dir, 'a.bin'), 3000);
  await assert.rejects(loadModel(path), /tensor "a": external data range 0\.\.4000 lies beyond the end of "a\.bin" \(3000 bytes\)/);

  const m = weightsModel();
  writeFileSync(join(dir, 'a.bin'), m.graph!.initializer[0]!.rawData);
  makeExternal(m.graph!.initializer[0]!, 'a.bin', 8000, 4000);
  writeFileSync(path, toBinary(ModelProtoSchema, m));
  await assert.rejects(loadModel(path), /tensor "a": external data range 8000\.\.12000 lies beyond the end of "a\.bin" \(4000 bytes\)/);
});

test('refused: negative or non-numeric offsets, and lengths that contradict the shape', async () => {
  const dir = tempDir();
  const m = weightsModel();
  writeFileSync(join(dir, 'a.bin'), m.graph!.initializer[0]!.rawData);
  makeExternal(m.graph!.initializer[0]!, 'a.bin', 0, 4000);
  m.graph!.initializer[0]!.externalData[1]!.value = '-5';
  writeFileSync(join(dir, 'm.onnx'), toBinary(ModelProtoSchema, m));
  await assert.rejects(loadModel(join(dir, 'm.onnx')), /external_data "offset" is "-5", not a non-negative integer/);
  makeExternal(m.graph!.initializer[0]!, 'a.bin', 0, 2000);
  writeFileSync(join(dir, 'm.onnx'), toBinary(ModelProtoSchema, m));
  await assert.rejects(loadModel(join(dir, 'm.onnx')), /tensor "a": its shape and type need 4000 bytes but external_data gives 2000/);
});

test('refused on save: a data location outside the folder or absolute', async () => {
  const dir = tempDir();
  await assert.rejects(saveModel(weightsModel(), join(dir, 'm.onnx'), { externalData: { location: '../x.data' } }), /escapes the model's folder/);
  await assert.rejects(saveModel(weightsModel(), join(dir, 'm.onnx'), { externalData: { location: '/tmp/x.data' } }), /is an absolute path/);
  assert.deepEqual(readdirSync(dir), []);
});

test('model file errors name the file', async () => {
  const dir = tempDir();
  await assert.rejects(loadModel(join(dir, 'nope.onnx')), /nope\.onnx: no such file/);
  writeFileSync(join(dir, 'text.onnx'), 'this is a text file, not a model\n');
  await assert.rejects(loadModel(join(dir, 'text.onnx')), /text\.onnx: not/);
  const bytes = toBinary(ModelProtoSchema, weightsModel());
  writeFileSync(join(dir, 'cut.onnx'), bytes.subarray(0, bytes.length - 50));
  await assert.rejects(loadModel(join(dir, 'cut.onnx')), /cut\.onnx: not a valid ONNX model, or truncated/);
  await assert.rejects(saveModel(weightsModel(), join(dir, 'no', 'such', 'm.onnx')), /folder .* does not exist/);
});
