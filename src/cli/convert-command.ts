/**
 * `onnx-float16 convert IN... [-o OUT | --out-dir DIR] [options]`: float32 -> float16 (or
 * bfloat16), file to file. Weights stream from the input (and its data files) to the output,
 * converted chunk by chunk. Several inputs, or a folder, make a batch (batch.ts picks the
 * models): one progress display, a summary table, and a model that fails does not stop the rest.
 * The report goes to stderr, or as JSON to stdout with --json.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DataType, DEFAULT_OP_BLOCK_LIST, describeReason, isLibraryError, loadModel, readNodeBlockList, saveModel, sourceFilesOf, ValidationError, type ConversionReport, type ConvertOptions, type KeptNodeRecord } from '../node.js';
import { convertAndSave, forEachTensor, TensorProto_DataLocation, type ModelProto } from '../low-level.js';
import { batchJobs, type ConvertJob } from './batch.js';
import { commaList, CONVERSION_HELP, CONVERSION_OPTIONS, conversionOptions, formatOptions, TARGET_HELP, TARGET_OPTION, targetType } from './command-options.js';
import { formatBytes, formatOp, formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { Progress } from './progress.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const CONVERT_HELP = `Usage: onnx-float16 convert IN... [-o OUT | --out-dir DIR] [options]

Converts float32 ONNX models to float16 (or bfloat16). Nodes that must stay
float32 (blocked ops, operators without float16 at the model's opset, constants
beyond float16's range, unknown operators, operators the target runtime would
not run in float16) keep float32 with Casts around them.

IN is a model file or a folder. A folder converts every .onnx file in it (and
its sub-folders) whose name is not already a variant (_fp16, _bf16, _q4, _q4f16,
_int8, _uint8, _quantized, _mixed, ...). Each model's data file follows it.
Several models make a batch: a model that fails is reported and the others still
convert; the exit code is 1 if any failed.

Options:
${formatOptions([
  ['-o, --output FILE', 'output model, for one input model (default: IN with', '_fp16 or _bf16 added, beside it; a _q4 model', 'becomes _q4f16)'],
  ['--out-dir DIR', 'write outputs into DIR (keeping sub-folders of a', 'folder input) instead of beside their inputs'],
  TARGET_HELP,
  ['--keep-io-types[=a,b]', 'keep graph inputs/outputs float32 (all, or those named)'],
  ['--node-block-list n1,n2|@F', 'nodes kept float32, by name or address ("#3",', '"If_0/then_branch/#2"); @F reads names from file F', '(one per line, or a JSON list)'],
  ...CONVERSION_HELP,
  ['--external-data[=FILE]', 'write weights to an external data file (default', 'OUT.data; automatic when IN uses external data)'],
  ['--json', 'print the report as JSON on stdout (a batch: a list', 'with one report per model)'],
  ['-h, --help'],
])}

Default op block list: ${DEFAULT_OP_BLOCK_LIST.join(', ')}`;

const OPTIONAL_VALUE_FLAGS = ['--keep-io-types', '--external-data'];

/** What one conversion wrote, for the report and the batch summary. */
interface ConvertOutcome {
  /** What kind of quantized model this is and what the conversion did about it (null: not quantized). */
  quantization: string | null;
  input: string;
  output: string;
  externalData: string | null;
  inputBytes: number;
  outputBytes: number;
  report: ConversionReport;
  elapsedMs: number;
}

export async function convertCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    writeLine(io.stdout, CONVERT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('convert takes at least one input model or folder');
  const to = targetType(values.to);
  const options = convertOptions(values);
  const { jobs, batch } = batchJobs(positionals, { to: to === DataType.BFLOAT16 ? 'bf16' : 'fp16', outDir: values['out-dir'], output: values.output });
  if (values['external-data'] && jobs.length > 1) throw new UsageError('--external-data=FILE names one data file; for several models give --external-data without a name');
  if (!batch) {
    const outcome = await convertOne(jobs[0]!, options, to, values, new Progress(io.stderr));
    if (values.json) writeLine(io.stdout, JSON.stringify(outcomeJson(outcome), null, 2));
    else writeLine(io.stderr, formatReport(outcome));
    return 0;
  }
  return convertBatch(jobs, options, to, values, io);
}

