/**
 * Bad input files end in one line naming the file (and tensor or node), exit code 1, no stack
 * trace, through the command line as a user runs it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { hasStackTrace, runCli } from '../../test/cli-process.js';
import { npyFile, zipFile } from '../../test/numpy-files.js';
import { decodeModel, MAX_MESSAGE_DEPTH } from '../proto/codec.js';
import { AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, type ModelProto } from '../proto/onnx.js';
import { lengthDelimitedHeader } from '../proto/varint.js';
import { OnnxFormatError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-errors-'));

function write(name: string, m: ModelProto): string {
  const path = join(dir, name);
  writeFileSync(path, toBinary(ModelProtoSchema, m));
  return path;
}

/** Runs the CLI and checks: exit code 1, one line on stderr, no stack trace, matching `message`. */
function assertOneLine(argv: string[], message: RegExp): void {
  const { code, stderr } = runCli(...argv);
  assert.equal(code, 1, stderr);
  assert.ok(!hasStackTrace(stderr), stderr);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.match(stderr, message);
}

const addModel = (initializer = tensor('w', [3], [1, 2, 3])) =>
  model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', 1, [3])], outputs: [valueInfo('y', 1, [3])], initializers: [initializer] }));

test('a graph with a cycle is refused naming a node on it, by convert and inspect --types', () => {
  const path = write('cycle.onnx', model(graph({
    nodes: [node('Relu', ['b'], ['a']), node('Relu', ['a'], ['b']), node('Relu', ['a'], ['y'])],
    inputs: [valueInfo('x', 1, [2])],
    outputs: [valueInfo('y', 1, [2])],
  })));
  const message = /the graph main has a cycle through node "Relu_[ab]" \(Relu\)/;
  assertOneLine(['convert', path, '-o', join(dir, 'cycle_out.onnx')], message);
  assertOneLine(['inspect', '--types', path], message);
});

test('raw_data whose length contradicts the dims is refused at load, naming the file and tensor', () => {
  const w = tensor('w', [3], [1, 2, 3]);
  w.rawData = new Uint8Array(16); // 4 floats for a shape of 3
  const path = write('rawlen.onnx', addModel(w));
  assertOneLine(['convert', path, '-o', join(dir, 'rawlen_out.onnx'), '--external-data'], /rawlen\.onnx: tensor "w" \(FLOAT, dims \[3\]\): raw_data holds 16 bytes but the shape and type need 12/);
  assertOneLine(['inspect', path], /raw_data holds 16 bytes/);
});

test('float data that is not a whole number of elements is refused at load', () => {
  const w = tensor('w', [3], [1, 2, 3]);
  w.rawData = new Uint8Array(10);
  assertOneLine(['convert', write('partial.onnx', addModel(w))], /tensor "w" \(FLOAT, dims \[3\]\): raw_data holds 10 bytes but the shape and type need 12/);
  const typed = tensor('w', [3], [1, 2, 3]);
  typed.rawData = new Uint8Array(0);
  typed.floatData = [1, 2];
  assertOneLine(['convert', write('typed.onnx', addModel(typed))], /tensor "w" \(FLOAT, dims \[3\]\): float_data holds 2 values but the shape needs 3/);
  assert.throws(() => decodeModel(toBinary(ModelProtoSchema, addModel(typed)), 'bytes'), OnnxFormatError);
});

/**
 * The bytes of a model whose If nodes nest `depth` deep, framed by hand: building the messages
 * and encoding them would itself recurse `depth` times.
 */
function nestedIfBytes(depth: number): Uint8Array {
  const concat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  const framed = (field: number, body: Uint8Array) => concat(lengthDelimitedHeader(field, body.length), body);
  const output = (name: string) => toBinary(GraphProtoSchema, graph({ name: '', nodes: [], outputs: [valueInfo(name, 1, [2])] }));
  let g = toBinary(GraphProtoSchema, graph({ nodes: [node('Relu', ['x'], ['y0'])], outputs: [valueInfo('y0', 1, [2])] }));
  for (let d = 1; d < depth; d++) {
    const attr = concat(toBinary(AttributeProtoSchema, create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH })), framed(6, g));
    const ifNode = concat(toBinary(NodeProtoSchema, node('If', ['c'], [`y${d}`], { else_branch: graph({ nodes: [node('Relu', ['x'], [`e${d}`])], outputs: [valueInfo(`e${d}`, 1, [2])] }) })), framed(5, attr));
    g = concat(framed(1, ifNode), output(`y${d}`));
  }
  const inputs = toBinary(GraphProtoSchema, graph({ name: '', nodes: [], inputs: [valueInfo('x', 1, [2]), valueInfo('c', 9, [])] }));
  const header = toBinary(ModelProtoSchema, model(graph({ nodes: [] })));
  const withoutGraph = toBinary(ModelProtoSchema, { ...decodeModel(header), graph: undefined } as ModelProto);
  return concat(withoutGraph, framed(7, concat(g, inputs)));
}

