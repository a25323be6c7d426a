/**
 * The `onnx-float16` command line: dispatches subcommands, maps errors to exit codes
 * (0 ok, 1 failure, 2 usage error) and prints library errors as one message, never a stack trace.
 */
import { isLibraryError } from '../errors.js';
import { autoCommand } from './auto-command.js';
import { convertCommand } from './convert-command.js';
import { inspectCommand } from './inspect-command.js';
import { UsageError } from './usage-error.js';

const VERSION = '0.1.0';

export const HELP = `Usage: onnx-float16 <command> [options]

Converts ONNX models from float32 to float16 or bfloat16.

Commands:
  convert IN [-o OUT] [--to float16|bfloat16] [--keep-io-types] [...]
                           convert a float32 model to float16 or bfloat16
  auto IN (--feeds PATH | --random) --rtol X --atol X [...]
                           find the nodes that must stay float32, convert the rest
  inspect MODEL [--types] [--json]
                           show opsets, operators, inputs/outputs, initializers;
                           --types lists every tensor's element type

Run "onnx-float16 <command> --help" for a command's options.

Options:
  -h, --help       show this help
  -v, --version    show the version`;

type Command = (args: string[], out: (text: string) => void) => Promise<number>;
let errorStream: (text: string) => void = (text) => console.error(text);
const COMMANDS: Record<string, Command> = {
  inspect: inspectCommand,
  convert: (args, out) => convertCommand(args, out, errorStream),
  auto: (args, out) => autoCommand(args, out, errorStream),
};

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], out = (text: string) => console.log(text), err = (text: string) => console.error(text)): Promise<number> {
  errorStream = err;
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    out(VERSION);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    err(`onnx-float16: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest, out);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`onnx-float16 ${command}: ${error.message}\nRun "onnx-float16 ${command} --help" for usage.`);
      return 2;
    }
    if (isLibraryError(error)) {
      err(`onnx-float16 ${command}: ${error.message}`);
      return 1;
    }
    err(`onnx-float16 ${command}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