/** Converts every job in turn; a failure is reported and the batch goes on. Exit code 1 if any failed. */
async function convertBatch(jobs: readonly ConvertJob[], options: ConvertOptions, to: number, values: Values, io: CliStreams): Promise<number> {
  if (jobs.length === 0) {
    writeLine(io.stderr, 'no models to convert (folders hold no .onnx file that is not already a variant)');
    return 1;
  }
  const progress = new Progress(io.stderr);
  const results: ({ job: ConvertJob; outcome: ConvertOutcome } | { job: ConvertJob; error: string })[] = [];
  for (const [index, job] of jobs.entries()) {
    writeLine(io.stderr, `[${index + 1}/${jobs.length}] ${job.input} -> ${job.output}`);
    try {
      const outcome = await convertOne(job, options, to, values, progress, `[${index + 1}/${jobs.length}] `);
      if (outcome.quantization) writeLine(io.stderr, `  ${outcome.quantization}`);
      for (const warning of shownWarnings(outcome.report)) writeLine(io.stderr, `  warning: ${warning}`);
      results.push({ job, outcome });
    } catch (error) {
      progress.finish();
      // A library error is bad input (one line); anything else is a bug, reported with its stack at the end.
      const message = isLibraryError(error) || !(error instanceof Error) ? oneLine(error) : (error.stack ?? error.message);
      writeLine(io.stderr, `  failed: ${message.split('\n')[0]}`);
      results.push({ job, error: message });
    }
  }
  const failed = results.filter((r) => 'error' in r).length;
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(results.map((r) => ('error' in r ? { input: r.job.input, output: r.job.output, error: r.error } : outcomeJson(r.outcome))), null, 2));
  }
  const rows = results.map((r) =>
    'error' in r
      ? [r.job.input, 'FAILED', '', '', '', oneLine(r.error)]
      : [r.outcome.input, `${r.outcome.report.keptNodes.length}/${r.outcome.report.nodeCount}`, formatBytes(r.outcome.inputBytes), formatBytes(r.outcome.outputBytes), `${(r.outcome.elapsedMs / 1000).toFixed(2)} s`, r.outcome.output],
  );
  writeLine(io.stderr, formatTable([['model', 'kept', 'before', 'after', 'time', 'output'], ...rows]));
  writeLine(io.stderr, `${results.length - failed} of ${results.length} models converted${failed > 0 ? `, ${failed} failed` : ''}`);
  return failed > 0 ? 1 : 0;
}

/** Converts one model; the progress bar (large models only) follows the one pass that reads, converts and writes the weights. */
async function convertOne(job: ConvertJob, options: ConvertOptions, to: number, values: Values, progress: Progress, prefix = ''): Promise<ConvertOutcome> {
  const start = performance.now();
  const model = await loadModel(job.input);
  const inputBytes = sourceBytes(model, job.input);
  // A model with external data keeps it; otherwise saveModel uses it only where one file cannot hold the result (2 GB).
  const location = values['external-data'] || `${basename(job.output)}.data`;
  const externalData = values['external-data'] !== undefined || usesExternalData(model) ? { location } : 'auto';
  const save = (converted: ModelProto) => {
    // --out-dir and the sub-folders a folder input keeps there are made as needed, once the conversion has succeeded.
    if (values['out-dir'] !== undefined) mkdirSync(dirname(job.output), { recursive: true });
    return saveModel(converted, job.output, { externalData, onProgress: (done, total) => progress.update(`${prefix}converting ${job.input} to ${job.output}`, done, total) });
  };
  // Each weight is read once: converted, measured and written in one pass (see convertAndSave).
  const { report, saved } = await convertNamingFile(job.input, () => convertAndSave(model, save, options, to));
  progress.finish();
  return {
    quantization: quantizationNote(model, report),
    input: job.input,
    output: job.output,
    externalData: saved.externalData?.location ?? null,
    inputBytes,
    outputBytes: saved.bytes + (saved.externalData?.bytes ?? 0),
    report,
    elapsedMs: performance.now() - start,
  };
}

function outcomeJson(outcome: ConvertOutcome) {
  const { input, output, externalData, inputBytes, outputBytes, report, elapsedMs, quantization } = outcome;
  return { input, output, externalData, inputBytes, outputBytes, quantization, ...report, elapsedMs };
}

