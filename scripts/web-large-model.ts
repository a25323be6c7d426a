/**
 * A manual run of the browser page on a large model (`npx tsx scripts/web-large-model.ts [MB]
 * [--stream]`, default 600): writes a float32 model of that size (a chain of 1024x1024 MatMuls),
 * converts it in headless Chromium through the page, checks the output against the library's
 * conversion (SHA-256), and prints the times against a floor (the page's worker reading the file
 * once), what the progress bar showed, the peak memory the page measured, and the peak resident
 * memory of all browser processes, sampled from /proc. `--stream` saves with "Save straight to a
 * file" (the origin's private file system stands in for the file a person would choose) instead
 * of the download. Needs `npm run build:web` first and /usr/bin/chromium. Not a test: it takes minutes and GBs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { convertModel, loadModel, saveModel } from '../src/node.js';
import { graph, model, node, tensor, valueInfo } from '../test/model-builder.js';
import { serveStatic } from './serve-web.js';

const megabytes = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 600);
const stream = process.argv.includes('--stream');
const SIDE = 1024;
const layers = Math.max(1, Math.round((megabytes * 2 ** 20) / (SIDE * SIDE * 4)));
const work = mkdtempSync(join(tmpdir(), 'onnx-float16-large-'));
const input = join(work, 'large.onnx');

function weights(seed: number): Float32Array {
  const values = new Float32Array(SIDE * SIDE);
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 32 - 0.5) * 0.06;
  }
  return values;
}

const nodes = [];
const initializers = [];
for (let i = 0; i < layers; i++) {
  initializers.push(tensor(`w${i}`, [SIDE, SIDE], weights(i + 1)));
  nodes.push(node('MatMul', [i === 0 ? 'x' : `h${i}`, `w${i}`], [i === layers - 1 ? 'y' : `h${i + 1}`], {}, { name: `mm${i}` }));
}
await saveModel(model(graph({ nodes, inputs: [valueInfo('x', 1, [1, SIDE])], outputs: [valueInfo('y', 1, [1, SIDE])], initializers })), input);
initializers.length = 0;
console.log(`model: ${layers} MatMuls, ${(statSync(input).size / 2 ** 20).toFixed(0)} MB`);

const expected = join(work, 'expected_fp16.onnx');
await saveModel(convertModel(await loadModel(input)).model, expected);

/** Resident memory of every process below this one (the browser and its helpers), in total and by Chromium process type. */
function browserRss(): { total: number; byType: Map<string, number> } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended
    }
  }
  let total = 0;
  const byType = new Map<string, number>();
  const pending = [...(children.get(process.pid) ?? [])];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    pending.push(...(children.get(pid) ?? []));
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      const bytes = Number(rss ?? 0) * 1024;
      const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      total += bytes;
      byType.set(type, (byType.get(type) ?? 0) + bytes);
    } catch {
      // the process ended
    }
  }
  return { total, byType };
}

