import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatRuntimeTable } from './format-runtime-table.js';
import { parseFunctionIndex, parseKernelDocument, parseRange, parseWebDocument } from './parse-runtime-docs.js';
import { parseRuntimeDocuments, RUNTIME_DOCUMENTS } from './runtime-documents.js';

const KERNELS = `## Operators implemented by CPUExecutionProvider

| Op Name | Parameters | OpSet Version | Types Supported |
|---------|------------|---------------|-----------------|
|**Operator Domain:** *ai.onnx*||||
|Abs|*in* X:**T**<br> *out* Y:**T**|13+|**T** = tensor(double), tensor(float)|
|||[6, 12]|**T** = tensor(float)|
|||5|**T** = tensor(float), tensor(float16)|
|EyeLike|*in* input:**T1**<br> *out* output:**T2**|9+|**T1** = tensor(float), tensor(int64)<br/> **T2** = tensor(double), tensor(float)|
|MemcpyFromHost|*in* X:**T**<br> *out* Y:**T**|1+||
|**Operator Domain:** *ai.onnx.ml*||||
|ZipMap|*in* X:**tensor(float)**<br> *out* Z:**T**|1+|**T** = seq(map(int64, tensor(float))), seq(map(string, tensor(float)))|
|**Operator Domain:** *com.microsoft*||||
|FastGelu|*in* X:**T**<br> *out* Y:**T**|1+|**T** = tensor(float)|

## Operators implemented by CUDAExecutionProvider

| Op Name | Parameters | OpSet Version | Types Supported |
|---------|------------|---------------|-----------------|
|**Operator Domain:** *ai.onnx*||||
|Abs|*in* X:**T**<br> *out* Y:**T**|13+|**T** = tensor(float16)|
`;

test('kernel table: providers, domains, continuation rows, ranges, several type parameters, rows without types', () => {
  const rows = parseKernelDocument(KERNELS);
  assert.deepEqual(
    rows.map((r) => [r.provider, r.domain, r.opType, r.from, r.to]),
    [
      ['CPUExecutionProvider', '', 'Abs', 13, undefined],
      ['CPUExecutionProvider', '', 'Abs', 6, 12],
      ['CPUExecutionProvider', '', 'Abs', 5, 5],
      ['CPUExecutionProvider', '', 'EyeLike', 9, undefined],
      ['CPUExecutionProvider', '', 'MemcpyFromHost', 1, undefined],
      ['CPUExecutionProvider', 'ai.onnx.ml', 'ZipMap', 1, undefined],
      ['CPUExecutionProvider', 'com.microsoft', 'FastGelu', 1, undefined],
      ['CUDAExecutionProvider', '', 'Abs', 13, undefined],
    ],
  );
  assert.deepEqual(rows[2]!.types, { T: ['tensor(float)', 'tensor(float16)'] });
  assert.deepEqual(rows[3]!.types, { T1: ['tensor(float)', 'tensor(int64)'], T2: ['tensor(double)', 'tensor(float)'] });
  assert.deepEqual(rows[4]!.types, {});
  // Commas inside a type do not split the list.
  assert.deepEqual(rows[5]!.types, { T: ['seq(map(int64,tensor(float)))', 'seq(map(string,tensor(float)))'] });
});

test('kernel table: unreadable types or a row before any domain are errors naming the place', () => {
  assert.throws(() => parseKernelDocument(KERNELS.replace('**T** = tensor(double), tensor(float)|', 'T = tensor(double)|')), /cannot read types "T = tensor\(double\)" of Abs \(CPUExecutionProvider, line 6\)/);
  assert.throws(() => parseKernelDocument(KERNELS.replace('|**Operator Domain:** *ai.onnx*||||\n', '')), /line 5 lists an operator before any "Operator Domain" row/);
  assert.throws(() => parseRange('[7 12]'), /cannot read opset range "\[7 12\]"/);
});

