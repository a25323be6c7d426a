import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertFloat32ToBfloat16 } from './bfloat16.js';
import { clampBits, countFloat32 } from './clamp.js';
import { convertFloat32ToFloat16 } from './float16.js';
import { wasmKernels } from './wasm-kernels.js';

const kernels = wasmKernels();
const skip = kernels ? false : 'WebAssembly SIMD is unavailable here: the JavaScript kernels serve';

/** 2^20 float32 bit patterns: random bits (every class of value), then specials at the start. */
function randomPatterns(n: number): Uint32Array {
  const patterns = new Uint32Array(n);
  let seed = 2024;
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    patterns[i] = seed >>> 0;
  }
  const specials = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7f800001, 0x7fc00000, 0xffc00001, 0x33000000, 0x33400000, 0x387fc000, 0x38800000, 0x387fffff, 0x477fe000, 0x477fe001, 0x477fefff, 0x477ff000, 0x477fffff, 0x47800000, 0x7f7fffff, 0x3f801000, 0x3f803000, 0x00000001, 0x3f808000, 0x3f818000, 0x33d6bf95, 0x33d6bf94, 0x461c4000, 0x461c4001];
  patterns.set(specials);
  return patterns;
}

/**
 * 2^20 patterns shaped like trained weights: mostly values of magnitude 1e-3..1, which take the
 * kernels' fast paths, with every 97th a random pattern (tiny, huge, NaN) that sends its step down the full path.
 */
function weightLikePatterns(n: number): Uint32Array {
  const values = new Float32Array(n);
  const bits = new Uint32Array(values.buffer);
  const random = randomPatterns(n);
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0) bits[i] = random[i]!;
    else values[i] = Math.sin(i * 0.7071) * 10 ** -((i % 7) / 2);
  }
  return bits;
}

const BOUNDS = [undefined, { minPositiveVal: 1e-7, maxFiniteVal: 1e4 }, { minPositiveVal: 5.96e-8, maxFiniteVal: 65504 }, { minPositiveVal: 1e-3, maxFiniteVal: 0.5 }, { minPositiveVal: 0, maxFiniteVal: 1e38 }];

for (const [name, patterns] of [['random bit patterns and specials', randomPatterns(1 << 20)], ['weight-like values with scattered outliers', weightLikePatterns(1 << 20)]] as const) {
  test(`the WebAssembly SIMD conversion kernels match the JavaScript kernels bit for bit (2^20 ${name}, with and without clipping)`, { skip }, () => {
    const k = kernels!;
    const n = patterns.length;
    k.inputBits.set(patterns);
    for (const bounds of BOUNDS) {
      const { lo, hi } = clampBits(bounds);
      for (const bfloat16 of [false, true]) {
        const expected = new Uint16Array(n);
        (bfloat16 ? convertFloat32ToBfloat16 : convertFloat32ToFloat16)(patterns, expected, lo, hi);
        k.convert(n, bfloat16, lo, hi);
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (k.output[i] !== expected[i]) mismatches++;
        assert.equal(mismatches, 0, `${bfloat16 ? 'bfloat16' : 'float16'} with bounds ${JSON.stringify(bounds)}`);
      }
    }
  });

  test(`the WebAssembly SIMD statistics kernel counts exactly as the JavaScript one (2^20 ${name}, every bound)`, { skip }, () => {
    const k = kernels!;
    k.inputBits.set(patterns);
    for (const bounds of BOUNDS) {
      const { lo, hi } = clampBits(bounds);
      const expected = countFloat32(patterns, lo, hi);
      assert.deepEqual(k.stats(patterns.length, lo, hi), expected, `bounds ${JSON.stringify(bounds)}`);
      // Chunks that start and end anywhere on a step boundary add up to the whole.
      const first = k.stats(4 * 1001, lo, hi);
      assert.deepEqual(first, countFloat32(patterns.subarray(0, 4 * 1001), lo, hi));
    }
  });
}

test('the statistics kernel on a hand-made chunk: clipped, beyond float16, non-finite and the largest finite magnitude', { skip }, () => {
  const k = kernels!;
  const values = new Float32Array(k.inputBits.buffer, k.inputBits.byteOffset, 8);
  values.set([0, -1e-9, 2, -70000, 3e4, Infinity, NaN, -0]);
  const { lo, hi } = clampBits({ minPositiveVal: 1e-7, maxFiniteVal: 1e4 });
  assert.deepEqual(k.stats(8, lo, hi), { count: 8, clampedSmall: 1, clampedLarge: 2, beyondFloat16: 1, nonFinite: 2, maxAbsBits: 0x4788b800 });
});

test('the committed module is what kernels.wat assembles to', { skip }, async (t) => {
  type Wabt = { parseWat: (name: string, text: string, features: object) => { validate(): void; toBinary(o: object): { buffer: Uint8Array } } };
  let wabtFactory: () => Promise<Wabt>;
  try {
    wabtFactory = (await import('wabt')).default as unknown as () => Promise<Wabt>;
  } catch {
    // Reported as skipped, not passed: nothing was compared.
    t.skip('wabt (a devDependency) is not installed: the committed module is not compared with kernels.wat');
    return;
  }
  const wabt = await wabtFactory();
  const parsed = wabt.parseWat('kernels.wat', readFileSync('src/numeric/wasm/kernels.wat', 'utf8'), { simd: true });
  parsed.validate();
  const { KERNELS_WASM_BASE64 } = await import('./wasm/kernels.generated.js');
  assert.equal(Buffer.from(parsed.toBinary({}).buffer).toString('base64'), KERNELS_WASM_BASE64, 'run npm run gen:wasm');
});
