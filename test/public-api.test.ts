/**
 * The public surface: the names each entry exports (a snapshot, changed on purpose only). The
 * main entry holds what users call; the building blocks are `onnx-float16/low-level`. Which files
 * may import which (and that the browser entries reach no Node module) is test/layering.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// Types users write in their code: this import type-checks only while each is exported.
import type {
  AttemptEvent, AutoMixedPrecisionOptions, BlobLoadOptions, BlobSaveOptions, BlockListResult, ConversionReport, ConversionResult, ConversionWarning,
  CompareOptions, ComparisonResult, ConvertOptions, DataTypeName, Float16ArrayLike, LocatedNode, OutputComparison, ToFloat16Options, Feeds, KeptNodeRecord, ModelBlobs, ModelProto, ModelSummary, OnnxruntimeAdapterOptions, OnnxruntimeModule, Runtime,
  Strategy, TensorGroupSummary, TensorLike, TensorTypeSummary, TypeWarning, ValidateFn, ValueTypeEntry, ValueTypeList,
} from '../src/index.js';
import type { ExternalDataOptions, LoadOptions, NodeAutoMixedPrecisionOptions, NodeCompareOptions, SavedModel, SaveOptions } from '../src/node.js';
import type { AsyncRandomAccessSource, EncodedModel, EncodedPart, RandomAccessSource, TensorPayload, TensorProto } from '../src/low-level.js';

const MAIN_EXPORTS = [
  // load and save
  'decodeModel', 'encodeModel', 'loadModelFromBlob', 'modelToBlobs',
  // convert
  'convertModel', 'convertFloatToFloat16', 'convertFloatToBfloat16', 'DEFAULT_OP_BLOCK_LIST',
  // automatic mixed precision
  'autoConvertMixedPrecision', 'findNodeBlockList',
  // compare
  'compareModels',
  // inspect
  'summarizeModel', 'listValueTypes', 'runtimeReport', 'describeReason',
  // feeds and runtimes
  'randomFeeds', 'parseNpy', 'onnxruntimeAdapter',
  // errors and element types
  'OnnxFormatError', 'ExternalDataError', 'UnsupportedModelError', 'ModelFileError', 'ModelRunError', 'OptionsError', 'ValidationError',
  'RuntimeUnavailableError', 'isLibraryError', 'DataType',
  // float16 typed arrays
  'toFloat16', 'fromFloat16',
];
const NODE_ONLY_EXPORTS = ['loadModel', 'saveModel', 'readFeeds', 'nodeRuntime', 'sourceFilesOf', 'readNodeBlockList'];
const LOW_LEVEL_EXPORTS = [
  // protobuf messages
  'AttributeProtoSchema', 'AttributeProto_AttributeType', 'FunctionProtoSchema', 'GraphProtoSchema', 'ModelProtoSchema', 'NodeProtoSchema',
  'OperatorSetIdProtoSchema', 'SparseTensorProtoSchema', 'StringStringEntryProtoSchema', 'TensorProtoSchema', 'TensorProto_DataLocation',
  'TensorProto_DataType', 'TensorShapeProtoSchema', 'TensorShapeProto_DimensionSchema', 'TrainingInfoProtoSchema', 'TypeProtoSchema',
  'TypeProto_MapSchema', 'TypeProto_OptionalSchema', 'TypeProto_SequenceSchema', 'TypeProto_TensorSchema', 'ValueInfoProtoSchema',
  // codec, lazy sources, payloads, tensor walks
  'encodeModelParts', 'PROTOBUF_SIZE_LIMIT', 'decodeTensor', 'decodeModelLazily', 'decodeModelLazilyAsync', 'memorySource', 'blobSource', 'readTensorData',
  'tensorPayload', 'forEachTensor', 'mapTensors', 'dataTypeName', 'parseDataType', 'dataTypeBits',
  // "did you mean" hints
  'closestName',
  // numeric kernels
  'float32BitsToFloat16Bits', 'float16BitsToFloat32Bits', 'convertFloat32ToFloat16', 'float32BitsToBfloat16Bits', 'bfloat16BitsToFloat32Bits',
  'convertFloat32ToBfloat16',
  // conversion and mixed-precision pieces
  'ALWAYS_FLOAT_INPUTS', 'emulateLowPrecision', 'allClose', 'tensorFromProto', 'npzEntries', 'NpzFormatError', 'convertAndSave',
  // runtime capabilities
  'RUNTIME_NAMES', 'runtimeSupport',
  // inspection of a large model without a list of every value
  'valueTypes',
];
/** What a browser page built on the main entry calls: these must stay there. */
const BROWSER_PAGE_NEEDS = [
  'loadModelFromBlob', 'modelToBlobs', 'convertModel', 'summarizeModel', 'findNodeBlockList', 'autoConvertMixedPrecision', 'onnxruntimeAdapter',
  'randomFeeds', 'parseNpy', 'decodeModel', 'encodeModel', 'DataType', 'OnnxFormatError', 'ExternalDataError', 'UnsupportedModelError',
  'ModelFileError', 'ModelRunError', 'OptionsError', 'ValidationError', 'RuntimeUnavailableError',
];

