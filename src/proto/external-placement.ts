/**
 * Where each tensor's bytes go when a model is written: embedded as raw_data, or (for tensors of
 * at least `sizeThreshold` bytes) one after another in an external data file, per the ONNX
 * external-data specification. Returns the model to encode (the input is not mutated) and the
 * payloads to write to the data file. Shared by saveModel (files) and modelToBlobs (browser).
 */
import { create } from '@bufbuild/protobuf';
import { ExternalDataError } from '../errors.js';
import { StringStringEntryProtoSchema, TensorProto_DataLocation, TensorProtoSchema, type ModelProto, type TensorProto } from './onnx.js';
import { bindLazyRawData, memoryPayload, tensorPayload, type TensorPayload } from './payload.js';
import { mapTensors } from './tensor-walk.js';
import { typedFieldsToRawBytes } from './typed-data.js';

export interface ExternalPlacement {
  /** The data file's name, as written in each tensor's external_data "location". */
  location: string;
  sizeThreshold: number;
  /** Also move tensors held in node attributes. */
  convertAttribute: boolean;
}

/** Offsets of external tensors of at least this size are aligned to a page, so they can be mapped. */
const ALIGN_FROM = 64 * 1024;
const PAGE = 4096;

export interface DataJob {
  payload: TensorPayload;
  offset: number;
}

export interface Placement {
  model: ModelProto;
  dataJobs: DataJob[];
  dataFileBytes: number;
}

/** Decides where each tensor's bytes go and builds the model to encode (the input stays as it is). */
export function planTensorPlacement(model: ModelProto, external: ExternalPlacement | undefined, label: string): Placement {
  const dataJobs: DataJob[] = [];
  let dataEnd = 0;
  const out = mapTensors(model, (tensor, role) => {
    const bound = tensorPayload(tensor);
    if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL && bound?.placement !== 'external') {
      throw new ExternalDataError(
        `${label}: tensor "${tensor.name}" refers to external data that was never loaded; load the model with loadModel(path)`,
      );
    }
    const eligible = external !== undefined && (role !== 'attribute' || external.convertAttribute);
    const payload = bound?.payload ?? inMemoryPayload(tensor, eligible);
    if (external && payload && eligible && payload.byteLength >= external.sizeThreshold) {
      const offset = payload.byteLength >= ALIGN_FROM ? Math.ceil(dataEnd / PAGE) * PAGE : dataEnd;
      dataJobs.push({ payload, offset });
      dataEnd = offset + payload.byteLength;
      const copy = tensorWithoutData(tensor);
      copy.dataLocation = TensorProto_DataLocation.EXTERNAL;
      copy.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: external.location }),
        create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(payload.byteLength) }),
      ];
      return copy;
    }
    if (bound?.placement === 'external') {
      const copy = tensorWithoutData(tensor);
      bindLazyRawData(copy, bound.payload);
      return copy;
    }
    return tensor;
  });
  return { model: out, dataJobs, dataFileBytes: dataEnd };
}

/** The tensor's in-memory bytes: `raw_data`, or (when it may move to the data file) its typed fields as raw bytes. */
function inMemoryPayload(tensor: TensorProto, mayMove: boolean): TensorPayload | undefined {
  if (tensor.rawData.byteLength > 0) return memoryPayload(tensor.rawData, `tensor "${tensor.name}"`);
  const typed = mayMove ? typedFieldsToRawBytes(tensor) : undefined;
  return typed && memoryPayload(typed, `tensor "${tensor.name}"`);
}

const DATA_FIELDS = new Set(['rawData', 'externalData', 'dataLocation', 'floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data']);

/** A copy of a tensor without its data and data-location fields. */
function tensorWithoutData(tensor: TensorProto): TensorProto {
  const copy = create(TensorProtoSchema);
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(tensor))) {
    if (DATA_FIELDS.has(key) || key === '$typeName') continue;
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

