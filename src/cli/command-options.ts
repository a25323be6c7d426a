/**
 * Options that more than one command takes, parsed and documented once: the inputs of a model
 * run (auto, compare), numbers, the target type, and the conversion options (convert, auto).
 * Each group is a parseArgs spec, its help lines, and the function that reads its values.
 */
import { DataType, randomFeeds, readFeeds, type ConvertOptions, type Feeds, type ModelProto } from '../node.js';
import { UsageError } from './usage-error.js';

/** One option's help: its flags, then the lines that describe it. */
export type OptionHelp = readonly [flags: string, ...lines: string[]];

/** Option help as aligned columns: descriptions start at `column`, or on the next line after long flags. */
export function formatOptions(rows: readonly OptionHelp[], column = 31): string {
  const pad = ' '.repeat(column);
  return rows
    .flatMap(([flags, ...lines]) => {
      const head = `  ${flags}`;
      if (lines.length === 0) return [head];
      const rest = lines.slice(1).map((line) => pad + line);
      return head.length + 2 > column ? [head, pad + lines[0], ...rest] : [head.padEnd(column) + lines[0], ...rest];
    })
    .join('\n');
}

/** A number option's value; undefined when not given. */
export function numberValue(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${flag} must be a number, got "${text}"`);
  return value;
}

/** "a, b,c" -> ["a", "b", "c"]. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const TOLERANCE_OPTIONS = { rtol: { type: 'string' }, atol: { type: 'string' } } as const;

/** --rtol and --atol as numbers (undefined where not given: the library defaults them). */
export function tolerances(values: { rtol?: string | undefined; atol?: string | undefined }): { rtol: number | undefined; atol: number | undefined } {
  return { rtol: numberValue(values.rtol, 'rtol'), atol: numberValue(values.atol, 'atol') };
}

export const TARGET_OPTION = { to: { type: 'string' } } as const;
export const TARGET_HELP: OptionHelp = ['--to float16|bfloat16', 'target type (default float16)'];

/** The DataType `--to` names (float16 when not given). */
export function targetType(text: string | undefined): number {
  if (text === undefined || text === 'float16' || text === 'fp16') return DataType.FLOAT16;
  if (text === 'bfloat16' || text === 'bf16') return DataType.BFLOAT16;
  throw new UsageError(`--to takes float16 or bfloat16, got "${text}"`);
}

export const FEEDS_OPTIONS = {
  feeds: { type: 'string', multiple: true },
  random: { type: 'boolean' },
  dim: { type: 'string', multiple: true },
  shape: { type: 'string', multiple: true },
  seed: { type: 'string' },
} as const;

export const FEEDS_HELP: readonly OptionHelp[] = [
  ['--feeds PATH', 'inputs: an ONNX test-data folder (input_0.pb, ...), a', '.npz, a .npy (name=file.npy), or JSON; repeat for more sets'],
  ['--random', 'random inputs instead (floats in [-1, 1), ints in [0, 2))'],
  ['--dim name=N', 'size of a symbolic dimension for --random (default 1)'],
  ['--shape input=1,512', 'whole shape of an input for --random'],
  ['--seed N', 'seed for --random (default 1)'],
];

interface FeedsValues {
  feeds?: string[] | undefined;
  random?: boolean | undefined;
  dim?: string[] | undefined;
  shape?: string[] | undefined;
  seed?: string | undefined;
}

/**
 * Checks the feeds options before any model loads (usage errors first); the function returned
 * reads the feed sets for the model: the files named by --feeds, or one random set.
 */
export function feedsReader(values: FeedsValues): (model: ModelProto) => Feeds[] {
  if (!values.feeds && !values.random) throw new UsageError('give --feeds PATH or --random');
  if (values.feeds && values.random) throw new UsageError('give --feeds or --random, not both');
  if (values.feeds) {
    if (values.dim || values.shape || values.seed !== undefined) throw new UsageError('--dim, --shape and --seed size and seed --random inputs; with --feeds the files give them');
    const specs = values.feeds;
    return (model) => specs.map((spec) => readFeeds(spec, model));
  }
  const options = { dims: parseDims(values.dim ?? []), shapes: parseShapes(values.shape ?? []), seed: numberValue(values.seed, 'seed') ?? 1 };
  return (model) => [randomFeeds(model, options)];
}

function parseShapes(specs: readonly string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=([\d,]*)$/.exec(spec);
    if (!match) throw new UsageError(`--shape takes input=1,512, got "${spec}"`);
    shapes[match[1]!] = match[2] ? match[2].split(',').map(Number) : [];
  }
  return shapes;
}

function parseDims(specs: readonly string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=(\d+)$/.exec(spec);
    if (!match) throw new UsageError(`--dim takes name=N, got "${spec}"`);
    dims[match[1]!] = Number(match[2]);
  }
  return dims;
}

/** The conversion options convert and auto share (convert adds the I/O types and the node block list). */
export const CONVERSION_OPTIONS = {
  'op-block-list': { type: 'string' },
  'min-positive-val': { type: 'string' },
  'max-finite-val': { type: 'string' },
  'disable-shape-infer': { type: 'boolean' },
  'no-check-fp16-ready': { type: 'boolean' },
  'force-fp16-initializers': { type: 'boolean' },
  'force-fp16-inputs': { type: 'string', multiple: true },
  'no-block-out-of-range': { type: 'boolean' },
  'unknown-names': { type: 'string' },
} as const;

export const CONVERSION_HELP: readonly OptionHelp[] = [
  ['--op-block-list A,B', 'op types kept float32, "Op" or "domain::Op"; replaces', 'the default list (--op-block-list= for none)'],
  ['--min-positive-val X', 'smaller magnitudes are raised to X (default 1e-7)'],
  ['--max-finite-val X', 'larger finite magnitudes are lowered to X (default 1e4);', 'nodes reading them stay float32 unless', '--no-block-out-of-range'],
  ['--disable-shape-infer', 'use only the types the model declares'],
  ['--no-check-fp16-ready', 'convert models that already hold float16 values'],
  ['--force-fp16-initializers', 'convert every float32 initializer'],
  ['--force-fp16-inputs Op=1,2', 'convert these inputs of ops listed in ALWAYS_FLOAT_INPUTS'],
  ['--no-block-out-of-range', 'convert nodes whose constants exceed --max-finite-val', '(they are clipped, as in Python) instead of keeping', 'them float32'],
  ['--unknown-names error|warn', 'a block-list or --keep-io-types name that matches', 'nothing in the model: an error naming the closest', 'name (default), or a warning and the conversion goes on'],
];

interface ConversionValues {
  'op-block-list'?: string | undefined;
  'min-positive-val'?: string | undefined;
  'max-finite-val'?: string | undefined;
  'disable-shape-infer'?: boolean | undefined;
  'no-check-fp16-ready'?: boolean | undefined;
  'force-fp16-initializers'?: boolean | undefined;
  'force-fp16-inputs'?: string[] | undefined;
  'no-block-out-of-range'?: boolean | undefined;
  'unknown-names'?: string | undefined;
}

/** The ConvertOptions the conversion flags give (only those given: the library applies its defaults). */
export function conversionOptions(values: ConversionValues): Omit<ConvertOptions, 'keepIoTypes' | 'nodeBlockList'> {
  const options: Omit<ConvertOptions, 'keepIoTypes' | 'nodeBlockList'> = {};
  if (values['op-block-list'] !== undefined) options.opBlockList = commaList(values['op-block-list']);
  const min = numberValue(values['min-positive-val'], 'min-positive-val');
  const max = numberValue(values['max-finite-val'], 'max-finite-val');
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
      forced[match[1]!] = commaList(match[2]!).map(Number);
    }
    options.forceFp16Inputs = forced;
  }
  const unknownNames = values['unknown-names'];
  if (unknownNames !== undefined) {
    if (unknownNames !== 'error' && unknownNames !== 'warn') throw new UsageError(`--unknown-names takes error or warn, got "${unknownNames}"`);
    options.unknownNames = unknownNames;
  }
  return options;
}
