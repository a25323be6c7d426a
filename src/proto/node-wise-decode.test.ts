import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { graph, model, node, tensor, valueInfo, DataType } from '../../test/model-builder.js';
import { GraphProtoSchema, ModelProtoSchema } from './onnx.js';
import { lengthDelimitedHeader } from './varint.js';
import { decodeModelNodeWise } from './node-wise-decode.js';

function sample() {
  const body = graph({ name: 'body', nodes: [node('Neg', ['x'], ['n'])], outputs: [valueInfo('n')] });
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['r']), node('If', ['c'], ['y'], { then_branch: body, else_branch: body }), node('Add', ['r', 'w'], ['z'])],
      inputs: [valueInfo('x', DataType.FLOAT, [2]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y'), valueInfo('z')],
      initializers: [tensor('w', [2], [1, 2])],
    }),
  );
}

test('a model decoded node by node equals the one decoded whole, node order and other fields included', () => {
  const bytes = toBinary(ModelProtoSchema, sample());
  const nodeWise = decodeModelNodeWise(bytes, 100)!;
  assert.ok(nodeWise);
  assert.ok(equals(ModelProtoSchema, nodeWise, fromBinary(ModelProtoSchema, bytes)));
  assert.deepEqual(nodeWise.graph!.node.map((n) => n.opType), ['Relu', 'If', 'Add']);
});

test('node-wise decoding declines what it does not handle: a graph field given twice, a truncated file', () => {
  const bytes = toBinary(ModelProtoSchema, sample());
  const graphOnly = toBinary(ModelProtoSchema, model(graph({ nodes: [node('Neg', ['a'], ['b'])] })));
  const twice = new Uint8Array(bytes.length + graphOnly.length);
  twice.set(bytes);
  twice.set(graphOnly, bytes.length);
  assert.equal(decodeModelNodeWise(twice, 100), undefined, 'a second graph field merges: left to the whole decoder');
  assert.equal(decodeModelNodeWise(bytes.subarray(0, bytes.length - 3), 100), undefined);
});

test('graph fields interleaved with the nodes (not in field order) decode as the whole decoder reads them', () => {
  const parts = (g: ReturnType<typeof graph>) => toBinary(GraphProtoSchema, g);
  const nodes = [node('Relu', ['x'], ['r']), node('Cast', ['r'], ['y'], { to: 10 }), node('Neg', ['y'], ['z'])].map((n) => toBinary(GraphProtoSchema, graph({ nodes: [n] })));
  const named = parts(graph({ name: 'g', nodes: [] }));
  const init = parts(graph({ nodes: [], initializers: [tensor('w', [1], [1])] }));
  const io = parts(graph({ nodes: [], inputs: [valueInfo('x', DataType.FLOAT, [1])], outputs: [valueInfo('z')] }));
  const graphBytes = concat(nodes[0]!, named, nodes[1]!, init, io, nodes[2]!);
  const shell = model(graph({ nodes: [] }));
  shell.graph = undefined;
  const withShell = concat(toBinary(ModelProtoSchema, shell), lengthDelimitedHeader(7, graphBytes.length), graphBytes);
  const nodeWise = decodeModelNodeWise(withShell, 100);
  assert.ok(nodeWise);
  assert.ok(equals(ModelProtoSchema, nodeWise, fromBinary(ModelProtoSchema, withShell)));
  assert.deepEqual(nodeWise.graph!.node.map((n) => n.opType), ['Relu', 'Cast', 'Neg']);
  assert.equal(nodeWise.graph!.name, 'g');
});

function concat(...arrays: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
