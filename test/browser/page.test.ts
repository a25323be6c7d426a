/**
 * The browser page in real Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * conversions through the page are byte-identical to the library's file-to-file conversion (as
 * the CLI writes them), external data round-trips, auto mixed precision finds a known block
 * list, bad files give one-line errors, the runtime choice (default ort-webgpu) reaches the
 * conversion and its report, and no request leaves 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { toBinary } from '@bufbuild/protobuf';
import { TensorProtoSchema } from '../../src/low-level.js';
import { convertModel, DataType, decodeModel, DEFAULT_OP_BLOCK_LIST, encodeModel, loadModel, saveModel, summarizeModel, type ConvertOptions } from '../../src/node.js';
import { longChain, overflowMlp } from '../mixed-precision-models.js';
import { graph, model, node, tensor, valueInfo } from '../model-builder.js';
import { zipFile } from '../numpy-files.js';
import { serveStatic } from '../../scripts/serve-web.js';

const CHROMIUM = '/usr/bin/chromium';
/** The page's default runtime; the CLI conversions it is compared with get the same `--runtime`. */
const PAGE_RUNTIME = 'ort-webgpu';
const MODELS = join(import.meta.dirname, '../../../shared/models');
const ROOT = join(import.meta.dirname, '../..');
const skip = !existsSync(CHROMIUM) ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium): browser page tests skipped` : false;
if (skip) console.log(`# ${skip}`);

