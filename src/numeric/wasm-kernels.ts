/**
 * The WebAssembly SIMD kernels (wasm/kernels.wat): float32 -> float16/bfloat16 and the
 * statistics of a chunk, several times faster than the JavaScript loops, bit for bit the same.
 * One instance, created on first use, with a fixed input and output area: callers read float32
 * bytes straight into `input`, run a kernel, and take the result from `output`. Where WebAssembly
 * SIMD is unavailable, `wasmKernels()` is undefined and the JavaScript kernels serve.
 */
import type { Float32Counts } from './clamp.js';
import { KERNELS_WASM_BASE64 } from './wasm/kernels.generated.js';

/** Elements per call: 1 Mi (4 MiB in, 2 MiB out). */
export const WASM_CHUNK_ELEMENTS = 1 << 20;

const STATS_OUT = 0;
const INPUT = 64;
const OUTPUT = INPUT + WASM_CHUNK_ELEMENTS * 4;

interface Exports {
  memory: WebAssembly.Memory;
  f32_to_f16(src: number, dst: number, n: number, lo: number, hi: number): void;
  f32_to_bf16(src: number, dst: number, n: number, lo: number, hi: number): void;
  f32_to_f16_stats(src: number, dst: number, n: number, lo: number, hi: number, out: number): void;
  float32_stats(src: number, n: number, lo: number, hi: number, out: number): void;
}

export interface WasmKernels {
  /** Where float32 input bytes go (WASM_CHUNK_ELEMENTS * 4 bytes). */
  readonly input: Uint8Array;
  /** The input as bit patterns. */
  readonly inputBits: Uint32Array;
  /** Where results appear (WASM_CHUNK_ELEMENTS halves). */
  readonly output: Uint16Array;
  /** Converts the first `n` input elements (n a multiple of 4) into `output`, clamping with the bits of clampBits. */
  convert(n: number, bfloat16: boolean, lo: number, hi: number): void;
  /** The statistics of the first `n` input elements (n a multiple of 4) under the clamp bits `lo`, `hi`, as countFloat32 counts them. */
  stats(n: number, lo: number, hi: number): Float32Counts;
  /** `convert` to float16 and `stats` in one pass over the input: the same halves in `output`, the same counts. */
  convertFloat16WithStats(n: number, lo: number, hi: number): Float32Counts;
}

let kernels: WasmKernels | null | undefined;

export function wasmKernels(): WasmKernels | undefined {
  if (kernels === undefined) kernels = instantiate();
  return kernels ?? undefined;
}

function instantiate(): WasmKernels | null {
  try {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
    const needed = Math.ceil((OUTPUT + WASM_CHUNK_ELEMENTS * 2) / 65536);
    exports.memory.grow(needed - exports.memory.buffer.byteLength / 65536);
    const buffer = exports.memory.buffer;
    const counts = new Uint32Array(buffer, STATS_OUT, 5);
    const readCounts = (n: number): Float32Counts => ({ count: n, clampedSmall: counts[0]!, clampedLarge: counts[1]!, beyondFloat16: counts[2]!, nonFinite: counts[3]!, maxAbsBits: counts[4]! });
    return {
      input: new Uint8Array(buffer, INPUT, WASM_CHUNK_ELEMENTS * 4),
      inputBits: new Uint32Array(buffer, INPUT, WASM_CHUNK_ELEMENTS),
      output: new Uint16Array(buffer, OUTPUT, WASM_CHUNK_ELEMENTS),
      convert: (n, bfloat16, lo, hi) => (bfloat16 ? exports.f32_to_bf16 : exports.f32_to_f16)(INPUT, OUTPUT, n, lo, hi),
      stats: (n, lo, hi) => {
        exports.float32_stats(INPUT, n, lo, hi, STATS_OUT);
        return readCounts(n);
      },
      convertFloat16WithStats: (n, lo, hi) => {
        exports.f32_to_f16_stats(INPUT, OUTPUT, n, lo, hi, STATS_OUT);
        return readCounts(n);
      },
    };
  } catch {
    return null;
  }
}
