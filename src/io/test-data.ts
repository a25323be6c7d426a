/**
 * The ONNX test-data layout (Node): a folder of `input_0.pb`, `input_1.pb`, ... (and
 * `output_0.pb`, ...) TensorProto files, as onnx's backend tests and many model zoos ship them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { OnnxFormatError } from '../errors.js';
import { TensorProtoSchema, type ModelProto } from '../proto/onnx.js';
import type { Feeds, TensorLike } from '../runtime/runtime.js';
import { tensorFromProto } from '../runtime/tensor-from-proto.js';

/** Reads `input_*.pb` (or `output_*.pb`) in index order; unnamed tensors take the graph's input (output) names. */
export function readTestDataTensors(folder: string, kind: 'input' | 'output', model?: ModelProto): Record<string, TensorLike> {
  const prefix = `${kind}_`;
  const files = readdirSync(folder)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  const initializers = new Set(model?.graph?.initializer.map((t) => t.name));
  const declared = kind === 'input' ? (model?.graph?.input ?? []).filter((i) => !initializers.has(i.name)) : (model?.graph?.output ?? []);
  const tensors: Record<string, TensorLike> = {};
  files.forEach((file, i) => {
    const path = join(folder, file);
    let tensor;
    try {
      tensor = fromBinary(TensorProtoSchema, readFileSync(path));
    } catch (error) {
      throw new OnnxFormatError(`${path}: not a TensorProto file (${(error as Error).message})`, { cause: error });
    }
    const name = tensor.name || declared[i]?.name;
    if (!name) throw new OnnxFormatError(`${path}: the tensor has no name and the model has no ${kind} ${i}`);
    tensors[name] = tensorFromProto(tensor);
  });
  return tensors;
}

/** The feeds of a test-data folder. */
export function readTestDataFeeds(folder: string, model?: ModelProto): Feeds {
  return readTestDataTensors(folder, 'input', model);
}
