/**
 * One bench measurement, run by bench.ts in a process of its own so that its peak RSS is its own:
 *   node --import tsx bench/measure.ts KIND MODEL [CLI ARGS...]
 * writes { kind, seconds, cpuSeconds, peakRssMB } as JSON to the file named by $BENCH_RESULT.
 * `seconds` (wall) and `cpuSeconds` (user + system) cover the measured work alone, without Node's
 * start and module loading; on a loaded machine the CPU time varies less than the wall time.
 */
import { closeSync, fsyncSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { convertFloatToFloat16, loadModel, saveModel } from '../src/node.js';
import { convertAndSave } from '../src/low-level.js';
import { main as cli } from '../src/cli/main.js';

const [kind, model, ...cliArgs] = process.argv.slice(2);
if (!kind || !model || !process.env.BENCH_RESULT) throw new Error('usage: BENCH_RESULT=FILE node --import tsx bench/measure.ts KIND MODEL [CLI ARGS...]');
const out = `${model}.out-${kind}.onnx`;

/** Reads every byte of `path` through a reused 16 MB buffer and writes `fraction` of each read (then syncs it to disk, as saveModel does, when asked). */
function stream(path: string, fraction: 1 | 0.5, sync = false): void {
  const buffer = new Uint8Array(16 * 1024 * 1024);
  const input = openSync(path, 'r');
  const output = openSync(out, 'w');
  for (let n; (n = readSync(input, buffer, 0, buffer.length, null)) > 0; ) writeSync(output, buffer, 0, fraction === 1 ? n : n >>> 1);
  if (sync) fsyncSync(output);
  closeSync(input);
  closeSync(output);
}

const cpuStart = process.cpuUsage();
const start = performance.now();
if (kind === 'plain-stream') stream(model, 1);
// The floor for a conversion: read every byte through a reused buffer, write half as many.
else if (kind === 'stream-half') stream(model, 0.5);
// The same with the output synced to disk at the end, which saveModel does and costs a share of a conversion.
else if (kind === 'stream-half-fsync') stream(model, 0.5, true);
else if (kind === 'load-only') await loadModel(model);
else if (kind === 'load-save') await saveModel(await loadModel(model), out);
else if (kind === 'load-save-external') await saveModel(await loadModel(model), out, { externalData: true });
// convertModel then saveModel: the weights read twice (statistics before planning, then converting while saving).
else if (kind === 'convert') await saveModel(convertFloatToFloat16(await loadModel(model)), out);
// What the command line does: each weight read once, converted and measured in the same pass.
else if (kind === 'convert-and-save') await convertAndSave(await loadModel(model), (converted) => saveModel(converted, out));
else if (kind === 'cli') {
  // The command line as users run it; MODEL is the input, and any output goes to `out`.
  const args = cliArgs.map((arg) => (arg === '{out}' ? out : arg));
  const code = await cli(args);
  if (code !== 0) throw new Error(`onnx-float16 ${args.join(' ')} exited with ${code}`);
} else throw new Error(`unknown measurement ${kind}`);
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
rmSync(out, { force: true });
rmSync(`${out}.data`, { force: true });
writeFileSync(process.env.BENCH_RESULT, JSON.stringify({ kind, seconds, cpuSeconds, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