function writeNested(depth: number): string {
  const path = join(dir, `nested${depth}.onnx`);
  writeFileSync(path, nestedIfBytes(depth));
  return path;
}

test(`subgraphs nested deeper than ${MAX_MESSAGE_DEPTH} messages are refused at decoding, at every depth alike`, () => {
  const message = new RegExp(`messages nested deeper than ${MAX_MESSAGE_DEPTH} levels \\(subgraphs about 33 deep\\), which is refused`);
  for (const depth of [40, 250, 1000]) assertOneLine(['convert', writeNested(depth)], message);
  assertOneLine(['inspect', '--types', join(dir, 'nested1000.onnx')], message);
  const ok = runCli('inspect', '--types', writeNested(30));
  assert.equal(ok.code, 0, ok.stderr);
});

test('a node block list file with malformed JSON is a one-line error naming the file', () => {
  const path = write('ok.onnx', addModel());
  const list = join(dir, 'blocked.json');
  writeFileSync(list, '["Add_y", ');
  assertOneLine(['convert', path, '--node-block-list', `@${list}`], new RegExp(`node block list ${list}: malformed JSON`));
  assertOneLine(['convert', path, '--node-block-list', `@${join(dir, 'absent.txt')}`], /absent\.txt: no such file/);
});

/** A .npy file: header for `descr` and `shape`, then `data`. */


test('feed files for auto: truncated .npy, pickled .npy and an .npz that inflates far beyond its input are refused in one line', () => {
  const path = write('feeds.onnx', model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 1, [4])], outputs: [valueInfo('y', 1, [4])] })));
  const auto = (feeds: string) => ['auto', path, '-o', join(dir, 'feeds_out.onnx'), '--feeds', feeds, '--rtol', '0.1', '--atol', '0.1'];
  const short = join(dir, 'short.npy');
  writeFileSync(short, npyFile('<f4', [1000], new Uint8Array(16)));
  assertOneLine(auto(short), /short\.npy: the \.npy header declares shape \(1000\) of float32, 4000 bytes, but the file holds 16/);
  const pickle = join(dir, 'pickle.npy');
  writeFileSync(pickle, npyFile('|O', [4], new Uint8Array(32)));
  assertOneLine(auto(pickle), /pickle\.npy: the \.npy array holds Python objects \(a pickle\), which is refused/);
  const bomb = join(dir, 'bomb.npz');
  writeFileSync(bomb, zipFile('x.npy', npyFile('<f4', [16 * 1024 * 1024], new Uint8Array(64 * 1024 * 1024)), { deflate: true }));
  assertOneLine(auto(bomb), /bomb\.npz: entry x\.npy inflates to 6710\d{4} bytes, more than input "x" can hold \(65584 bytes\)/);
  const stranger = join(dir, 'stranger.npz');
  writeFileSync(stranger, zipFile('z.npy', npyFile('<f4', [4], new Uint8Array(16)), { deflate: true }));
  assertOneLine(auto(stranger), /stranger\.npz:z\.npy is given for "z", which is not an input of the model \(inputs: x\)/);
  const good = join(dir, 'good.npz');
  writeFileSync(good, zipFile('x.npy', npyFile('<f4', [4], new Uint8Array(new Float32Array([1, -2, 3, -4]).buffer)), { deflate: true }));
  const ok = runCli(...auto(good));
  assert.equal(ok.code, 0, ok.stderr);
  const json = join(dir, 'bad.json');
  writeFileSync(json, '{"x": [1, 2,');
  assertOneLine(auto(json), /bad\.json is not valid JSON/);
});