const sorted = (names: Iterable<string>) => [...names].sort();

test('the main (browser-safe) entry exports exactly the documented names, at most 31', async () => {
  const main = await import('../src/index.js');
  assert.deepEqual(sorted(Object.keys(main)), sorted(MAIN_EXPORTS));
  assert.ok(MAIN_EXPORTS.length <= 30, 'the main entry stays small: what users call');
  for (const name of BROWSER_PAGE_NEEDS) assert.ok(name in main, `${name} stays in the browser entry`);
});

test('the Node entry adds files, feeds from files and onnxruntime-node, and defaults the mixed-precision runtime', async () => {
  const node = await import('../src/node.js');
  assert.deepEqual(sorted(Object.keys(node)), sorted([...MAIN_EXPORTS, ...NODE_ONLY_EXPORTS]));
  assert.ok(NODE_ONLY_EXPORTS.length <= 6, 'the Node entry adds only files, feeds and node lists from files, and onnxruntime-node');
  const main = await import('../src/index.js');
  assert.notEqual(node.autoConvertMixedPrecision, main.autoConvertMixedPrecision, 'the Node entry wraps it with onnxruntime-node as default runtime');
  assert.notEqual(node.findNodeBlockList, main.findNodeBlockList);
  assert.notEqual(node.compareModels, main.compareModels, 'the Node entry wraps it with onnxruntime-node as default runtime');
});

test('the low-level subpath exports exactly the documented building blocks, none of the main entry', async () => {
  const lowLevel = await import('../src/low-level.js');
  assert.deepEqual(sorted(Object.keys(lowLevel)), sorted(LOW_LEVEL_EXPORTS));
  const main = await import('../src/index.js');
  assert.deepEqual(Object.keys(lowLevel).filter((name) => name in main), []);
});

test('every error class the library defines is exported, and each counts as a library error', async () => {
  const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
  const classes = [...source.matchAll(/^export class (\w+) extends Error/gm)].map((m) => m[1]!);
  assert.ok(classes.length >= 8);
  const main = (await import('../src/index.js')) as unknown as Record<string, unknown>;
  for (const name of classes) {
    const ErrorClass = main[name] as (new (message: string) => Error) | undefined;
    assert.ok(ErrorClass, `${name} is exported`);
    const error = new ErrorClass('m');
    assert.equal(error.name, name);
    assert.ok(main.isLibraryError instanceof Function && main.isLibraryError(error), `${name} is a library error`);
  }
  assert.equal((main.isLibraryError as (e: unknown) => boolean)(new TypeError('x')), false);
});

// The type-only imports above are the check; this keeps them from reading as unused.
export type PublicTypes = [
  AttemptEvent, AutoMixedPrecisionOptions, BlobLoadOptions, BlobSaveOptions, BlockListResult, ConversionReport, ConversionResult, ConversionWarning,
  CompareOptions, ComparisonResult, ConvertOptions, DataTypeName, Float16ArrayLike, LocatedNode, OutputComparison, ToFloat16Options, Feeds, KeptNodeRecord, ModelBlobs, ModelProto, ModelSummary, OnnxruntimeAdapterOptions, OnnxruntimeModule, Runtime,
  Strategy, TensorGroupSummary, TensorLike, TensorTypeSummary, TypeWarning, ValidateFn, ValueTypeEntry, ValueTypeList,
  ExternalDataOptions, LoadOptions, NodeAutoMixedPrecisionOptions, NodeCompareOptions, SavedModel, SaveOptions,
  AsyncRandomAccessSource, EncodedModel, EncodedPart, RandomAccessSource, TensorPayload, TensorProto,
];
