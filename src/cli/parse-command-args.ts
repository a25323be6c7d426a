/** Runs a command-line parse (node:util parseArgs), turning its complaints into usage errors (exit code 2). */
import { UsageError } from './usage-error.js';

export function asUsageErrors<R>(parse: () => R): R {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
