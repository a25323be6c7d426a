import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertFloat32ToBfloat16 } from './bfloat16.js';
import { clampBits } from './clamp.js';
import { convertFloat32ToFloat16 } from './float16.js';
import { wasmKernels } from './wasm-kernels.js';

const kernels = wasmKernels();
const skip = kernels ? false : 'WebAssembly SIMD is unavailable here: the JavaScript kernels serve';

test('the WebAssembly SIMD kernels match the JavaScript kernels bit for bit (10^6 random patterns, specials, with and without clipping)', { skip }, () => {
  const k = kernels!;
  const n = 1 << 20;
  let seed = 2024;
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    k.inputBits[i] = seed >>> 0;
  }
  const specials = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7f800001, 0x7fc00000, 0xffc00001, 0x33000000, 0x33400000, 0x387fc000, 0x38800000, 0x477fefff, 0x477ff000, 0x7f7fffff, 0x3f801000, 0x3f803000, 0x00000001, 0x3f808000, 0x3f818000];
  specials.forEach((bits, i) => (k.inputBits[i] = bits));
  const source = k.inputBits.slice(0, n);
  for (const bounds of [undefined, { minPositiveVal: 1e-7, maxFiniteVal: 1e4 }, { minPositiveVal: 5.96e-8, maxFiniteVal: 65504 }]) {
    const { lo, hi } = clampBits(bounds);
    for (const bfloat16 of [false, true]) {
      const expected = new Uint16Array(n);
      (bfloat16 ? convertFloat32ToBfloat16 : convertFloat32ToFloat16)(source, expected, lo, hi);
      k.convert(n, bfloat16, lo, hi);
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (k.output[i] !== expected[i]) mismatches++;
      assert.equal(mismatches, 0, `${bfloat16 ? 'bfloat16' : 'float16'} with bounds ${JSON.stringify(bounds)}`);
    }
  }
  k.inputBits.set(Uint32Array.of(0, 0x80000000, 0x3f800000, 0xc2f70000, 0x00000010, 0x7f800000, 0, 0));
  assert.deepEqual(k.magnitudeRange(8), { max: 0x7f800000, minNonZero: 0x10 });
});

test('the committed module is what kernels.wat assembles to', { skip }, async () => {
  type Wabt = { parseWat: (name: string, text: string, features: object) => { validate(): void; toBinary(o: object): { buffer: Uint8Array } } };
  let wabtFactory: () => Promise<Wabt>;
  try {
    wabtFactory = (await import('wabt')).default as unknown as () => Promise<Wabt>;
  } catch {
    return; // wabt (a devDependency) is absent: nothing to compare
  }
  const wabt = await wabtFactory();
  const parsed = wabt.parseWat('kernels.wat', readFileSync('src/numeric/wasm/kernels.wat', 'utf8'), { simd: true });
  parsed.validate();
  const { KERNELS_WASM_BASE64 } = await import('./wasm/kernels.generated.js');
  assert.equal(Buffer.from(parsed.toBinary({}).buffer).toString('base64'), KERNELS_WASM_BASE64, 'run npm run gen:wasm');
});
