/**
 * Running the CLI in-process for tests: streams that keep what is written to them, and `runCli`,
 * which runs one command line and returns its exit code and output.
 */
import { main } from '../src/cli/main.js';
import type { TextStream } from '../src/cli/streams.js';

/** A stream that keeps what is written to it (a terminal when `isTTY`). */
export function collector(isTTY = false): TextStream & { text: string } {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

/** Runs `onnx-float16 ...argv` in this process. */
export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
