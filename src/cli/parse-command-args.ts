/**
 * A command's arguments through node:util's parseArgs, with the CLI's own one-line usage errors
 * (exit code 2): an unknown option names the closest known one ("did you mean --keep-io-types?")
 * instead of Node's multi-line parser message.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../low-level.js';
import { UsageError } from './usage-error.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Parses `args` (options and positionals) against `options`; throws UsageError on anything else. */
export function parseCommandArgs<const O extends OptionSpecs>(args: string[], options: O): Parsed<O> {
  checkOptionNames(args, options);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // What is left (a value given to a flag, a value that looks like an option) in one line.
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/^Option '([^']+)'/, '$1'));
  }
}

/** Rejects the first option `options` does not know, and a string option given no value. */
function checkOptionNames(args: readonly string[], options: OptionSpecs): void {
  const longNames = Object.keys(options);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]!;
      const spec = options[name];
      if (!spec) throw new UsageError(unknownOption(`--${name}`, longNames.map((n) => `--${n}`)));
      if (spec.type === 'string' && !arg.includes('=')) i = takeValue(args, i, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let at = 1; at < arg.length; at++) {
        const short = arg[at]!;
        const name = longNames.find((n) => options[n]!.short === short);
        if (name === undefined) throw new UsageError(unknownOption(`-${short}`, longNames.map((n) => `--${n}`)));
        if (options[name]!.type === 'string') {
          // "-o FILE" or "-oFILE": the rest of the argument, or the next one, is the value.
          if (at === arg.length - 1) i = takeValue(args, i, `-${short}`);
          break;
        }
      }
    }
  }
}

function takeValue(args: readonly string[], i: number, flag: string): number {
  if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
  return i + 1;
}

function unknownOption(flag: string, known: readonly string[]): string {
  const suggestion = closestName(flag, known);
  return `unknown option ${flag}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
}
