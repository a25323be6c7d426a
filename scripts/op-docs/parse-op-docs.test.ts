import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSchemaTable } from './format-schema-table.js';
import { parseOperatorDocument, splitTypeList } from './parse-op-docs.js';

const EXCERPT = `## Version 17 of the default ONNX operator set
### <a name="LayerNormalization-17"></a>**LayerNormalization-17**</a>

  Some text with <dt>no tt</dt> in prose is ignored outside sections.

#### Version

This version of the operator has been available since version 17 of the default ONNX operator set.

#### Attributes

<dl>
<dt><tt>axis</tt> : int (default is -1)</dt>
<dd>The first normalization dimension.</dd>
<dt><tt>stash_type</tt> : int (default is 1)</dt>
<dt><tt>body</tt> : graph (required)</dt>
</dl>

#### Inputs (2 - 3)

<dl>
<dt><tt>X</tt> : T</dt>
<dt><tt>B</tt> (optional) : T</dt>
<dt><tt>rest</tt> (variadic, heterogeneous) : V</dt>
</dl>

#### Outputs (1 - 3)

<dl>
<dt><tt>Y</tt> (differentiable) : T</dt>
<dt><tt>Mean</tt> (optional) : tensor(float)</dt>
</dl>

#### Type Constraints

<dl>
<dt><tt>T</tt> : tensor(float16), tensor(float),
  tensor(double)</dt>
<dt><tt>V</tt> : seq(tensor(float)), map(int64, tensor(float))</dt>
</dl>

## Version 1 of the 'com.microsoft' operator set
### <a name="com.microsoft.FastGelu"></a><a name="com.microsoft.fastgelu">**com.microsoft.FastGelu**</a>

#### Version

This version of the operator has been available since version 1 of the 'com.microsoft' operator set.

#### Inputs (1 - 2)

<dl>
<dt><tt>X</tt> : T</dt>
</dl>

### <a name="Upsample-1"></a>**Upsample-1**</a>

#### Version

No versioning maintained for experimental ops.

### <a name="Upsample-10"></a>**Upsample-10** (deprecated)</a>

#### Version

This version of the operator has been deprecated since version 10 of the default ONNX operator set.
`;

test('parses versions, domains, formals, constraints and attributes', () => {
  const [ln, gelu, upsample1, upsample10] = parseOperatorDocument(EXCERPT);
  assert.deepEqual(ln, {
    domain: '',
    opType: 'LayerNormalization',
    sinceVersion: 17,
    deprecated: false,
    inputs: [
      { name: 'X', optional: false, variadic: false, heterogeneous: false, type: 'T' },
      { name: 'B', optional: true, variadic: false, heterogeneous: false, type: 'T' },
      { name: 'rest', optional: false, variadic: true, heterogeneous: true, type: 'V' },
    ],
    outputs: [
      { name: 'Y', optional: false, variadic: false, heterogeneous: false, type: 'T' },
      { name: 'Mean', optional: true, variadic: false, heterogeneous: false, type: 'tensor(float)' },
    ],
    typeConstraints: { T: ['tensor(float16)', 'tensor(float)', 'tensor(double)'], V: ['seq(tensor(float))', 'map(int64,tensor(float))'] },
    attributes: [
      { name: 'axis', type: 'int', required: false, defaultValue: '-1' },
      { name: 'stash_type', type: 'int', required: false, defaultValue: '1' },
      { name: 'body', type: 'graph', required: true },
    ],
  });
  assert.equal(gelu!.domain, 'com.microsoft');
  assert.equal(gelu!.opType, 'FastGelu');
  assert.equal(gelu!.sinceVersion, 1);
  // An experimental operator takes its version from its anchor and its domain from its section.
  assert.equal(upsample1!.domain, 'com.microsoft');
  assert.equal(upsample1!.sinceVersion, 1);
  assert.equal(upsample10!.deprecated, true);
  assert.equal(upsample10!.sinceVersion, 10);
});

test('an unreadable parameter is an error naming the operator', () => {
  const broken = EXCERPT.replace('<dt><tt>X</tt> : T</dt>', '<dt><tt>X</tt> T</dt>');
  assert.throws(() => parseOperatorDocument(broken), /cannot read parameter "<tt>X<\/tt> T" of "LayerNormalization-17"/);
});

test('type lists split at top-level commas only', () => {
  assert.deepEqual(splitTypeList('tensor(a), map(int64, tensor(b)), seq(tensor(c))'), ['tensor(a)', 'map(int64, tensor(b))', 'seq(tensor(c))']);
});

const REFERENCE = process.env.ONNX_REFERENCE_DIR ?? '../shared/reference';
test('the committed table is what the reference documents generate', { skip: existsSync(REFERENCE) ? false : `${REFERENCE} not found` }, () => {
  const documents = ['onnx-Changelog.md', 'onnx-Changelog-ml.md', 'onnxruntime-ContribOperators.md'];
  const schemas = documents.flatMap((file) => parseOperatorDocument(readFileSync(join(REFERENCE, file), 'utf8')));
  const expected = formatSchemaTable(schemas, documents, readFileSync(join(REFERENCE, 'SOURCES.txt'), 'utf8').trim());
  assert.equal(readFileSync('src/schema/op-schemas.generated.ts', 'utf8'), expected, 'run npm run gen:ops');
  assert.ok(schemas.length > 700);
});
