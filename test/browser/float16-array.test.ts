/**
 * The Float16Array path, in an engine that has Float16Array (Chromium; Node 20 has none, so the
 * unit tests beside src/numeric/float16-array.ts skip it there). The library's helpers are bundled
 * for the browser and checked against the engine's own float16 rounding, bit for bit, and the
 * comparison code reads float16 outputs given as Float16Array (as onnxruntime-web returns them).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '../..');
const skip = !existsSync(CHROMIUM) ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium): Float16Array tests in the browser skipped` : false;
if (skip) console.log(`# ${skip}`);

/** What the page exposes to the tests: the helpers under test, bundled from the sources. */
const ENTRY = `
import { fromFloat16, toFloat16 } from './src/index.ts';
import { compareTensors } from './src/mixed/compare.ts';
globalThis.lib = { fromFloat16, toFloat16, compareTensors };
`;

describe('Float16Array in Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    const esbuild = await import('esbuild');
    const bundle = await esbuild.build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu'] });
    page = await browser.newPage();
    await page.setContent('<!doctype html><title>Float16Array</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  });

  after(async () => {
    await browser?.close();
  });

  test('the engine has Float16Array (else these tests would check nothing)', async () => {
    assert.equal(await page.evaluate(() => typeof (globalThis as { Float16Array?: unknown }).Float16Array), 'function');
  });

  test("toFloat16 rounds every float32 class exactly as the engine's own Float16Array does", async () => {
    const mismatches = await page.evaluate(() => {
      const { toFloat16 } = (globalThis as any).lib;
      const Float16 = (globalThis as any).Float16Array;
      // Every float16 value, the midpoints between neighbours (ties), values just off the midpoints,
      // subnormals, overflow, NaN and infinities, plus pseudo-random bit patterns.
      const values: number[] = [0, -0, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -26, Infinity, -Infinity];
      const all = new Float16(65536);
      new Uint16Array(all.buffer).forEach((_: number, i: number, bits: Uint16Array) => { bits[i] = i; });
      for (let i = 0; i < 65535; i++) {
        const a = all[i];
        const b = all[i + 1];
        if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b)) continue;
        const mid = Math.fround((a + b) / 2);
        values.push(a, mid, Math.fround(mid * (1 + 2 ** -20)), Math.fround(mid * (1 - 2 ** -20)));
      }
      let seed = 12345;
      const words = new Uint32Array(200_000);
      for (let i = 0; i < words.length; i++) words[i] = seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const floats = new Float32Array(values.length + words.length);
      floats.set(values);
      new Uint32Array(floats.buffer, values.length * 4).set(words);
      const ours = new Uint16Array(toFloat16(floats, { as: 'Float16Array' }).buffer);
      const engine = new Uint16Array(Float16.from(floats).buffer);
      let bad = 0;
      for (let i = 0; i < floats.length; i++) {
        // NaN payloads may differ; both must be NaN.
        const ourNaN = (ours[i]! & 0x7c00) === 0x7c00 && (ours[i]! & 0x3ff) !== 0;
        const engineNaN = (engine[i]! & 0x7c00) === 0x7c00 && (engine[i]! & 0x3ff) !== 0;
        if (ourNaN || engineNaN ? ourNaN !== engineNaN : ours[i] !== engine[i]) bad++;
      }
      return { bad, checked: floats.length };
    });
    assert.ok(mismatches.checked > 250_000);
    assert.equal(mismatches.bad, 0);
  });

  test('toFloat16 returns a real Float16Array, and fromFloat16 reads one back exactly', async () => {
    const result = await page.evaluate(() => {
      const { toFloat16, fromFloat16 } = (globalThis as any).lib;
      const array = toFloat16([1, 0.1, -2.5, 70000], { as: 'Float16Array' });
      const engineMade = (globalThis as any).Float16Array.from([3.140625, -0.5]);
      return {
        tag: Object.prototype.toString.call(array),
        values: Array.from(array as ArrayLike<number>),
        back: Array.from(fromFloat16(array) as Float32Array),
        engineBack: Array.from(fromFloat16(engineMade) as Float32Array),
      };
    });
    assert.equal(result.tag, '[object Float16Array]');
    assert.deepEqual(result.values, [1, 0.0999755859375, -2.5, Infinity]);
    assert.deepEqual(result.back, result.values);
    assert.deepEqual(result.engineBack, [3.140625, -0.5]);
  });

  test('comparisons read float16 outputs given as Float16Array (as onnxruntime-web returns them)', async () => {
    const result = await page.evaluate(() => {
      const { compareTensors } = (globalThis as any).lib;
      const Float16 = (globalThis as any).Float16Array;
      const expected = { type: 'float32', dims: [3], data: new Float32Array([1, 2, 1000]) };
      const close = { type: 'float16', dims: [3], data: Float16.from([1, 2, 1000]) };
      const far = { type: 'float16', dims: [3], data: Float16.from([1, 2, 1100]) };
      return { close: compareTensors('y', expected, close, 1e-2, 1e-3), far: compareTensors('y', expected, far, 1e-2, 1e-3) };
    });
    assert.equal(result.close.passed, true);
    assert.equal(result.close.maxAbsError, 0);
    assert.equal(result.far.passed, false);
    assert.equal(result.far.maxAbsError, 100);
  });
});
