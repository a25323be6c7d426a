/**
 * A fuzz worker (a child process of fuzz.ts): prepares each case it is sent, runs its CLI
 * commands in-process (main() with captured output), and reports what went wrong. The parent
 * runs two of these and restarts one that crashes, runs out of memory or overruns a case's time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { corpus, hashFiles, prepareCase } from './cases.js';

export type FailureKind = 'stack-trace' | 'exit-code' | 'timeout' | 'memory' | 'input-changed' | 'output-refused' | 'crash';

export interface Failure {
  kind: FailureKind;
  command: string;
  detail: string;
}

export interface CaseResult {
  index: number;
  description: string;
  failures: Failure[];
  ms: number;
}

export const CASE_TIME_LIMIT_MS = 20_000;
export const RSS_LIMIT_BYTES = 2 * 1024 ** 3;

/** A stack trace: "unexpected error" (the CLI's report of a non-library error) or frame lines. */
export function stackTraceIn(text: string): boolean {
  return /unexpected error/.test(text) || /^\s+at .+\(?.*:\d+:\d+\)?$/m.test(text);
}

/** The lines of a stack trace that identify it: the message and the first frame in our sources. */
function signature(stderr: string): string {
  const lines = stderr.split('\n');
  const frame = lines.find((l) => /^\s+at .*src\//.test(l))?.trim() ?? '';
  return `${lines[0]!.slice(0, 300)} ${frame.replace(/^at /, '@ ').replace(/\(.*\/(src\/[^:]+):\d+:\d+\)/, '($1)')}`;
}

async function runCommand(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, { stdout: { write: () => undefined }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stderr };
}

/** Runs one case; `dir` is an empty folder for it. */
export async function runCase(seed: number, index: number, dir: string, models = corpus()): Promise<CaseResult> {
  const started = performance.now();
  const prepared = await prepareCase(seed, index, dir, models);
  const before = hashFiles(prepared.watched);
  const failures: Failure[] = [];
  for (const argv of prepared.commands) {
    const command = argv.join(' ');
    const { code, stderr } = await runCommand(argv);
    if (stackTraceIn(stderr)) failures.push({ kind: 'stack-trace', command, detail: signature(stderr) });
    else if (code !== 0 && code !== 1 && code !== 2) failures.push({ kind: 'exit-code', command, detail: `exit code ${code}: ${stderr.split('\n')[0]}` });
    const output = argv[0] === 'convert' || argv[0] === 'auto' ? argv[argv.indexOf('-o') + 1] : undefined;
    if (code === 0 && output && existsSync(output)) {
      const check = await runCommand(['inspect', '--types', output]);
      if (check.code !== 0) failures.push({ kind: 'output-refused', command, detail: check.stderr.split('\n')[0]!.slice(0, 300) });
    }
    const rss = process.memoryUsage().rss;
    if (rss > RSS_LIMIT_BYTES) failures.push({ kind: 'memory', command, detail: `RSS ${(rss / 2 ** 30).toFixed(2)} GiB` });
  }
  const after = hashFiles(prepared.watched);
  for (const [path, hash] of before) {
    if (prepared.outputs.includes(path)) continue;
    if (after.get(path) !== hash) failures.push({ kind: 'input-changed', command: prepared.commands.map((c) => c.join(' ')).join('; '), detail: `${path} changed or vanished` });
  }
  const ms = performance.now() - started;
  if (ms > CASE_TIME_LIMIT_MS) failures.push({ kind: 'timeout', command: '', detail: `took ${(ms / 1000).toFixed(1)} s` });
  return { index, description: prepared.description, failures, ms };
}

// As a child process: run the cases the parent sends, one at a time.
if (process.send) {
  const models = corpus();
  process.on('message', async (message: { seed: number; index: number }) => {
    const dir = mkdtempSync(join(tmpdir(), `onnx-float16-fuzz-${message.index}-`));
    try {
      process.send!(await runCase(message.seed, message.index, dir, models));
    } catch (error) {
      process.send!({ index: message.index, description: 'case preparation', failures: [{ kind: 'crash', command: '', detail: `the fuzzer itself failed: ${(error as Error).stack}` }], ms: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  process.send({ ready: true });
}
