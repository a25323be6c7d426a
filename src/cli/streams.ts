/**
 * Where a command writes, passed to it explicitly (never through module state): results on
 * stdout, messages, reports and progress on stderr. Tests pass collecting streams.
 */

/** The part of a Node stream the CLI writes to. */
export interface TextStream {
  write(text: string): unknown;
  /** True on a terminal, where progress is redrawn in place. */
  readonly isTTY?: boolean;
}

export interface CliStreams {
  readonly stdout: TextStream;
  readonly stderr: TextStream;
}

/** Writes `text` as one or more whole lines. */
export function writeLine(stream: TextStream, text: string): void {
  stream.write(`${text}\n`);
}
