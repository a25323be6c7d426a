/**
 * `npm run gen:runtimes`: regenerates src/schema/runtime-kernels.generated.ts from onnxruntime's
 * operator tables in ../shared/reference (or the folder given as the first argument). The
 * documents stay where they are; only the compact table is committed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRuntimeTable } from './runtime-docs/format-runtime-table.js';
import { parseRuntimeDocuments, RUNTIME_DOCUMENTS } from './runtime-docs/runtime-documents.js';

const referenceDir = process.argv[2] ?? '../shared/reference';
const parsed = parseRuntimeDocuments((file) => readFileSync(join(referenceDir, file), 'utf8'));
const sources = readFileSync(join(referenceDir, 'SOURCES.txt'), 'utf8').trim();
const out = 'src/schema/runtime-kernels.generated.ts';
writeFileSync(out, formatRuntimeTable(parsed, RUNTIME_DOCUMENTS, sources));
console.log(`${out}: ${parsed.registrations.length} kernel registrations and ${parsed.functions.length} function operators from ${RUNTIME_DOCUMENTS.join(', ')}`);
