/**
 * `onnx-float16 convert IN [-o OUT] [options]`: float32 -> float16 (or bfloat16), file to file.
 * Weights stream from the input (and its data files) to the output, converted chunk by chunk.
 * The report goes to stderr, or as JSON to stdout with --json.
 */
import { statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { convertModel, DataType, DEFAULT_OP_BLOCK_LIST, describeReason, loadModel, readNodeBlockList, saveModel, sourceFilesOf, ValidationError, type ConversionReport, type ConvertOptions, type KeptNodeRecord } from '../node.js';
import { forEachTensor, TensorProto_DataLocation, type ModelProto } from '../low-level.js';
import { formatBytes, formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { Progress } from './progress.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const CONVERT_HELP = `Usage: onnx-float16 convert IN [-o OUT] [options]

Converts a float32 ONNX model to float16 (or bfloat16). Nodes that must stay
float32 (blocked ops, operators without float16 at the model's opset, constants
beyond float16's range, unknown operators) keep float32 with Casts around them.

Options:
  -o, --output FILE            output model (default: IN with _fp16 or _bf16 added)
  --to float16|bfloat16        target type (default float16)
  --keep-io-types[=a,b]        keep graph inputs/outputs float32 (all, or those named)
  --op-block-list A,B          op types kept float32, "Op" or "domain::Op"; replaces
                               the default list (--op-block-list= for none)
  --node-block-list n1,n2|@F   nodes kept float32, by name or address ("#3",
                               "If_0/then_branch/#2"); @F reads names from file F
                               (one per line, or a JSON list)
  --min-positive-val X         smaller magnitudes are raised to X (default 1e-7)
  --max-finite-val X           larger finite magnitudes are lowered to X (default 1e4);
                               nodes reading them stay float32 unless
                               --no-block-out-of-range
  --disable-shape-infer        use only the types the model declares
  --no-check-fp16-ready        convert models that already hold float16 values
  --force-fp16-initializers    convert every float32 initializer
  --force-fp16-inputs Op=1,2   convert these inputs of ops listed in ALWAYS_FLOAT_INPUTS
  --no-block-out-of-range      convert nodes whose constants exceed --max-finite-val
                               (they are clipped, as in Python) instead of keeping
                               them float32
  --external-data[=FILE]       write weights to an external data file (default
                               OUT.data; automatic when IN uses external data)
  --json                       print the report as JSON on stdout
  -h, --help

Default op block list: ${DEFAULT_OP_BLOCK_LIST.join(', ')}`;

const OPTIONAL_VALUE_FLAGS = ['--keep-io-types', '--external-data'];

export async function convertCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    writeLine(io.stdout, CONVERT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`convert takes one input model, got ${positionals.length}`);
  const input = positionals[0]!;
  const to = parseTarget(values.to);
  const output = values.output ?? defaultOutput(input, to);
  const options = convertOptions(values);
  const progress = new Progress(io.stderr);

  const start = performance.now();
  const model = await loadModel(input);
  // Measured before writing: converting in place replaces these files.
  const inputBytes = sourceFilesOf(model).reduce((n, file) => n + statSync(file).size, 0) || statSync(input).size;
  const { model: converted, report } = convertNamingFile(input, () => convertModel(model, options, to));
  // A model with external data keeps it; otherwise saveModel uses it only where one file cannot hold the result (2 GB).
  const location = values['external-data'] || `${basename(output)}.data`;
  const externalData = values['external-data'] !== undefined || usesExternalData(model) ? { location } : 'auto';
  const saved = await saveModel(converted, output, {
    externalData,
    onProgress: (done, total) => progress.update(`writing ${output}`, done, total),
  });
  progress.finish();
  const elapsedMs = performance.now() - start;
  const outputBytes = saved.bytes + (saved.externalData?.bytes ?? 0);
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ input, output, externalData: saved.externalData?.location ?? null, inputBytes, outputBytes, ...report, elapsedMs }, null, 2));
  } else {
    writeLine(io.stderr, formatReport(input, output, inputBytes, outputBytes, report, elapsedMs));
  }
  return 0;
}

/** Whether any tensor of the (input) model keeps its bytes in an external data file. */
function usesExternalData(model: ModelProto): boolean {
  let found = false;
  forEachTensor(model, (tensor) => {
    if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) found = true;
  });
  return found;
}

function parse(args: string[]) {
  const normalized = args.map((a) => (OPTIONAL_VALUE_FLAGS.includes(a) ? `${a}=` : a));
  return parseCommandArgs(normalized, {
    output: { type: 'string', short: 'o' },
    to: { type: 'string' },
    'keep-io-types': { type: 'string' },
    'op-block-list': { type: 'string' },
    'node-block-list': { type: 'string' },
    'min-positive-val': { type: 'string' },
    'max-finite-val': { type: 'string' },
    'disable-shape-infer': { type: 'boolean' },
    'no-check-fp16-ready': { type: 'boolean' },
    'force-fp16-initializers': { type: 'boolean' },
    'force-fp16-inputs': { type: 'string', multiple: true },
    'no-block-out-of-range': { type: 'boolean' },
    'external-data': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

type Values = ReturnType<typeof parse>['values'];

function parseTarget(text: string | undefined): number {
  if (text === undefined || text === 'float16' || text === 'fp16') return DataType.FLOAT16;
  if (text === 'bfloat16' || text === 'bf16') return DataType.BFLOAT16;
  throw new UsageError(`--to must be float16 or bfloat16, got "${text}"`);
}

function defaultOutput(input: string, to: number): string {
  const ext = extname(input) || '.onnx';
  const stem = basename(input, extname(input));
  return join(dirname(input), `${stem}_${to === DataType.BFLOAT16 ? 'bf16' : 'fp16'}${ext}`);
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function numberFlag(values: Values, name: 'min-positive-val' | 'max-finite-val'): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return value;
}

/** Reads a node list: "a,b", or "@file" with one name per line or a JSON list (as `auto --save-block-list` writes). */
export function readNodeList(text: string): string[] {
  return text.startsWith('@') ? readNodeBlockList(text.slice(1)) : list(text);
}

function convertOptions(values: Values): ConvertOptions {
  const options: ConvertOptions = {};
  const keep = values['keep-io-types'];
  if (keep !== undefined) options.keepIoTypes = keep === '' ? true : list(keep);
  if (values['op-block-list'] !== undefined) options.opBlockList = list(values['op-block-list']);
  if (values['node-block-list'] !== undefined) options.nodeBlockList = readNodeList(values['node-block-list']);
  const min = numberFlag(values, 'min-positive-val');
  const max = numberFlag(values, 'max-finite-val');
  if (min !== undefined) options.minPositiveVal = min;
  if (max !== undefined) options.maxFiniteVal = max;
  if (values['disable-shape-infer']) options.disableShapeInfer = true;
  if (values['no-check-fp16-ready']) options.checkFp16Ready = false;
  if (values['force-fp16-initializers']) options.forceFp16Initializers = true;
  if (values['no-block-out-of-range']) options.blockOutOfRangeConstants = false;
  if (values['force-fp16-inputs']) {
    const forced: Record<string, number[]> = {};
    for (const entry of values['force-fp16-inputs']) {
      const match = /^([\w.:]+)=([\d,]+)$/.exec(entry);
      if (!match) throw new UsageError(`--force-fp16-inputs takes Op=1,2, got "${entry}"`);
      forced[match[1]!] = list(match[2]!).map(Number);
    }
    options.forceFp16Inputs = forced;
  }
  return options;
}

function formatReport(input: string, output: string, inputBytes: number, outputBytes: number, report: ConversionReport, elapsedMs: number): string {
  const lines: string[] = [];
  const converted = report.tensors.reduce((n, t) => n + t.bytesBefore, 0);
  const after = report.tensors.reduce((n, t) => n + t.bytesAfter, 0);
  lines.push(`${input} -> ${output} (${report.target})`);
  lines.push(`  ${report.nodeCount} nodes, ${report.keptNodes.length} kept float32, ${report.casts.length} Casts inserted`);
  lines.push(`  ${report.tensors.length} tensors converted: ${formatBytes(converted)} -> ${formatBytes(after)}; file ${formatBytes(inputBytes)} -> ${formatBytes(outputBytes)}`);
  if (report.keptNodes.length > 0) {
    lines.push('Kept float32:');
    const shown = report.keptNodes.slice(0, 30);
    lines.push(formatTable(shown.map((k) => [k.address, k.domain ? `${k.domain}::${k.opType}` : k.opType, formatReason(k)])));
    if (report.keptNodes.length > shown.length) lines.push(`  ... and ${report.keptNodes.length - shown.length} more (--json lists all)`);
  }
  const clipped = report.tensors.filter((t) => t.clampedSmall + t.clampedLarge > 0);
  if (clipped.length > 0) {
    const small = clipped.reduce((n, t) => n + t.clampedSmall, 0);
    const large = clipped.reduce((n, t) => n + t.clampedLarge, 0);
    lines.push(`Clipped: ${small} tiny and ${large} large values in ${clipped.length} tensors (--json lists them)`);
  }
  for (const w of report.warnings.filter((w) => w.kind === 'io' || w.kind === 'unknownName' || w.kind === 'advice')) lines.push(`warning: ${w.message}`);
  lines.push(`Done in ${(elapsedMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}

/** Why a node stayed float32, as one table cell: the one place the CLI renders a kept node's reason. */
function formatReason(kept: KeptNodeRecord): string {
  return describeReason(kept.reason);
}

/** A model that is invalid as given is reported with its file: "m.onnx: the input model is invalid: node ...". */
function convertNamingFile<T>(input: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`${input}: ${error.message}`);
    throw error;
  }
}