describe('the browser page in Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  let server: Server;
  let siteUrl: string;
  let work: string;
  const requests: string[] = [];

  before(async () => {
    const built = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/build-web.ts')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, `npm run build:web failed:\n${built.stdout}${built.stderr}`);
    ({ server, url: siteUrl } = await serveStatic(join(ROOT, 'dist-web')));
    work = mkdtempSync(join(tmpdir(), 'onnx-float16-page-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // ForceEagerMeasureMemory: the browser answers the page's memory measurements at once instead of at its next garbage collection.
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-blink-features=ForceEagerMeasureMemory'],
    });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
    context.on('request', (request) => requests.push(request.url()));
    page = await context.newPage();
    await page.goto(siteUrl);
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Picks files, waits for the summary (or an error), sets keep-io-types, converts; returns the downloads. */
  async function convertInPage(paths: string[], keepIo: 'none' | 'all'): Promise<{ name: string; bytes: Buffer }[]> {
    await pick(paths);
    await page.check(`input[name="keep-io"][value="${keepIo}"]`);
    await page.click('[data-testid=convert]');
    await page.waitForSelector('#result:not([hidden]) [data-testid=download], [data-testid=error]:not([hidden])');
    const error = await page.locator('[data-testid=error]:not([hidden])').count();
    if (error) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    const links = await page.locator('#downloads a').all();
    const files = [];
    for (const link of links) {
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      files.push({ name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) });
    }
    return files;
  }

  async function pick(paths: string[]): Promise<void> {
    await page.setInputFiles('[data-testid=model-input]', paths);
    await page.waitForSelector('#inspect:not([hidden]), [data-testid=error]:not([hidden])');
  }

  async function errorLine(): Promise<string> {
    await page.waitForSelector('[data-testid=error]:not([hidden])');
    return (await page.textContent('[data-testid=error]')) ?? '';
  }

  /** The CLI's conversion: loadModel, convertModel, saveModel to NAME_fp16.onnx (external data when the input has some). */
  async function cliConversion(path: string, options: ConvertOptions, externalData: boolean): Promise<Map<string, Buffer>> {
    const out = mkdtempSync(join(work, 'cli-'));
    const name = path.split('/').pop()!.replace(/\.onnx$/, '_fp16.onnx');
    const { model } = convertModel(await loadModel(path), options);
    await saveModel(model, join(out, name), { externalData: externalData ? { location: `${name}.data` } : false });
    return new Map(readdirSync(out).map((file) => [file, readFileSync(join(out, file))]));
  }

  const models = existsSync(MODELS) ? readdirSync(MODELS).filter((f) => f.endsWith('.onnx')).sort() : [];

  test('every shared model converts through the page byte-identically to the CLI, default and keep-io-types', { skip: models.length === 0 && 'no ../shared/models' }, async () => {
    for (const file of models) {
      for (const keepIo of ['none', 'all'] as const) {
        const path = join(MODELS, file);
        const downloads = await convertInPage([path], keepIo);
        if (keepIo === 'none') {
          const summary = summarizeModel(await loadModel(path));
          const shown = (await page.textContent('[data-testid=inspect]')) ?? '';
          for (const op of summary.ops) assert.ok(shown.includes(op.opType), `${file}: the summary lists ${op.opType}`);
          for (const input of summary.inputs) assert.ok(shown.includes(input.name), `${file}: the summary lists input ${input.name}`);
        }
        const expected = await cliConversion(path, { runtime: PAGE_RUNTIME, ...(keepIo === 'all' ? { keepIoTypes: true } : {}) }, false);
        assert.deepEqual(downloads.map((d) => d.name), [...expected.keys()], `${file} (${keepIo}): download names`);
        for (const download of downloads) assert.ok(download.bytes.equals(expected.get(download.name)!), `${file} (keep-io-types ${keepIo}): ${download.name} differs from the CLI's`);
      }
    }
    // The page after a conversion, for people to look at.
    await pick([join(MODELS, 'gpt2_tiny_ort_fused.onnx')]);
    await page.check('input[name="keep-io"][value="none"]');
    await page.click('[data-testid=convert]');
    await page.waitForSelector('#result:not([hidden]) [data-testid=download]');
    assert.match((await page.textContent('[data-testid=report]')) ?? '', /Nodes kept float32/);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts/page.png'), fullPage: true });
  });

  test('options picked in the page reach the conversion as the CLI flags would: bfloat16, an op unticked, a node picked, clipping, external data', { skip: models.length === 0 && 'no ../shared/models' }, async () => {
    const path = join(MODELS, 'fastestdet.onnx');
    await pick([path]);
    await page.check('input[name="target"][value="bfloat16"]');
    assert.equal(await page.inputValue('[data-testid=runtime]'), 'none', 'for bfloat16 the runtime turns to none, as the library defaults');
    await page.uncheck('input[name="op"][value="Resize"]');
    const node = (await page.locator('#node-list option').nth(3).getAttribute('value'))!;
    await page.selectOption('#node-list', [node]);
    await page.fill('#max-finite', '1000');
    await page.check('#external-data');
    await page.click('[data-testid=convert]');
    await page.waitForSelector('#result:not([hidden]) [data-testid=download-data]');
    const downloads = [];
    for (const link of await page.locator('#downloads a').all()) {
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      downloads.push({ name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) });
    }
    // As `convert --to bfloat16 --runtime none --op-block-list <default without Resize> --node-block-list NODE --max-finite-val 1000 --external-data`.
    const out = mkdtempSync(join(work, 'cli-'));
    const { model } = convertModel(await loadModel(path), { runtime: 'none', opBlockList: DEFAULT_OP_BLOCK_LIST.filter((op) => op !== 'Resize'), nodeBlockList: [node], maxFiniteVal: 1000 }, DataType.BFLOAT16);
    await saveModel(model, join(out, 'fastestdet_bf16.onnx'), { externalData: { location: 'fastestdet_bf16.onnx.data' } });
    assert.deepEqual(downloads.map((d) => d.name).sort(), ['fastestdet_bf16.onnx', 'fastestdet_bf16.onnx.data']);
    for (const download of downloads) assert.ok(download.bytes.equals(readFileSync(join(out, download.name))), `${download.name} differs from the CLI's`);
    assert.ok(((await page.textContent('[data-testid=report]')) ?? '').includes(node), 'the picked node is listed as kept');
    // Back to the defaults for the tests that follow.
    await page.check('input[name="target"][value="float16"]');
    assert.equal(await page.inputValue('[data-testid=runtime]'), PAGE_RUNTIME);
    await page.fill('#max-finite', '');
    await page.uncheck('#external-data');
    await page.selectOption('#node-list', []);
  });

  test('a model with external data round-trips: model and data file in, model and data file out, as the CLI writes them', { skip: models.length === 0 && 'no ../shared/models' }, async () => {
    const folder = mkdtempSync(join(work, 'external-'));
    const source = join(folder, 'faces.onnx');
    await saveModel(await loadModel(join(MODELS, 'ultraface_rfb320.onnx')), source, { externalData: true });
    const downloads = await convertInPage([source, `${source}.data`], 'none');
    const expected = await cliConversion(source, { runtime: PAGE_RUNTIME }, true);
    assert.deepEqual(downloads.map((d) => d.name).sort(), ['faces_fp16.onnx', 'faces_fp16.onnx.data']);
    for (const download of downloads) assert.ok(download.bytes.equals(expected.get(download.name)!), `${download.name} differs from the CLI's`);

    // Without its data file, the page names the missing file and converting fails in one line.
    await pick([source]);
    assert.match((await page.textContent('#missing')) ?? '', /faces\.onnx\.data/);
    await page.click('[data-testid=convert]');
    const line = await errorLine();
    assert.match(line, /faces\.onnx\.data/);
    assert.doesNotMatch(line, /\n/);
  });

  test('bad files show one-line errors and the page stays usable', async () => {
    const junk = join(work, 'notes.onnx');
    writeFileSync(junk, 'these are not the bytes of an ONNX model\n'.repeat(20));
    await pick([junk]);
    const notOnnx = await errorLine();
    assert.match(notOnnx, /notes\.onnx/);
    assert.doesNotMatch(notOnnx, /\n/);

    const whole = encodeModel(overflowMlp());
    const truncated = join(work, 'truncated.onnx');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await page.setInputFiles('[data-testid=model-input]', [truncated]);
    await page.click('[data-testid=convert]');
    const cut = await errorLine();
    assert.match(cut, /truncated\.onnx/);
    assert.doesNotMatch(cut, /\n/);

    // Still usable: a good model converts next.
    const good = join(work, 'mlp.onnx');
    writeFileSync(good, whole);
    const downloads = await convertInPage([good], 'none');
    assert.deepEqual(downloads.map((d) => d.name), ['mlp_fp16.onnx']);
    assert.equal(await page.locator('[data-testid=error]:not([hidden])').count(), 0);
  });

  test('auto mixed precision in the page finds the known block list of a model whose activations overflow float16', async () => {
    const model = join(work, 'overflow.onnx');
    writeFileSync(model, encodeModel(overflowMlp()));
    const feed = join(work, 'x.npy');
    writeFileSync(feed, npy(new Float32Array(8).fill(1), [1, 8]));
    await pick([model]);
    await page.check('input[name="feeds"][value="files"]');
    await page.setInputFiles('[data-testid=feed-input]', [feed]);
    await page.fill('[data-testid=rtol]', '0.01');
    await page.fill('[data-testid=atol]', '0.01');
    await page.click('[data-testid=auto-start]');
    await page.waitForSelector('[data-testid=block-list], [data-testid=error]:not([hidden])', { timeout: 120_000 });
    if (await page.locator('[data-testid=error]:not([hidden])').count()) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    const found = ((await page.textContent('[data-testid=block-list]')) ?? '').split(', ').sort();
    assert.deepEqual(found, ['div', 'mm1']);
    assert.match((await page.textContent('[data-testid=auto-runtime]')) ?? '', /WebAssembly/, 'without shader-f16 the page says it emulates on the CPU');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-block-list]')]);
    assert.equal(download.suggestedFilename(), 'overflow_block_list.json');
    assert.deepEqual(JSON.parse(readFileSync((await download.path())!, 'utf8')).nodeBlockList.sort(), ['div', 'mm1']);

    // The same feed as an ONNX test-data TensorProto file gives the same answer.
    const pb = join(work, 'input_0.pb');
    writeFileSync(pb, toBinary(TensorProtoSchema, tensor('', [1, 8], new Array(8).fill(1))));
    await page.setInputFiles('[data-testid=feed-input]', [pb]);
    await page.click('[data-testid=auto-start]');
    await page.waitForSelector('#auto-result:not([hidden]) [data-testid=block-list], [data-testid=error]:not([hidden])', { timeout: 120_000 });
    if (await page.locator('[data-testid=error]:not([hidden])').count()) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    assert.deepEqual(((await page.textContent('[data-testid=block-list]')) ?? '').split(', ').sort(), ['div', 'mm1']);

    // And as a deflated .npz (numpy's savez_compressed), which the page inflates itself.
    const npz = join(work, 'feeds.npz');
    writeFileSync(npz, zipFile('x.npy', npy(new Float32Array(8).fill(1), [1, 8]), { deflate: true }));
    await page.setInputFiles('[data-testid=feed-input]', [npz]);
    await page.click('[data-testid=auto-start]');
    await page.waitForSelector('#auto-result:not([hidden]) [data-testid=block-list], [data-testid=error]:not([hidden])', { timeout: 120_000 });
    if (await page.locator('[data-testid=error]:not([hidden])').count()) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    assert.deepEqual(((await page.textContent('[data-testid=block-list]')) ?? '').split(', ').sort(), ['div', 'mm1']);
  });

  test('auto mixed precision with random feeds sizes symbolic dimensions by name', async () => {
    const path = join(work, 'batched.onnx');
    // The Reshape to 12 values runs only when the dimension "batch" is 3.
    const nodes = [node('Mul', ['x', 'k'], ['h'], {}, { name: 'scale' }), node('Reshape', ['h', 'shape'], ['y'], {}, { name: 'flatten' })];
    const initializers = [tensor('k', [], [0.5]), tensor('shape', [1], [12], DataType.INT64)];
    writeFileSync(path, encodeModel(model(graph({ nodes, inputs: [valueInfo('x', DataType.FLOAT, ['batch', 4])], outputs: [valueInfo('y', DataType.FLOAT, [12])], initializers }))));
    await pick([path]);
    await page.check('input[name="feeds"][value="random"]');
    await page.getByLabel('dimension batch').fill('3');
    await page.click('[data-testid=auto-start]');
    await page.waitForSelector('[data-testid=block-list], [data-testid=error]:not([hidden])', { timeout: 120_000 });
    if (await page.locator('[data-testid=error]:not([hidden])').count()) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    assert.equal(await page.textContent('[data-testid=block-list]'), '(empty)', 'halving values loses nothing in float16');
    assert.ok((await page.locator('#attempts li').count()) > 0, 'attempts are listed as they run');
  });

  test('with "save straight to a file", the model streams into the chosen file, byte-identical to the CLI', { skip: models.length === 0 && 'no ../shared/models' }, async () => {
    const path = join(MODELS, 'fastestdet.onnx');
    // The save picker needs a person; a file in the origin's private file system stands in for the chosen one.
    await page.evaluate(() => {
      (window as unknown as { showSaveFilePicker: () => Promise<FileSystemFileHandle> }).showSaveFilePicker = async () => (await navigator.storage.getDirectory()).getFileHandle('chosen.onnx', { create: true });
    });
    assert.equal(await page.isVisible('#stream-option'), true, 'Chromium offers the streamed save');
    await pick([path]);
    await page.check('input[name="keep-io"][value="none"]');
    await page.check('#stream-to-file');
    await page.click('[data-testid=convert]');
    await page.waitForSelector('#result:not([hidden])');
    assert.match((await page.textContent('#downloads')) ?? '', /Saved to chosen\.onnx/);
    const written = await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle('chosen.onnx')).getFile();
      const url = await new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result as string);
        reader.readAsDataURL(file);
      });
      return url.slice(url.indexOf(',') + 1);
    });
    const expected = await cliConversion(path, { runtime: PAGE_RUNTIME }, false);
    assert.ok(Buffer.from(written, 'base64').equals(expected.get('fastestdet_fp16.onnx')!), 'the streamed file differs from the CLI output');
    await page.uncheck('#stream-to-file');
  });

  test('Cancel stops a running search and leaves the page usable', async () => {
    const model = join(work, 'chain.onnx');
    writeFileSync(model, encodeModel(longChain()));
    await pick([model]);
    await page.check('input[name="feeds"][value="random"]');
    await page.click('[data-testid=auto-start]');
    await page.click('#auto-cancel');
    assert.equal(await page.textContent('#phase'), 'Cancelled');
    assert.equal(await page.isEnabled('[data-testid=convert]'), true);
    await page.waitForTimeout(500);
    assert.equal(await page.isVisible('[data-testid=auto-result]'), false, 'no result arrives from a cancelled search');
    const downloads = await convertInPage([model], 'none');
    assert.deepEqual(downloads.map((d) => d.name), ['chain_fp16.onnx']);
  });

  test('the runtime choice: a labelled select of every runtime, ort-webgpu by default, reaching the conversion and its report', { skip: models.length === 0 && 'no ../shared/models' }, async () => {
    const select = page.getByLabel('Where the converted model will run');
    assert.deepEqual(await select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)), ['ort-cpu', 'ort-cuda', 'ort-dml', 'ort-webgpu', 'ort-webnn', 'none']);
    assert.equal(await select.inputValue(), PAGE_RUNTIME);
    // occ_keras_model0: WebGPU runs neither its PRelu nor the Identity nodes that write its outputs.
    const path = join(MODELS, 'occ_keras_model0.onnx');
    const keptFor = (runtime: string) => convertModel(decodeModel(readFileSync(path), path), { runtime: runtime as ConvertOptions['runtime'] }).report.keptNodes.filter((k) => k.reason.kind === 'runtime').length;
    assert.ok(keptFor('ort-webgpu') > 0, 'the premise: WebGPU leaves some of its nodes to the CPU');
    for (const runtime of ['ort-webgpu', 'ort-cpu'] as const) {
      await select.selectOption(runtime);
      const downloads = await convertInPage([path], 'none');
      const expected = await cliConversion(path, { runtime }, false);
      for (const download of downloads) assert.ok(download.bytes.equals(expected.get(download.name)!), `${runtime}: ${download.name} differs from convert --runtime ${runtime}`);
      const count = keptFor(runtime);
      assert.equal(await page.textContent('[data-testid=runtime-fact]'), `Runtime: ${runtime}, ${count} node${count === 1 ? '' : 's'} kept float32 that it would not run in float16`);
    }
    await select.selectOption(PAGE_RUNTIME);
  });

  /** A float32 model of `layers` 1024x1024 MatMul weights (4 MiB each). */
  function weightsModel(name: string, layers: number): string {
    const side = 1024;
    const nodes = [];
    const initializers = [];
    for (let i = 0; i < layers; i++) {
      initializers.push(tensor(`w${i}`, [side, side], new Float32Array(side * side).fill(1 / (i + 2))));
      nodes.push(node('MatMul', [i === 0 ? 'x' : `h${i}`, `w${i}`], [i === layers - 1 ? 'y' : `h${i + 1}`], {}, { name: `mm${i}` }));
    }
    const path = join(work, name);
    writeFileSync(path, encodeModel(model(graph({ nodes, inputs: [valueInfo('x', DataType.FLOAT, [1, side])], outputs: [valueInfo('y', DataType.FLOAT, [1, side])], initializers }))));
    return path;
  }

  test('the progress bar moves while the model is read, converted and written; the peak memory measured is shown; Cancel stops a running conversion', async () => {
    const path = weightsModel('weights.onnx', 16); // 64 MiB of float32 weights
    await pick([path]);
    // Every value the bar takes (setting a progress element's value sets its attribute).
    await page.evaluate(() => {
      const bar = document.getElementById('progress') as HTMLProgressElement;
      const values: number[] = [];
      (window as unknown as { barValues: number[] }).barValues = values;
      new MutationObserver(() => values.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
    });
    await page.click('[data-testid=convert]');
    await page.waitForSelector('#result:not([hidden]) [data-testid=download], [data-testid=error]:not([hidden])');
    if (await page.locator('[data-testid=error]:not([hidden])').count()) assert.fail(`the page reports: ${await page.textContent('[data-testid=error]')}`);
    const values = await page.evaluate(() => (window as unknown as { barValues: number[] }).barValues);
    // Reading the structure fills the first 5%, the conversion reading the weights up to 45%, writing the rest.
    assert.ok(values.includes(0.05), `the bar moves when the structure is read (${values.join(' ')})`);
    assert.ok(values.filter((v) => v > 0.05 && v < 0.45).length >= 2, `and while the conversion reads the weights (${values.join(' ')})`);
    assert.ok(values.filter((v) => v > 0.45 && v < 1).length >= 2, `and while the output is written (${values.join(' ')})`);
    for (let i = 1; i < values.length; i++) if (values[i]! !== 0) assert.ok(values[i]! >= values[i - 1]!, `the bar only moves forward (${values.join(' ')})`);

    await page.waitForFunction(() => !document.getElementById('peak-memory')?.textContent?.includes('measuring'));
    const peak = (await page.textContent('[data-testid=peak-memory]')) ?? '';
    const measured = /^Peak memory: ([\d.]+) MB \(highest of \d+ samples? of performance\.measureUserAgentSpecificMemory\(\)/.exec(peak);
    assert.ok(measured, `the result shows the peak the page measured: ${peak}`);
    assert.ok(Number(measured[1]) < 64, `the page never holds the 64 MiB of source weights, read from the file in chunks: ${peak}`);

    // Cancel in the middle of a conversion: the worker stops, no result comes, the page converts again.
    await page.click('[data-testid=convert]');
    await page.waitForFunction(() => {
      const value = (document.getElementById('progress') as HTMLProgressElement).value;
      return value > 0.06 && value < 0.6;
    });
    await page.click('[data-testid=cancel]');
    assert.equal(await page.textContent('#phase'), 'Cancelled');
    assert.equal(await page.isEnabled('[data-testid=convert]'), true);
    await page.waitForTimeout(1500);
    assert.equal(await page.isVisible('#result'), false, 'no result arrives from a cancelled conversion');
    const downloads = await convertInPage([path], 'none');
    assert.deepEqual(downloads.map((d) => d.name), ['weights_fp16.onnx']);
    // The browser still answers memory measurements (it never does again after a worker is terminated during one).
    await page.waitForFunction(() => /^Peak memory: [\d.]+ MB/.test(document.getElementById('peak-memory')?.textContent ?? ''));
  });

  test('at phone width (360 px) and at 400% zoom (320 px of 1280) the page fits its width, with the report shown', async () => {
    const context = page.context();
    for (const width of [360, 320]) {
      const narrow = await context.newPage();
      await narrow.setViewportSize({ width, height: 800 });
      await narrow.goto(siteUrl);
      await narrow.setInputFiles('[data-testid=model-input]', [join(work, 'weights.onnx')]);
      await narrow.waitForSelector('#inspect:not([hidden])');
      await narrow.click('[data-testid=convert]');
      await narrow.waitForSelector('#result:not([hidden]) [data-testid=download]');
      const overflow = await narrow.evaluate(() => {
        const wide = Array.from(document.querySelectorAll<HTMLElement>('body *')).filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1);
        return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`) };
      });
      assert.ok(overflow.scrollWidth <= width, `at ${width} px the page scrolls sideways (${overflow.scrollWidth} px; ${overflow.wide.join(', ')})`);
      if (width === 360) await narrow.screenshot({ path: join(ROOT, 'test-artifacts/page-360px.png'), fullPage: true });
      await narrow.close();
    }
  });

  test('every control is labelled and reachable with the keyboard, and Convert works from the keyboard', async () => {
    await pick([join(work, 'weights.onnx')]);
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('input, select, button, progress, textarea'))
        .filter((e) => e.offsetParent !== null)
        .filter((e) => {
          const labels = (e as HTMLInputElement).labels;
          const text = (labels ? Array.from(labels).map((l) => l.textContent ?? '').join('') : '') + (e.getAttribute('aria-label') ?? '') + (e.tagName === 'BUTTON' ? (e.textContent ?? '') : '');
          return text.trim() === '' && !e.getAttribute('aria-labelledby');
        })
        .map((e) => e.outerHTML.slice(0, 120)),
    );
    assert.deepEqual(unlabelled, []);
    // Tab from the top: every enabled control gets the focus in turn, Convert among them.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached = new Set<string>();
    for (let i = 0; i < 400 && !reached.has('convert'); i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('name') || document.activeElement?.tagName || ''));
    }
    for (const id of ['model-input', 'node-filter', 'node-list', 'min-positive', 'block-out-of-range', 'convert']) assert.ok(reached.has(id), `Tab reaches #${id}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result:not([hidden]) [data-testid=download]');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'result-heading', 'the focus moves to the result');
  });

  test('no request leaves 127.0.0.1', () => {
    assert.ok(requests.length > 0);
    const outside = requests.filter((url) => !url.startsWith(siteUrl) && !url.startsWith('blob:') && !url.startsWith('data:'));
    assert.deepEqual(outside, []);
  });
});

/** A float32 .npy file (format 1.0). */
function npy(data: Float32Array, shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
