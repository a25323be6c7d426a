/**
 * The `onnx-float16` command line: dispatches subcommands, maps errors to exit codes
 * (0 ok, 1 failure, 2 usage error) and prints every error as one line, never a stack trace for
 * the library's own errors. It is a client of the package's entries only (the Node entry and
 * onnx-float16/low-level), never of internal folders: test/layering.test.ts checks it.
 */
import { readFileSync } from 'node:fs';
import { isLibraryError } from '../node.js';
import { AUTO_HELP, autoCommand } from './auto-command.js';
import { COMPARE_HELP, compareCommand } from './compare-command.js';
import { CONVERT_HELP, convertCommand } from './convert-command.js';
import { INSPECT_HELP, inspectCommand } from './inspect-command.js';
import { closestName } from '../low-level.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const HELP = `Usage: onnx-float16 <command> [options]

Converts ONNX models from float32 to float16 or bfloat16.

Commands:
  convert IN... [-o OUT | --out-dir DIR] [--to float16|bfloat16] [...]
                           convert float32 models (files or folders) to float16
                           or bfloat16
  auto IN (--feeds PATH | --random) --rtol X --atol X [...]
                           find the nodes that must stay float32, convert the rest
  compare A B (--feeds PATH | --random) [--rtol X --atol X] [--locate]
                           compare two models' outputs (a model and its conversion);
                           --locate names the nodes where they part
  inspect MODEL [--types] [--json]
                           show opsets, operators, inputs/outputs, initializers;
                           --types lists every tensor's element type

Run "onnx-float16 <command> --help" (or "onnx-float16 help <command>") for a command's options.

Options:
  -h, --help       show this help
  -v, --version    show the version`;

interface Command {
  readonly help: string;
  readonly run: (args: string[], io: CliStreams) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  convert: { help: CONVERT_HELP, run: convertCommand },
  auto: { help: AUTO_HELP, run: autoCommand },
  compare: { help: COMPARE_HELP, run: compareCommand },
  inspect: { help: INSPECT_HELP, run: inspectCommand },
};

/** The package's version, from the package.json two folders up (from src/cli and dist/cli alike). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    writeLine(name === undefined ? io.stderr : io.stdout, HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    writeLine(io.stdout, packageVersion());
    return 0;
  }
  if (name === 'help') return help(rest, io);
  const command = COMMANDS[name];
  if (!command) return usageError('onnx-float16', unknownCommand(name), io);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(`onnx-float16 ${name}`, `${error.message}; see "onnx-float16 ${name} --help"`, io);
    if (isLibraryError(error)) {
      writeLine(io.stderr, `onnx-float16 ${name}: ${error.message}`);
      return 1;
    }
    // A bug, not bad input: keep the stack for the report.
    writeLine(io.stderr, `onnx-float16 ${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

/** `help` alone, or `help COMMAND`. */
function help(args: string[], io: CliStreams): number {
  if (args.length === 0) {
    writeLine(io.stdout, HELP);
    return 0;
  }
  const command = COMMANDS[args[0]!];
  if (!command || args.length > 1) return usageError('onnx-float16 help', args.length > 1 ? 'help takes one command' : unknownCommand(args[0]!), io);
  writeLine(io.stdout, command.help);
  return 0;
}

function unknownCommand(name: string): string {
  const suggestion = closestName(name, Object.keys(COMMANDS));
  return `unknown command "${name}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}; commands: ${Object.keys(COMMANDS).join(', ')}`;
}

function usageError(prefix: string, message: string, io: CliStreams): number {
  writeLine(io.stderr, `${prefix}: ${message}`);
  return 2;
}
