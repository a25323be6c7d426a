/**
 * `npm run gen:ops`: regenerates src/schema/op-schemas.generated.ts from the operator documents
 * in ../shared/reference (or the folder given as the first argument). The documents stay where
 * they are; only the compact table is committed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOperatorDocument, type ParsedSchema } from './op-docs/parse-op-docs.js';
import { formatSchemaTable } from './op-docs/format-schema-table.js';

const referenceDir = process.argv[2] ?? '../shared/reference';
const DOCUMENTS = ['onnx-Changelog.md', 'onnx-Changelog-ml.md', 'onnxruntime-ContribOperators.md'];

const schemas: ParsedSchema[] = [];
for (const file of DOCUMENTS) schemas.push(...parseOperatorDocument(readFileSync(join(referenceDir, file), 'utf8')));
const sources = readFileSync(join(referenceDir, 'SOURCES.txt'), 'utf8').trim();
const out = 'src/schema/op-schemas.generated.ts';
writeFileSync(out, formatSchemaTable(schemas, DOCUMENTS, sources));
console.log(`${out}: ${schemas.length} operator versions from ${DOCUMENTS.join(', ')}`);
