/**
 * The bench's generated models, written once into .bench/ and reused by later runs (a file's name
 * says what it holds, so a changed generator writes a new file).
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { graph, model, node, tensor, valueInfo } from '../test/model-builder.js';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, TensorProtoSchema } from '../src/proto/onnx.js';
import { bindLazyRawData, type TensorPayload } from '../src/proto/payload.js';
import { lengthDelimitedHeader } from '../src/proto/varint.js';
import { saveModel } from '../src/node.js';

export const BENCH_DIR = '.bench';

/** 150 tensors of 1,000,000 float32 each: 600 MB of weights behind a chain of Adds. */
export const WEIGHT_TENSORS = 150;
export const WEIGHT_ELEMENTS = 1_000_000;

/**
 * The weights model. Its values look like trained weights for what conversion cares about:
 * magnitudes around 0.02, so every 4 MB chunk holds a few below minPositiveVal (1e-7) that
 * clipping counts, and about one in 500 values falls in float16's subnormal range.
 */
export async function weightsModel(): Promise<string> {
  const path = join(BENCH_DIR, 'weights-150x1M-trained-like.onnx');
  if (existsSync(path)) return path;
  console.error(`generating ${path} (${(WEIGHT_TENSORS * WEIGHT_ELEMENTS * 4) / 1e6} MB of float32 weights)...`);
  const nodes = [];
  const initializers = [];
  let previous = 'x';
  for (let i = 0; i < WEIGHT_TENSORS; i++) {
    const w = create(TensorProtoSchema, { name: `w${i}`, dims: [BigInt(WEIGHT_ELEMENTS)], dataType: 1 });
    bindLazyRawData(w, trainedLikePayload(i, WEIGHT_ELEMENTS));
    initializers.push(w);
    nodes.push(node('Add', [previous, `w${i}`], [`h${i}`]));
    previous = `h${i}`;
  }
  const m = model(graph({ nodes, inputs: [valueInfo('x', 1, [WEIGHT_ELEMENTS])], outputs: [valueInfo(previous, 1, [WEIGHT_ELEMENTS])], initializers }));
  await saveInPlace(path, (temp) => saveModel(m, temp));
  return path;
}

/** A payload computed on demand, so generating the model never holds its weights in memory. */
function trainedLikePayload(seed: number, elements: number): TensorPayload {
  const fill = (offset: number, target: Uint8Array) => {
    const start = offset / 4;
    const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    for (let i = 0; i < target.byteLength / 4; i++) view.setFloat32(i * 4, 0.02 * Math.sin(seed * 7.3 + (start + i) * 0.618), true);
  };
  return { byteLength: elements * 4, origin: `synthetic ${seed}`, readSync: fill, read: async (o, t) => fill(o, t) };
}

/**
 * The graph-heavy model of the issue: a chain of 16,667 x (Mul, Add, Relu) = 50,001 nodes, each
 * Mul and Add with its own 16-element initializer (33,334 in all), every intermediate in value_info.
 */
export async function nodesModel(): Promise<string> {
  const triples = 16_667;
  const path = join(BENCH_DIR, `nodes-${triples * 3}.onnx`);
  if (existsSync(path)) return path;
  console.error(`generating ${path}...`);
  const nodes = [];
  const initializers = [];
  const valueInfos = [];
  let previous = 'x';
  const width = 16;
  for (let i = 0; i < triples; i++) {
    initializers.push(tensor(`scale${i}`, [width], Array.from({ length: width }, (_, j) => 1 + ((i + j) % 7) / 100)));
    initializers.push(tensor(`bias${i}`, [width], Array.from({ length: width }, (_, j) => ((i * j) % 5) / 10 - 0.2)));
    nodes.push(node('Mul', [previous, `scale${i}`], [`m${i}`]), node('Add', [`m${i}`, `bias${i}`], [`a${i}`]), node('Relu', [`a${i}`], [`r${i}`]));
    valueInfos.push(valueInfo(`m${i}`, 1, [1, width]), valueInfo(`a${i}`, 1, [1, width]));
    if (i < triples - 1) valueInfos.push(valueInfo(`r${i}`, 1, [1, width]));
    previous = `r${i}`;
  }
  const m = model(graph({ nodes, inputs: [valueInfo('x', 1, [1, width])], outputs: [valueInfo(previous, 1, [1, width])], initializers, valueInfo: valueInfos }));
  await saveInPlace(path, (temp) => saveModel(m, temp));
  return path;
}

/**
 * A chain of `count` Relu nodes (about 26 bytes a node in the file). Written field by field (the
 * model's other fields, then its graph: node entries, then the graph's other fields; protobuf
 * fields may come in any order), so that generating a million nodes never holds a million messages.
 */
export async function reluChain(count: number): Promise<string> {
  const path = join(BENCH_DIR, `relu-chain-${count}.onnx`);
  if (existsSync(path)) return path;
  console.error(`generating ${path}...`);
  await saveInPlace(path, (temp) => {
    const fd = openSync(temp, 'w');
    try {
      const name = (i: number) => `v${i}`;
      const rest = toBinary(GraphProtoSchema, create(GraphProtoSchema, { name: 'relu_chain', input: [valueInfo(name(0), 1, [1, 8])], output: [valueInfo(name(count), 1, [1, 8])] }));
      const shellModel = model(create(GraphProtoSchema), { opset: 17 });
      shellModel.graph = undefined;
      const shell = toBinary(ModelProtoSchema, shellModel);
      const nodeBytes: Uint8Array[] = [];
      let graphLength = rest.length;
      for (let i = 0; i < count; i++) {
        const bytes = toBinary(NodeProtoSchema, create(NodeProtoSchema, { opType: 'Relu', input: [name(i)], output: [name(i + 1)] }));
        const entry = concat(lengthDelimitedHeader(1, bytes.length), bytes);
        nodeBytes.push(entry);
        graphLength += entry.length;
      }
      writeAll(fd, shell);
      writeAll(fd, lengthDelimitedHeader(7, graphLength));
      for (let i = 0; i < nodeBytes.length; i += 4096) writeAll(fd, concat(...nodeBytes.slice(i, i + 4096)));
      writeAll(fd, rest);
    } finally {
      closeSync(fd);
    }
  });
  return path;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Writes through a temporary name, so an interrupted generation never leaves a file that looks complete. */
async function saveInPlace(path: string, write: (temp: string) => unknown): Promise<void> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const temp = `${path}.partial`;
  await write(temp);
  renameSync(temp, path);
}
