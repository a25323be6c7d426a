/**
 * The public surface: the names each entry exports (a snapshot, changed on purpose only), and
 * the browser-safe core's import graph, which must reach no `node:` module and no Node-only file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const CORE_EXPORTS = [
  'ALWAYS_FLOAT_INPUTS', 'AttributeProtoSchema', 'AttributeProto_AttributeType', 'DEFAULT_OP_BLOCK_LIST', 'DataType', 'ExternalDataError',
  'FunctionProtoSchema', 'GraphProtoSchema', 'ModelFileError', 'ModelProtoSchema', 'NodeProtoSchema', 'OnnxFormatError', 'OperatorSetIdProtoSchema',
  'OptionsError', 'PROTOBUF_SIZE_LIMIT', 'SparseTensorProtoSchema', 'StringStringEntryProtoSchema', 'TensorProtoSchema', 'TensorProto_DataLocation',
  'TensorProto_DataType', 'TensorShapeProtoSchema', 'TensorShapeProto_DimensionSchema', 'TrainingInfoProtoSchema', 'TypeProtoSchema',
  'TypeProto_MapSchema', 'TypeProto_OptionalSchema', 'TypeProto_SequenceSchema', 'TypeProto_TensorSchema', 'UnsupportedModelError', 'ValueInfoProtoSchema',
  'allClose', 'autoConvertMixedPrecision', 'blobSource', 'decodeModelLazilyAsync', 'loadModelFromBlob', 'modelToBlobs', 'bfloat16BitsToFloat32Bits', 'convertFloat32ToBfloat16', 'convertFloat32ToFloat16', 'convertFloatToBfloat16',
  'convertFloatToFloat16', 'convertModel', 'dataTypeBits', 'dataTypeName', 'decodeModel', 'decodeModelLazily', 'emulateLowPrecision', 'encodeModel',
  'encodeModelParts', 'findNodeBlockList', 'float16BitsToFloat32Bits', 'float32BitsToBfloat16Bits', 'float32BitsToFloat16Bits', 'forEachTensor',
  'mapTensors', 'memorySource', 'onnxruntimeAdapter', 'parseDataType', 'parseNpy', 'randomFeeds', 'readTensorData', 'summarizeModel', 'tensorFromProto',
  'tensorPayload',
];
const NODE_ONLY_EXPORTS = ['loadModel', 'loadModelSync', 'loadOnnxruntimeNode', 'nodeRuntime', 'readFeeds', 'readTestDataFeeds', 'readTestDataTensors', 'saveModel', 'sourceFilesOf'];

test('the core entry exports exactly the documented names', async () => {
  const core = await import('../src/index.js');
  assert.deepEqual(Object.keys(core).sort(), [...CORE_EXPORTS].sort());
});

test('the Node entry adds files, feeds and onnxruntime-node, and defaults the mixed-precision runtime', async () => {
  const node = await import('../src/node.js');
  assert.deepEqual(Object.keys(node).sort(), [...CORE_EXPORTS, ...NODE_ONLY_EXPORTS].sort());
  const core = await import('../src/index.js');
  assert.notEqual(node.autoConvertMixedPrecision, core.autoConvertMixedPrecision, 'the Node entry wraps it with onnxruntime-node as default runtime');
});

test('the browser-safe core imports no node: module, directly or through its imports', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('node:')) offenders.push(`${file} imports ${specifier}`);
      else if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
    for (const match of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      if (match[1]!.startsWith('node:') || match[1] === 'onnxruntime-node') offenders.push(`${file} loads ${match[1]}`);
    }
  };
  visit(join(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '../src/index.ts'));
  assert.deepEqual(offenders, []);
  assert.ok(seen.size > 20, `${seen.size} core files checked`);
});
