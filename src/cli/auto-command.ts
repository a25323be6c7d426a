/**
 * `onnx-float16 auto IN [-o OUT] (--feeds PATH ... | --random [--dim name=N ...]) [options]`:
 * finds the nodes that must stay float32 for the outputs to stay within tolerance, then converts
 * the rest. Progress on stderr (a live line on a terminal, one line per attempt otherwise); the
 * summary on stderr, or everything as JSON on stdout with --json.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { convertModel, DataType, findNodeBlockList, loadModel, randomFeeds, readFeeds, saveModel, type AttemptEvent, type Feeds } from '../node.js';
import { formatTable } from './format.js';
import { runtimeChoice } from './convert-command.js';
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
  -o, --output FILE        output model (default: IN with _mixed added)
  --feeds PATH             inputs: an ONNX test-data folder (input_0.pb, ...), a
                           .npz, a .npy (name=file.npy), or JSON; repeat for more sets
  --random                 random inputs instead (floats in [-1, 1), ints in [0, 2))
  --dim name=N             size of a symbolic dimension for --random (default 1)
  --shape input=1,512      whole shape of an input for --random
  --seed N                 seed for --random (default 1)
  --rtol X, --atol X       tolerances as numpy.allclose (Python's defaulting rules)
  --keep-io-types          keep graph inputs and outputs float32
  --strategy NAME          guided (default: ranks the nodes by where the float16
                           error appears, then a short search) or bisect
                           (onnxconverter-common's search)
  --provider NAME          onnxruntime execution provider: cpu (default, emulated
                           float16), cuda, ... (runs the float16 model itself)
  --to float16|bfloat16    target type (default float16)
  --runtime NAME           where the result will run (as convert --runtime):
                           ort-cpu (default for float16), ort-cuda, ort-dml,
                           ort-webgpu, ort-webnn or none (default for bfloat16);
                           nodes it would not run in the target type stay float32
  --save-block-list FILE   write the node block list as JSON; reuse it with
                           convert --node-block-list @FILE
  --json                   print the report as JSON on stdout
  -h, --help`;

export async function autoCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parse(args);
  const out = (text: string) => writeLine(io.stdout, text);
  const err = (text: string) => writeLine(io.stderr, text);
  if (values.help) {
    out(AUTO_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`auto takes one input model, got ${positionals.length}`);
  if (!values.feeds && !values.random) throw new UsageError('give --feeds PATH or --random');
  if (values.feeds && values.random) throw new UsageError('give --feeds or --random, not both');
  if (values.rtol === undefined && values.atol === undefined) throw new UsageError('give --rtol and/or --atol');
  const strategy = values.strategy ?? 'guided';
  if (strategy !== 'guided' && strategy !== 'bisect') throw new UsageError(`--strategy takes guided or bisect, got "${strategy}"`);
  if (values.to !== undefined && !['float16', 'fp16', 'bfloat16', 'bf16'].includes(values.to)) throw new UsageError(`--to takes float16 or bfloat16, got "${values.to}"`);
  const input = positionals[0]!;
  const to = values.to === 'bfloat16' || values.to === 'bf16' ? DataType.BFLOAT16 : DataType.FLOAT16;
  const output = values.output ?? join(dirname(input), `${basename(input, extname(input))}_mixed${extname(input) || '.onnx'}`);
  const model = await loadModel(input);
  const feeds: Feeds[] = values.random
    ? [randomFeeds(model, { dims: parseDims(values.dim ?? []), seed: Number(values.seed ?? 1), shapes: parseShapes(values.shape ?? []) })]
    : values.feeds!.map((spec) => readFeeds(spec, model));
  const live = io.stderr.isTTY === true && !values.json;
  const onProgress = (event: AttemptEvent) => {
    const segments = event.segments ? ` | segments: ${event.segments.converted} converted, ${event.segments.kept} kept, ${event.segments.pending} pending` : '';
    const line = `attempt ${event.attempt} (${event.phase}, run ${event.runs}): ${event.blocked}/${event.candidates} nodes float32 -> ${event.passed ? 'pass' : 'fail'}${event.error ? ` (${event.error})` : ''}${segments}`;
    if (live) io.stderr.write(`\r\u001b[2K${line}`);
    else err(line);
  };
  const convertOptions = values.runtime === undefined ? {} : { runtime: runtimeChoice(values.runtime) };
  const result = await findNodeBlockList(model, feeds, {
    convertOptions,
    rtol: number(values.rtol, 'rtol'),
    atol: number(values.atol, 'atol'),
    keepIoTypes: values['keep-io-types'] ?? false,
    strategy,
    ...(values.provider ? { provider: values.provider } : {}),
    to,
    onProgress,
  });
  if (live) io.stderr.write('\n');
  const { model: converted, report } = convertModel(model, { ...convertOptions, keepIoTypes: values['keep-io-types'] ?? false, nodeBlockList: result.nodeBlockList }, to);
  await saveModel(converted, output);
  if (values['save-block-list']) writeFileSync(values['save-block-list'], `${JSON.stringify({ nodeBlockList: result.nodeBlockList }, null, 2)}\n`);
  if (values.json) {
    out(JSON.stringify({ input, output, ...result, keptNodes: report.keptNodes, casts: report.casts.length }, null, 2));
  } else {
    err(`${input} -> ${output}`);
    err(`  ${result.runs} model runs, ${result.attempts} attempts (${result.strategy}), ${(result.elapsedMs / 1000).toFixed(2)} s; ${result.nodeBlockList.length} of ${result.candidates} candidate nodes kept float32`);
    if (result.nodeBlockList.length > 0) err(`  nodeBlockList: ${result.nodeBlockList.join(', ')}`);
    err('  final error per output:');
    err(formatTable(result.finalErrors.map((e) => [e.output, `max abs ${e.maxAbsError.toPrecision(3)}`, `max rel ${e.maxRelError.toPrecision(3)}`]), '    '));
  }
  return 0;
}

function parse(args: string[]) {
  return parseCommandArgs(args, {
    output: { type: 'string', short: 'o' },
    feeds: { type: 'string', multiple: true },
    random: { type: 'boolean' },
    dim: { type: 'string', multiple: true },
    shape: { type: 'string', multiple: true },
    seed: { type: 'string' },
    rtol: { type: 'string' },
    atol: { type: 'string' },
    'keep-io-types': { type: 'boolean' },
    strategy: { type: 'string' },
    provider: { type: 'string' },
    to: { type: 'string' },
    runtime: { type: 'string' },
    'save-block-list': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

export function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return value;
}

export function parseShapes(specs: string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=([\d,]*)$/.exec(spec);
    if (!match) throw new UsageError(`--shape takes input=1,512, got "${spec}"`);
    shapes[match[1]!] = match[2] ? match[2].split(',').map(Number) : [];
  }
  return shapes;
}

export function parseDims(specs: string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=(\d+)$/.exec(spec);
    if (!match) throw new UsageError(`--dim takes name=N, got "${spec}"`);
    dims[match[1]!] = Number(match[2]);
  }
  return dims;
}
