/**
 * The fuzzer: `npm run fuzz -- --seed N --cases K [--start S] [--jobs 2] [--allow FILE]`.
 * Runs cases S..S+K-1 of seed N in a pool of worker processes (crash isolation: a worker that
 * dies, overruns 20 s or exceeds its memory is replaced), then prints counts by failure kind and
 * a reproduction command per failing case. With --allow FILE, failures matching an entry of the
 * allow-list (kind + regular expression on the detail) are reported but do not fail the run.
 * Exit code 1 when any case fails outside the allow-list.
 *
 * `--only I --keep DIR` writes case I to DIR and runs it in this process, printing its commands.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { prepareCase } from './cases.js';
import { CASE_TIME_LIMIT_MS, runCase, type CaseResult, type Failure } from './worker.js';

interface AllowEntry {
  kind: string;
  match: string;
  reason: string;
}

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '200' },
    start: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '2' },
    allow: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});
const seed = Number(values.seed);
const WORKER = new URL('./worker.ts', import.meta.url).pathname;

if (values.only !== undefined) {
  const index = Number(values.only);
  const dir = values.keep ?? `/tmp/onnx-float16-fuzz-case-${seed}-${index}`;
  mkdirSync(dir, { recursive: true });
  const prepared = await prepareCase(seed, index, dir);
  console.log(`case ${index} of seed ${seed}: ${prepared.description}\nin ${dir}; commands:`);
  for (const command of prepared.commands) console.log(`  node --import tsx scripts/fuzz/cli-entry.ts ${command.join(' ')}`);
  const result = await runCase(seed, index, `${dir}-run`);
  console.log(result.failures.length === 0 ? 'no failure' : result.failures.map((f) => `${f.kind}: ${f.command}\n  ${f.detail}`).join('\n'));
  process.exit(result.failures.length === 0 ? 0 : 1);
}

const allowList: AllowEntry[] = values.allow ? (JSON.parse(readFileSync(values.allow, 'utf8')) as { failures: AllowEntry[] }).failures : [];
const allowedBy = (failure: Failure) => allowList.find((entry) => entry.kind === failure.kind && new RegExp(entry.match).test(failure.detail));

const start = Number(values.start);
const total = Number(values.cases);
let next = start;
const results: CaseResult[] = [];
const started = performance.now();

/** Runs cases on one worker until none are left, replacing the worker when it fails. */
async function lane(): Promise<void> {
  let worker: ChildProcess | undefined;
  let tail = '';
  const spawnWorker = () =>
    new Promise<ChildProcess>((resolve) => {
      tail = '';
      const child = fork(WORKER, [], { execArgv: ['--import', 'tsx', '--max-old-space-size=3072'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
      child.once('message', () => resolve(child));
    });
  while (next < start + total) {
    const index = next++;
    worker ??= await spawnWorker();
    const current = worker;
    const result = await new Promise<CaseResult>((resolve) => {
      const timer = setTimeout(() => {
        current.kill('SIGKILL');
        resolve({ index, description: '', failures: [{ kind: 'timeout', command: '', detail: `no result after ${CASE_TIME_LIMIT_MS / 1000} s` }], ms: CASE_TIME_LIMIT_MS });
      }, CASE_TIME_LIMIT_MS + 5_000);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        resolve({ index, description: '', failures: [{ kind: /heap|memory/i.test(tail) ? 'memory' : 'crash', command: '', detail: `worker exited (${signal ?? code}): ${tail.split('\n').slice(-4).join(' | ')}` }], ms: 0 });
      };
      current.once('exit', onExit);
      current.once('message', (message: CaseResult) => {
        clearTimeout(timer);
        current.off('exit', onExit);
        resolve(message);
      });
      current.send({ seed, index });
    });
    if (result.failures.some((f) => f.kind === 'timeout' || f.kind === 'crash' || f.kind === 'memory')) {
      current.kill('SIGKILL');
      worker = undefined;
    }
    results.push(result);
    if (values.verbose || results.length % 50 === 0) process.stderr.write(`${results.length}/${total} cases\r`);
  }
  worker?.kill();
}

await Promise.all(Array.from({ length: Number(values.jobs) }, lane));
results.sort((a, b) => a.index - b.index);

const counts = new Map<string, { failing: number; allowed: number }>();
let failingCases = 0;
let unexpectedCases = 0;
const reports: string[] = [];
for (const result of results) {
  if (result.failures.length === 0) continue;
  failingCases++;
  let unexpected = false;
  for (const failure of result.failures) {
    const count = counts.get(failure.kind) ?? { failing: 0, allowed: 0 };
    const allowed = allowedBy(failure);
    if (allowed) count.allowed++;
    else {
      count.failing++;
      unexpected = true;
    }
    counts.set(failure.kind, count);
    reports.push(`${allowed ? 'known' : 'FAIL '} case ${result.index} [${failure.kind}] ${result.description}\n    ${failure.command}\n    ${failure.detail}${allowed ? `\n    known: ${allowed.reason}` : ''}\n    reproduce: npm run fuzz -- --seed ${seed} --only ${result.index} --keep /tmp/fuzz-case-${result.index}`);
  }
  if (unexpected) unexpectedCases++;
}
if (reports.length > 0) console.log(reports.join('\n'));
console.log(`\nfuzz: seed ${seed}, cases ${start}..${start + total - 1}: ${total} cases in ${((performance.now() - started) / 1000).toFixed(0)} s, ${total - failingCases} clean, ${failingCases} with failures (${unexpectedCases} outside the allow-list)`);
for (const [kind, count] of [...counts].sort()) console.log(`  ${kind}: ${count.failing + count.allowed} (${count.allowed} known)`);
process.exitCode = unexpectedCases > 0 ? 1 : 0;
