/**
 * `onnx-float16 compare A.onnx B.onnx (--feeds PATH ... | --random [--dim name=N]) [options]`:
 * runs both models on the same feeds and prints, per output, how far B is from A and whether it
 * passes the tolerance (exit code 0 when every output passes on every feeds set, 1 otherwise).
 * With --locate, names the first nodes where B departs from A.
 */
import { compareModels, loadModel, type ComparisonResult, type Feeds } from '../node.js';
import { FEEDS_HELP, FEEDS_OPTIONS, feedsReader, formatOptions, TOLERANCE_OPTIONS, tolerances } from './command-options.js';
import { formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const COMPARE_HELP = `Usage: onnx-float16 compare A.onnx B.onnx (--feeds PATH ... | --random [--dim name=N ...]) [options]

Runs model A (the reference, e.g. float32) and model B (e.g. its float16
conversion) on the same inputs and prints, per output: max abs error, max
relative error, L2-relative error, cosine similarity, NaN/Inf counts, and
pass/fail under numpy.allclose (|a - b| <= atol + rtol * |b|, as auto checks).
Float32 inputs are rounded where B takes float16. Exit code 0 when every output
passes, 1 otherwise.

On the CPU (the default), a float16 B is measured through its emulation: float16
rounding between ops, as float16 hardware computes (onnxruntime's CPU provider
computes float16 models in float32 between Casts and would hide overflow).
--provider runs B itself on a float16-capable provider.

Options:
${formatOptions([
  ...FEEDS_HELP,
  ['--rtol X, --atol X', 'tolerances (default rtol 1e-2, atol 2e-2, for outputs of', 'unit scale; one alone defaults the other as auto does)'],
  ['--locate', 'name the first nodes (in topological order) where B\'s', 'values leave float16\'s range, become NaN/Inf, flush to', 'zero, or where the error jumps (B a conversion of A)'],
  ['--provider NAME', 'onnxruntime execution provider: cpu (default, emulated', 'float16), cuda, ... (runs B itself)'],
  ['--json', 'print the results as JSON on stdout'],
  ['-h, --help'],
])}`;

export async function compareCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    writeLine(io.stdout, COMPARE_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`compare takes two models (A, the reference, and B), got ${positionals.length}`);
  const readFeedSets = feedsReader(values);
  const { rtol, atol } = tolerances(values);
  const [pathA, pathB] = positionals as [string, string];
  const a = await loadModel(pathA);
  const b = await loadModel(pathB);
  const feedSets: Feeds[] = readFeedSets(a);
  const results: ComparisonResult[] = [];
  for (const feeds of feedSets) {
    results.push(
      await compareModels(a, b, feeds, {
        rtol,
        atol,
        locate: values.locate ?? false,
        ...(values.provider ? { provider: values.provider } : {}),
      }),
    );
  }
  const passed = results.every((r) => r.passed);
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ a: pathA, b: pathB, passed, results: results.map((r) => ({ ...r, outputs: r.outputs.map(jsonSafe) })) }, null, 2));
  } else {
    writeLine(io.stderr, formatComparison(pathA, pathB, results));
  }
  return passed ? 0 : 1;
}

/** JSON has no Infinity or NaN: such a number is written as a string. */
function jsonSafe<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? String(v) : v])) as T;
}

export function formatComparison(pathA: string, pathB: string, results: readonly ComparisonResult[]): string {
  const lines: string[] = [];
  const first = results[0]!;
  const how =
    first.measured === 'emulated'
      ? `B measured through its ${first.lowType} emulation (rounding between ops, as ${first.lowType} hardware), on ${first.runtime}`
      : `B run as it is on ${first.runtime}${first.lowType ? ` (a CPU provider computes ${first.lowType} in float32 between Casts)` : ''}`;
  lines.push(`A: ${pathA}`, `B: ${pathB}`, how, `tolerance: rtol ${first.rtol}, atol ${first.atol}`);
  results.forEach((result, index) => {
    if (results.length > 1) lines.push(`feeds set ${index + 1}:`);
    const rows = result.outputs.map((o) => [
      o.output,
      fmt(o.maxAbsError),
      fmt(o.maxRelError),
      fmt(o.l2RelError),
      Number.isNaN(o.cosine) ? 'NaN' : o.cosine.toFixed(6),
      `${o.nan.a}/${o.nan.b}`,
      `${o.inf.a}/${o.inf.b}`,
      o.passed ? 'pass' : 'FAIL',
    ]);
    lines.push(formatTable([['output', 'max abs', 'max rel', 'L2 rel', 'cosine', 'NaN A/B', 'Inf A/B', 'result'], ...rows]));
    if (result.located) {
      if (result.located.length === 0) lines.push('located: no node where B leaves the range or the error jumps');
      else lines.push('located (first in topological order):', ...result.located.map((l) => `  ${l.message}`));
    }
  });
  const failed = results.reduce((n, r) => n + r.outputs.filter((o) => !o.passed).length, 0);
  lines.push(failed === 0 ? 'all outputs pass' : `${failed} output${failed === 1 ? '' : 's'} fail`);
  return lines.join('\n');
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

function parse(args: string[]) {
  return parseCommandArgs(args, {
    ...FEEDS_OPTIONS,
    ...TOLERANCE_OPTIONS,
    locate: { type: 'boolean' },
    provider: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}