/** The bytes of the model file and the data files it reads. */
function sourceBytes(model: ModelProto, input: string): number {
  const files = sourceFilesOf(model);
  return (files.length > 0 ? files : [input]).reduce((n, file) => n + statSync(file).size, 0);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
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
    'out-dir': { type: 'string' },
    ...TARGET_OPTION,
    'keep-io-types': { type: 'string' },
    'node-block-list': { type: 'string' },
    ...CONVERSION_OPTIONS,
    'external-data': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

type Values = ReturnType<typeof parse>['values'];

/** Reads a node list: "a,b", or "@file" with one name per line or a JSON list (as `auto --save-block-list` writes). */
export function readNodeList(text: string): string[] {
  return text.startsWith('@') ? readNodeBlockList(text.slice(1)) : commaList(text);
}

function convertOptions(values: Values): ConvertOptions {
  const options: ConvertOptions = conversionOptions(values);
  const keep = values['keep-io-types'];
  if (keep !== undefined) options.keepIoTypes = keep === '' ? true : commaList(keep);
  if (values['node-block-list'] !== undefined) options.nodeBlockList = readNodeList(values['node-block-list']);
  return options;
}

const DYNAMIC_QUANTIZATION_OPS = ['DynamicQuantizeLinear', 'MatMulInteger', 'ConvInteger'];
const WEIGHT_QUANTIZATION_OPS = ['MatMulNBits', 'GatherBlockQuantized', 'DequantizeLinear'];

/** One line on a quantized model: which quantization, and what the conversion did about it. */
function quantizationNote(model: ModelProto, report: ConversionReport): string | null {
  const ops = new Map<string, number>();
  for (const node of model.graph?.node ?? []) ops.set(node.opType, (ops.get(node.opType) ?? 0) + 1);
  const list = (names: string[]) => names.filter((n) => ops.has(n)).map((n) => `${ops.get(n)} ${n}`).join(', ');
  if (DYNAMIC_QUANTIZATION_OPS.some((op) => ops.has(op))) {
    const kept = report.keptNodes.filter((k) => k.reason.kind === 'dynamicQuantization').length;
    return `dynamically quantized (${list(DYNAMIC_QUANTIZATION_OPS)}): ${kept} nodes on its float path kept float32 (float16 there adds Casts, saves no weight bytes, and can overflow the int32 accumulators)`;
  }
  if (WEIGHT_QUANTIZATION_OPS.some((op) => ops.has(op))) {
    const scales = report.tensors.length;
    return `weight-quantized (${list(WEIGHT_QUANTIZATION_OPS)}): packed weights kept as they are; ${scales} float tensors (scales, biases, float weights) converted${ops.has('MatMulNBits') ? ' (q4 -> q4f16)' : ''}`;
  }
  return null;
}

function formatReport({ input, output, inputBytes, outputBytes, report, elapsedMs, quantization }: ConvertOutcome): string {
  const lines: string[] = [];
  const converted = report.tensors.reduce((n, t) => n + t.bytesBefore, 0);
  const after = report.tensors.reduce((n, t) => n + t.bytesAfter, 0);
  lines.push(`${input} -> ${output} (${report.target})`);
  lines.push(`  ${report.nodeCount} nodes, ${report.keptNodes.length} kept float32, ${report.casts.length} Casts inserted`);
  if (report.runtime !== 'none') {
    const forRuntime = report.keptNodes.filter((k) => k.reason.kind === 'runtime').length;
    lines.push(`  runtime ${report.runtime}: ${forRuntime} node${forRuntime === 1 ? '' : 's'} kept float32 that it would not run in ${report.target}`);
  }
  lines.push(`  ${report.tensors.length} tensors converted: ${formatBytes(converted)} -> ${formatBytes(after)}; file ${formatBytes(inputBytes)} -> ${formatBytes(outputBytes)}`);
  if (quantization) lines.push(`  ${quantization}`);
  if (report.keptNodes.length > 0) {
    lines.push('Kept float32:');
    const shown = report.keptNodes.slice(0, 30);
    lines.push(formatTable(shown.map((k) => [k.address, formatOp(k.domain, k.opType), formatReason(k)])));
    if (report.keptNodes.length > shown.length) lines.push(`  ... and ${report.keptNodes.length - shown.length} more (--json lists all)`);
  }
  const clipped = report.tensors.filter((t) => t.clampedSmall + t.clampedLarge > 0);
  if (clipped.length > 0) {
    const small = clipped.reduce((n, t) => n + t.clampedSmall, 0);
    const large = clipped.reduce((n, t) => n + t.clampedLarge, 0);
    lines.push(`Clipped: ${small} tiny and ${large} large values in ${clipped.length} tensors (--json lists them)`);
  }
  for (const warning of shownWarnings(report)) lines.push(`warning: ${warning}`);
  lines.push(`Done in ${(elapsedMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}

/** The warnings the text report prints (fallbacks are the kept-node table; clipping its own line). */
function shownWarnings(report: ConversionReport): string[] {
  return report.warnings.filter((w) => w.kind === 'io' || w.kind === 'unknownName' || w.kind === 'advice').map((w) => w.message);
}

/** Why a node stayed float32, as one table cell: the one place the CLI renders a kept node's reason. */
function formatReason(kept: KeptNodeRecord): string {
  return describeReason(kept.reason);
}

/** A model that is invalid as given is reported with its file: "m.onnx: the input model is invalid: node ...". */
async function convertNamingFile<T>(input: string, convert: () => Promise<T>): Promise<T> {
  try {
    return await convert();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`${input}: ${error.message}`);
    throw error;
  }
}
