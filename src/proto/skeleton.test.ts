import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equals, toBinary } from '@bufbuild/protobuf';
import { decodeModel, encodeModel } from './codec.js';
import { ModelProtoSchema } from './onnx.js';
import { tensorPayload } from './payload.js';
import { decodeModelLazily, memorySource, type RandomAccessSource } from './skeleton.js';
import { attribute, graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';

function modelWithSubgraphTensors() {
  const thenBranch = graph({
    name: 'then',
    nodes: [node('Add', ['x', 'inner_w'], ['t'])],
    outputs: [valueInfo('t')],
    initializers: [tensor('inner_w', [4096], new Float32Array(4096).fill(3))],
  });
  const elseBranch = graph({ name: 'else', nodes: [node('Identity', ['x'], ['e'])], outputs: [valueInfo('e')] });
  return model(
    graph({
      nodes: [
        node('Constant', [], ['big_const'], { value: tensor('bc', [2048], new Float32Array(2048).fill(1)) }),
        node('If', ['cond'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }),
      ],
      inputs: [valueInfo('x', DataType.FLOAT, [4096]), valueInfo('cond', DataType.BOOL, [])],
      outputs: [valueInfo('y')],
      initializers: [tensor('w', [1000], new Float32Array(1000).fill(0.5)), tensor('tiny', [1], [7])],
    }),
  );
}

/** A source that counts how many bytes were read from it. */
function countingSource(bytes: Uint8Array): RandomAccessSource & { bytesRead: number } {
  const inner = memorySource(bytes, 'counted.onnx');
  const source = {
    bytesRead: 0,
    byteLength: inner.byteLength,
    label: inner.label,
    readSync(position: number, target: Uint8Array) {
      source.bytesRead += target.byteLength;
      inner.readSync(position, target);
    },
    payload(offset: number, length: number) {
      const p = inner.payload(offset, length);
      return {
        ...p,
        readSync: (at: number, target: Uint8Array) => {
          source.bytesRead += target.byteLength;
          p.readSync!(at, target);
        },
      };
    },
  };
  return source;
}

test('lazy decoding equals plain decoding, with every large raw_data left in the source', () => {
  const m = modelWithSubgraphTensors();
  const bytes = toBinary(ModelProtoSchema, m);
  const lazy = decodeModelLazily(memorySource(bytes), { lazyThreshold: 1024 });
  const g = lazy.graph!;
  assert.equal(tensorPayload(g.initializer[0]!)?.placement, 'raw', 'initializer of 4000 bytes is lazy');
  assert.equal(tensorPayload(g.initializer[1]!), undefined, 'tiny initializer is decoded');
  assert.equal(tensorPayload(g.node[0]!.attribute[0]!.t!)?.placement, 'raw', 'Constant value is lazy');
  assert.equal(tensorPayload(g.node[1]!.attribute[0]!.g!.initializer[0]!)?.placement, 'raw', 'subgraph initializer is lazy');
  assert.equal(g.initializer[0]!.$unknown, undefined, 'no placeholder is left behind');
  assert.ok(equals(ModelProtoSchema, lazy, m));
  assert.deepEqual(encodeModel(lazy), bytes);
});

test('payload bytes are not read until used', () => {
  const m = modelWithSubgraphTensors();
  for (let i = 0; i < 4; i++) m.graph!.initializer.push(tensor(`big${i}`, [250_000], new Float32Array(250_000).fill(i)));
  const bytes = toBinary(ModelProtoSchema, m);
  const source = countingSource(bytes);
  const lazy = decodeModelLazily(source);
  const structureBytes = source.bytesRead;
  assert.ok(structureBytes < bytes.length / 4, `only the structure is read (${structureBytes} bytes of ${bytes.length})`);
  const big = lazy.graph!.initializer[3]!;
  assert.equal(big.rawData.byteLength, 1_000_000);
  assert.equal(source.bytesRead - structureBytes, 1_000_000);
  assert.deepEqual(new Float32Array(big.rawData.buffer)[123], 1);
});

test('a truncated file is refused with its name and position', () => {
  const bytes = toBinary(ModelProtoSchema, modelWithSubgraphTensors());
  assert.throws(() => decodeModelLazily(memorySource(bytes.subarray(0, bytes.length - 10), 'cut.onnx')), /cut\.onnx: not a valid ONNX model, or truncated/);
});

test('lazy decoding handles attributes holding tensor lists and graph lists', () => {
  const body = graph({ name: 'b', nodes: [node('Identity', ['s'], ['o'])], inputs: [valueInfo('s')], outputs: [valueInfo('o')] });
  const n = node('Custom', [], ['z'], {}, { domain: 'test' });
  n.attribute.push(attribute('graphs', [body, body]));
  const a = attribute('tensors', tensor('a', [600], new Float32Array(600)));
  a.tensors = [a.t!, tensor('b', [700], new Float32Array(700))];
  delete (a as { t?: unknown }).t;
  n.attribute.push(a);
  const m = model(graph({ nodes: [n], outputs: [valueInfo('z')] }), { opsets: { '': 17, test: 1 } });
  const bytes = toBinary(ModelProtoSchema, m);
  const lazy = decodeModelLazily(memorySource(bytes));
  assert.ok(tensorPayload(lazy.graph!.node[0]!.attribute[1]!.tensors[1]!));
  assert.ok(equals(ModelProtoSchema, lazy, decodeModel(bytes)));
});