const { server, url } = await serveStatic(join(import.meta.dirname, '../dist-web'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let peakRss = 0;
let peakByType = new Map<string, number>();
const sampler = setInterval(() => {
  const now = browserRss();
  if (now.total > peakRss) [peakRss, peakByType] = [now.total, now.byType];
}, 200);
try {
  const page = await browser.newPage({ acceptDownloads: true });
  await page.goto(url);
  const idle = browserRss();
  const start = performance.now();
  await page.setInputFiles('[data-testid=model-input]', [input]);
  await page.waitForSelector('#inspect:not([hidden])', { timeout: 600_000 });
  if (stream) {
    await page.evaluate(() => {
      (window as unknown as { showSaveFilePicker: () => Promise<FileSystemFileHandle> }).showSaveFilePicker = async () => (await navigator.storage.getDirectory()).getFileHandle('large_fp16.onnx', { create: true });
    });
    await page.check('#stream-to-file');
  }
  await page.click('[data-testid=convert]');
  // What the progress bar showed, sampled every 100 ms while the page converts.
  const shown: { at: number; phase: string; value: number }[] = [];
  const watcher = setInterval(() => {
    void page
      .evaluate(() => ({ phase: document.getElementById('phase')!.textContent ?? '', value: (document.getElementById('progress') as HTMLProgressElement).value }))
      .then((now) => shown.push({ at: performance.now() - start, ...now }), () => {});
  }, 100);
  await page.waitForSelector(`#result:not([hidden]) ${stream ? '#downloads p' : '[data-testid=download]'}, [data-testid=error]:not([hidden])`, { timeout: 600_000 });
  clearInterval(watcher);
  const converted = performance.now();
  // The memory peak of the conversion itself (hashing the output and the floor runs come after).
  const conversionPeak = { total: peakRss, byType: peakByType };
  if (await page.locator('[data-testid=error]:not([hidden])').count()) throw new Error(`the page reports: ${await page.textContent('[data-testid=error]')}`);
  const hash = async (file: string) => {
    const digest = createHash('sha256');
    for await (const chunk of createReadStream(file)) digest.update(chunk as Buffer);
    return digest.digest('hex');
  };
  // The page's last memory sample is taken before the worker goes: wait for it before reading the output here.
  await page.waitForFunction(() => !document.getElementById('peak-memory')?.textContent?.includes('measuring'), undefined, { timeout: 60_000 });
  let outputBytes: number;
  let outputHash: string;
  if (stream) {
    ({ outputBytes, outputHash } = await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle('large_fp16.onnx')).getFile();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      return { outputBytes: file.size, outputHash: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
    }));
  } else {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 600_000 }), page.click('[data-testid=download]')]);
    const path = (await download.path())!;
    outputBytes = statSync(path).size;
    outputHash = await hash(path);
  }
  const downloaded = performance.now();
  const identical = outputHash === (await hash(expected));
  await page.waitForFunction(() => !document.getElementById('peak-memory')?.textContent?.includes('measuring'), undefined, { timeout: 60_000 });
  console.log(`page facts: ${(await page.textContent('.facts'))?.replace(/\s+/g, ' ')}`);
  // The floor: a worker of the same page reading the picked file once, in 16 MB synchronous slices (3 runs, median).
  const floors: number[] = [];
  for (let run = 0; run < 3; run++) {
    floors.push(
      await page.evaluate(async () => {
        const file = (document.querySelector('[data-testid=model-input]') as HTMLInputElement).files![0]!;
        const source = `self.onmessage = (e) => { const f = e.data; const reader = new FileReaderSync(); const t = performance.now();
          for (let at = 0; at < f.size; at += 16 << 20) reader.readAsArrayBuffer(f.slice(at, at + (16 << 20)));
          postMessage(performance.now() - t); }`;
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        const ms = await new Promise<number>((resolve) => {
          worker.onmessage = (event) => resolve(event.data as number);
          worker.postMessage(file);
        });
        worker.terminate();
        return ms;
      }),
    );
  }
  const floor = floors.sort((a, b) => a - b)[1]! / 1000;
  const pageSeconds = Number(/Time: ([\d.]+) s/.exec((await page.textContent('.facts')) ?? '')?.[1]);
  console.log(`floor, reading the file once in the page's worker: ${floor.toFixed(1)} s (median of ${floors.map((f) => (f / 1000).toFixed(1)).join(', ')}); the page's conversion took ${pageSeconds.toFixed(1)} s = ${(pageSeconds / floor).toFixed(1)}x the floor`);
  const steps = ['Reading', 'Converting', 'Writing'].map((step) => {
    const during = shown.filter((s) => s.phase.startsWith(step));
    return `${step} ${during.length} samples, bar ${during[0]?.value.toFixed(2) ?? '-'} -> ${during.at(-1)?.value.toFixed(2) ?? '-'} (${new Set(during.map((s) => s.value)).size} distinct)`;
  });
  console.log(`progress bar while converting (sampled every 100 ms): ${steps.join('; ')}`);
  console.log(`pick + inspect + convert: ${((converted - start) / 1000).toFixed(1)} s; ${stream ? 'hashing the saved file' : 'download'}: ${((downloaded - converted) / 1000).toFixed(1)} s`);
  console.log(`output ${stream ? '(streamed to a file) ' : ''}${(outputBytes / 2 ** 20).toFixed(0)} MB, byte-identical to the library's conversion: ${identical}`);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const types = (byType: Map<string, number>) => [...byType].map(([type, bytes]) => `${type} ${mb(bytes)}`).join(', ');
  console.log(`browser processes' resident memory: idle ${mb(idle.total)} (${types(idle.byType)}); peak while converting ${mb(conversionPeak.total)} (${types(conversionPeak.byType)})`);
} finally {
  clearInterval(sampler);
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
