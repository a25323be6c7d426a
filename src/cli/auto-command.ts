/**
 * `onnx-float16 auto IN [-o OUT] (--feeds PATH ... | --random [--dim name=N ...]) [options]`:
 * finds the nodes that must stay float32 for the outputs to stay within tolerance, then converts
 * the rest. Progress on stderr (a live line on a terminal, one line per attempt otherwise); the
 * summary on stderr, or everything as JSON on stdout with --json.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { convertModel, findNodeBlockList, loadModel, saveModel, type AttemptEvent, type Feeds } from '../node.js';
import { CONVERSION_HELP, CONVERSION_OPTIONS, conversionOptions, FEEDS_HELP, FEEDS_OPTIONS, feedsReader, formatOptions, TARGET_HELP, TARGET_OPTION, targetType, TOLERANCE_OPTIONS, tolerances } from './command-options.js';
import { formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const AUTO_HELP = `Usage: onnx-float16 auto IN [-o OUT] (--feeds PATH ... | --random [--dim name=N ...]) [options]

Finds the nodes that must stay float32 for the model's outputs to stay within
tolerance of the float32 model on the given inputs, then converts the rest.
On the CPU, each attempt runs a float32 emulation of the converted model that
rounds like float16 hardware between ops (onnxruntime's CPU provider would not);
one emulation model, loaded once, serves every attempt. Everything float16 is
tried first, then every node float32: if that fails too, auto stops at once.

Options:
${formatOptions([
  ['-o, --output FILE', 'output model (default: IN with _mixed added)'],
  ...FEEDS_HELP,
  ['--rtol X, --atol X', 'tolerances as numpy.allclose (Python\'s defaulting rules)'],
  ['--keep-io-types', 'keep graph inputs and outputs float32'],
  ['--strategy NAME', 'guided (default: ranks the nodes by where the float16', 'error appears, then a short search) or bisect', '(onnxconverter-common\'s search)'],
  ['--provider NAME', 'onnxruntime execution provider: cpu (default, emulated', 'float16), cuda, ... (runs the float16 model itself;', 'cuda, dml and webgpu imply --runtime ort-cuda, ...)'],
  TARGET_HELP,
  ...CONVERSION_HELP,
  ['--save-block-list FILE', 'write the node block list as JSON; reuse it with', 'convert --node-block-list @FILE'],
  ['--json', 'print the report as JSON on stdout'],
  ['-h, --help'],
])}`;

export async function autoCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parse(args);
  const out = (text: string) => writeLine(io.stdout, text);
  const err = (text: string) => writeLine(io.stderr, text);
  if (values.help) {
    out(AUTO_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`auto takes one input model, got ${positionals.length}`);
  const readFeedSets = feedsReader(values);
  if (values.rtol === undefined && values.atol === undefined) throw new UsageError('give --rtol and/or --atol');
  const { rtol, atol } = tolerances(values);
  const strategy = values.strategy ?? 'guided';
  if (strategy !== 'guided' && strategy !== 'bisect') throw new UsageError(`--strategy takes guided or bisect, got "${strategy}"`);
  const to = targetType(values.to);
  const convertOptions = conversionOptions(values);
  const keepIoTypes = values['keep-io-types'] ?? false;
  const input = positionals[0]!;
  const output = values.output ?? join(dirname(input), `${basename(input, extname(input))}_mixed${extname(input) || '.onnx'}`);
  const model = await loadModel(input);
  // One conversion before the search: a misspelt --op-block-list name, or a model already
  // converted, stops here (or warns once, with --unknown-names warn) instead of failing attempts.
  for (const warning of convertModel(model, { ...convertOptions, keepIoTypes }, to).report.warnings) {
    if (warning.kind === 'unknownName') err(`warning: ${warning.message}`);
  }
  const feeds: Feeds[] = readFeedSets(model);
  const live = io.stderr.isTTY === true && !values.json;
  const onProgress = (event: AttemptEvent) => {
    const segments = event.segments ? ` | segments: ${event.segments.converted} converted, ${event.segments.kept} kept, ${event.segments.pending} pending` : '';
    const line = `attempt ${event.attempt} (${event.phase}, run ${event.runs}): ${event.blocked}/${event.candidates} nodes float32 -> ${event.passed ? 'pass' : 'fail'}${event.error ? ` (${event.error})` : ''}${segments}`;
    if (live) io.stderr.write(`\r\u001b[2K${line}`);
    else err(line);
  };
  const result = await findNodeBlockList(model, feeds, {
    rtol,
    atol,
    keepIoTypes,
    strategy,
    ...(values.provider ? { provider: values.provider } : {}),
    to,
    convertOptions: { ...convertOptions, unknownNames: 'warn' },
    onProgress,
  });
  if (live) io.stderr.write('\n');
  const { model: converted, report } = convertModel(model, { ...convertOptions, unknownNames: 'warn', keepIoTypes, nodeBlockList: result.nodeBlockList }, to);
  await saveModel(converted, output);
  if (values['save-block-list']) writeFileSync(values['save-block-list'], `${JSON.stringify({ nodeBlockList: result.nodeBlockList }, null, 2)}\n`);
  if (values.json) {
    out(JSON.stringify({ input, output, ...result, keptNodes: report.keptNodes, casts: report.casts.length }, null, 2));
  } else {
    err(`${input} -> ${output}`);
    err(`  ${result.runs} model runs, ${result.attempts} attempts (${result.strategy}), ${(result.elapsedMs / 1000).toFixed(2)} s; ${keptSummary(result.nodeBlockList.length, result.candidates, report.keptNodes.length)}`);
    if (result.analysisFailure) err(`  note: the guided analysis run failed (${result.analysisFailure}); candidates were tried in graph order`);
    if (result.nodeBlockList.length > 0) err(`  nodeBlockList: ${result.nodeBlockList.join(', ')}`);
    err('  final error per output:');
    err(formatTable(result.finalErrors.map((e) => [e.output, `max abs ${e.maxAbsError.toPrecision(3)}`, `max rel ${e.maxRelError.toPrecision(3)}`]), '    '));
  }
  return 0;
}

function parse(args: string[]) {
  return parseCommandArgs(args, {
    output: { type: 'string', short: 'o' },
    ...FEEDS_OPTIONS,
    ...TOLERANCE_OPTIONS,
    'keep-io-types': { type: 'boolean' },
    strategy: { type: 'string' },
    provider: { type: 'string' },
    ...TARGET_OPTION,
    ...CONVERSION_OPTIONS,
    'save-block-list': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

/** Blocked candidates and the nodes kept float32 in all (a blocked If/Loop/Scan keeps its bodies, other nodes stay for their own reasons). */
function keptSummary(blocked: number, candidates: number, kept: number): string {
  const summary = `${blocked} of ${candidates} candidate nodes blocked`;
  return kept === blocked ? `${summary} (kept float32)` : `${summary}, ${kept} nodes kept float32 in all`;
}
