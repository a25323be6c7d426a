/**
 * `loadModel(path)`: a model file with its external data, decoded without reading tensor
 * payloads. Large `raw_data` and every external tensor stay in their files, bound to the tensor
 * as a lazy payload (see proto/payload.ts); they are read when something needs them, in ranges.
 */
import { ExternalDataError, ModelFileError } from '../errors.js';
import { dataTypeBits } from '../dtype.js';
import { TensorProto_DataLocation, type ModelProto, type TensorProto } from '../proto/onnx.js';
import { bindExternalData } from '../proto/payload.js';
import { decodeModelLazily } from '../proto/skeleton.js';
import { forEachTensor } from '../proto/tensor-walk.js';
import { modelFolder, openExternalDataFile, parseExternalDataInfo } from './external-data.js';
import { OpenFile } from './file-source.js';
import { recordSourceFiles } from './source-files.js';

export interface LoadOptions {
  /** Embedded `raw_data` of at least this many bytes is read only when used. Default 1024. */
  lazyThreshold?: number;
}

/** Loads an ONNX model file; external data is resolved relative to the model's folder. */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<ModelProto> {
  return loadModelSync(path, options);
}

/** The synchronous form of `loadModel`. */
export function loadModelSync(path: string, options: LoadOptions = {}): ModelProto {
  const file = openModelFile(path);
  const model = decodeModelLazily(file, { lazyThreshold: options.lazyThreshold ?? 1024 });
  const dataFiles = bindExternalTensors(model, path);
  recordSourceFiles(model, file, dataFiles);
  return model;
}

function openModelFile(path: string): OpenFile {
  let file: OpenFile;
  try {
    file = OpenFile.open(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a model file' : (error as Error).message;
    throw new ModelFileError(`${path}: ${reason}`, { cause: error });
  }
  // Opening a folder for reading succeeds on Linux; reading it would fail with EISDIR.
  if (!file.isRegularFile) throw new ModelFileError(`${path}: is a folder or device, not a model file`);
  return file;
}

/** Binds every external tensor to its bytes; returns the data files opened. */
function bindExternalTensors(model: ModelProto, modelPath: string): OpenFile[] {
  const baseDir = modelFolder(modelPath);
  const files = new Map<string, OpenFile>();
  forEachTensor(model, (tensor) => {
    if (tensor.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const info = parseExternalDataInfo(tensor, modelPath);
    const what = `${modelPath}: tensor "${tensor.name}"`;
    let file = files.get(info.location);
    if (!file) {
      file = openExternalDataFile(baseDir, info.location, what);
      files.set(info.location, file);
    }
    const length = info.length ?? file.byteLength - info.offset;
    if (info.offset > file.byteLength || info.offset + length > file.byteLength) {
      throw new ExternalDataError(
        `${what}: external data range ${info.offset}..${info.offset + length} lies beyond the end of "${info.location}" (${file.byteLength} bytes)`,
      );
    }
    const expected = expectedByteLength(tensor);
    if (expected !== undefined && expected !== length) {
      throw new ExternalDataError(`${what}: its shape and type need ${expected} bytes but external_data gives ${length}`);
    }
    bindExternalData(tensor, file.payload(info.offset, length));
  });
  return [...files.values()];
}

/** Bytes the tensor's dims and data type call for; undefined for strings and unknown types. */
export function expectedByteLength(tensor: TensorProto): number | undefined {
  const bits = dataTypeBits(tensor.dataType);
  if (bits === 0) return undefined;
  let count = 1;
  for (const dim of tensor.dims) count *= Number(dim);
  return Math.ceil((count * bits) / 8);
}