const WEBGPU = `| Operator | Opset | Comments |
|:--------:|:-------------:|-----|
| Abs | ai.onnx(6-12,13+) |  |
| AveragePool | ai.onnx(7-9,10); com.ms.internal.nhwc(19+) | need perf optimization |
| Attention | com.microsoft(1+) | need implementing mask |
`;
const WEBNN = `| Operator | Opset | WebNN API | Comments |
|:------:|:------:|:------:|:------|
| Add | ai.onnx(7-12, 13, 14+) | add | |
| GlobalLpPool| ai.onnx(7+) | l2Pool2d | Only supports 4-D input |
`;

test('web tables: several domains and ranges per operator, spaces, comments in the last column', () => {
  const gpu = parseWebDocument(WEBGPU, 'WebGpuExecutionProvider');
  assert.deepEqual(
    gpu.map((r) => [r.domain, r.opType, r.from, r.to, r.comment ?? null, r.types ?? null]),
    [
      ['', 'Abs', 6, 12, null, null],
      ['', 'Abs', 13, undefined, null, null],
      ['', 'AveragePool', 7, 9, 'need perf optimization', null],
      ['', 'AveragePool', 10, 10, 'need perf optimization', null],
      ['com.ms.internal.nhwc', 'AveragePool', 19, undefined, 'need perf optimization', null],
      ['com.microsoft', 'Attention', 1, undefined, 'need implementing mask', null],
    ],
  );
  const nn = parseWebDocument(WEBNN, 'WebNNExecutionProvider');
  assert.deepEqual(
    nn.map((r) => [r.opType, r.from, r.to, r.comment ?? null]),
    [
      ['Add', 7, 12, null],
      ['Add', 13, 13, null],
      ['Add', 14, undefined, null],
      ['GlobalLpPool', 7, undefined, 'Only supports 4-D input'],
    ],
  );
  assert.throws(() => parseWebDocument(WEBGPU.replace('ai.onnx(6-12,13+)', 'ai.onnx 6-12'), 'WebGpuExecutionProvider'), /cannot read opsets "ai.onnx 6-12" of Abs/);
});

test('function index: the operators each domain defines as functions, with their function versions', () => {
  const index = `### ai.onnx (default)
|**Operator**|**Since version**||
|-|-|-|
|<a href="#Abs">Abs</a>|<a href="Changelog.md#Abs-13">13</a>|
|**Function**|**Since version**|**Function version**|
|<a href="#Celu">Celu</a>|<a href="Changelog.md#Celu-12">12</a>|12|
|<a href="#MeanVarianceNormalization">MeanVarianceNormalization</a>|13, 9|18, 13|

### ai.onnx.preview
|**Function**|**Since version**|**Function version**|
|<sub>experimental</sub> ai.onnx.preview.FlexAttention|1|1|

## ai.onnx (default)
|**Function**|**Since version**|**Function version**|
|NotIndex|1|1|
`;
  assert.deepEqual(parseFunctionIndex(index), [
    { domain: '', opType: 'Celu', functionVersions: [12] },
    { domain: '', opType: 'MeanVarianceNormalization', functionVersions: [13, 18] },
    { domain: 'ai.onnx.preview', opType: 'FlexAttention', functionVersions: [1] },
  ]);
});

const REFERENCE = process.env.ONNX_REFERENCE_DIR ?? '../shared/reference';
test('the committed runtime table is what the reference documents generate', { skip: existsSync(REFERENCE) ? false : `${REFERENCE} not found` }, () => {
  const parsed = parseRuntimeDocuments((file) => readFileSync(join(REFERENCE, file), 'utf8'));
  const expected = formatRuntimeTable(parsed, RUNTIME_DOCUMENTS, readFileSync(join(REFERENCE, 'SOURCES.txt'), 'utf8').trim());
  assert.equal(readFileSync('src/schema/runtime-kernels.generated.ts', 'utf8'), expected, 'run npm run gen:runtimes');
  const runtimes = new Set(parsed.registrations.map((r) => r.provider));
  assert.deepEqual([...runtimes].sort(), ['CPUExecutionProvider', 'CUDAExecutionProvider', 'DmlExecutionProvider', 'WebGpuExecutionProvider', 'WebNNExecutionProvider']);
  assert.ok(parsed.functions.some((f) => f.opType === 'MeanVarianceNormalization'));
});
