/**
 * float32 tensors -> float16/bfloat16 tensors. A converted tensor is a new TensorProto whose
 * raw_data is a payload computed from the source's bytes chunk by chunk (clip, then round) when
 * it is encoded or saved: the source may be in memory, in the model file or in an external data
 * file, and neither the source nor its converted bytes are ever held whole. The statistics pass
 * (clip counts, values beyond float16) reads the source the same way, once per tensor, unless
 * saving a conversion has measured it already (convert-and-save.ts: each weight read once).
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { ExternalDataError } from '../errors.js';
import { convertFloat32ToBfloat16 } from '../numeric/bfloat16.js';
import { clampBits, Float32StatsAccumulator, type ClampBounds, type Float32Stats } from '../numeric/clamp.js';
import { convertFloat32ToFloat16, float16BitsToFloat32Bits } from '../numeric/float16.js';
import { WASM_CHUNK_ELEMENTS, wasmKernels } from '../numeric/wasm-kernels.js';
import { TensorProto_DataLocation, TensorProtoSchema, type TensorProto } from '../proto/onnx.js';
import { bindLazyRawData, rawPayloadOf, tensorPayload, type TensorPayload } from '../proto/payload.js';

/** Elements per chunk: 1 Mi float32 = 4 MiB read, 2 MiB written. */
const CHUNK_ELEMENTS = 1 << 20;

/**
 * Elements per chunk of a streamed pass (statistics, or conversion straight to a writer): 64 Ki
 * float32 = 256 KiB read, 128 KiB written, small enough that the bytes a read copies in stay in
 * the processor's cache for the kernel, and the kernel's output for the write.
 */
const STREAM_CHUNK_ELEMENTS = 1 << 16;

let sharedInput: Uint8Array | undefined;
let sharedOutput: Uint16Array | undefined;

/** Reused scratch buffers: memory touched once, whatever the number of tensors. */
function scratch(): { input: Uint8Array; output: Uint16Array } {
  sharedInput ??= new Uint8Array(CHUNK_ELEMENTS * 4);
  sharedOutput ??= new Uint16Array(CHUNK_ELEMENTS);
  return { input: sharedInput, output: sharedOutput };
}

/** The float32 source of a FLOAT tensor: a payload over its little-endian bytes. */
export function float32Source(tensor: TensorProto): TensorPayload | undefined {
  const payload = rawPayloadOf(tensor);
  if (payload) return payload;
  if (tensor.floatData.length === 0) return undefined;
  const bytes = new Uint8Array(Float32Array.from(tensor.floatData).buffer);
  return { byteLength: bytes.byteLength, origin: `tensor "${tensor.name}"`, readSync: (at, t) => t.set(bytes.subarray(at, at + t.byteLength)), read: async (at, t) => t.set(bytes.subarray(at, at + t.byteLength)) };
}

/**
 * In-memory float32 tensors up to this size are measured and converted at once, unmemoized: that
 * costs less than a memo entry or a lazy payload (graph-heavy models hold tens of thousands of them).
 */
const SMALL_TENSOR_BYTES = 4096;
const smallBits = new Uint32Array(SMALL_TENSOR_BYTES / 4);
const smallBytes = new Uint8Array(smallBits.buffer);
const smallFloats = new Float32Array(smallBits.buffer);
const smallHalves = new Uint16Array(SMALL_TENSOR_BYTES / 4);
const smallHalfBytes = new Uint8Array(smallHalves.buffer);

/** The values of a small FLOAT tensor held in memory, as float32 bits in scratch memory (valid until the next call); undefined for any other tensor. */
function smallFloat32Bits(tensor: TensorProto): Uint32Array | undefined {
  if (tensorPayload(tensor)) return undefined;
  const raw = tensor.rawData;
  if (raw.byteLength > 0) {
    if (raw.byteLength > SMALL_TENSOR_BYTES || raw.byteLength % 4 !== 0) return undefined;
    smallBytes.set(raw);
    return smallBits.subarray(0, raw.byteLength >>> 2);
  }
  const floats = tensor.floatData;
  if (floats.length === 0 || floats.length > smallFloats.length) return undefined;
  smallFloats.set(floats);
  return smallBits.subarray(0, floats.length);
}

function readSync(payload: TensorPayload, offset: number, target: Uint8Array, tensorName: string): void {
  if (!payload.readSync) {
    throw new Error(`tensor "${tensorName}": its data (${payload.origin}) can only be read asynchronously, which conversion does not support`);
  }
  payload.readSync(offset, target);
}

/**
 * Statistics by the identity of a tensor's data (its payload, raw bytes or float_data), then by
 * bounds: copies of a tensor message share them, and so do repeated conversions of one model.
 */
const statsMemo = new WeakMap<object, Map<string, Float32Stats>>();

function dataIdentity(tensor: TensorProto): object {
  const bound = tensorPayload(tensor);
  if (bound) return bound.payload;
  if (tensor.rawData.byteLength > 0) return tensor.rawData;
  return tensor.floatData.length > 0 ? tensor.floatData : tensor;
}

function boundsKey(bounds: ClampBounds | undefined): string {
  return bounds ? `${bounds.minPositiveVal}:${bounds.maxFiniteVal}` : 'none';
}

function memoizedStats(tensor: TensorProto, bounds: ClampBounds | undefined): Float32Stats | undefined {
  return statsMemo.get(dataIdentity(tensor))?.get(boundsKey(bounds));
}

function memoizeStats(tensor: TensorProto, bounds: ClampBounds | undefined, stats: Float32Stats): void {
  const identity = dataIdentity(tensor);
  let byBounds = statsMemo.get(identity);
  if (!byBounds) statsMemo.set(identity, (byBounds = new Map()));
  byBounds.set(boundsKey(bounds), stats);
}

/** Set while `withUnreadStatisticsAssumed` runs. */
let assumingUnreadStatistics = false;

/**
 * Runs `run` (a conversion) with the statistics of every tensor not measured yet taken as "all
 * values within bounds" instead of read: a plan made so is the real plan wherever no constant
 * turns out to be out of range, and saving its result measures each converted tensor while
 * converting it (see convertedPayload), so a second conversion then reads nothing again.
 */
export function withUnreadStatisticsAssumed<T>(run: () => T): T {
  const previous = assumingUnreadStatistics;
  assumingUnreadStatistics = true;
  try {
    return run();
  } finally {
    assumingUnreadStatistics = previous;
  }
}

/** Statistics of a FLOAT tensor under `bounds`, read in chunks (each reported to `onRead`); memoized per tensor data and bounds. */
export function float32Stats(tensor: TensorProto, bounds: ClampBounds | undefined, onRead?: (bytes: number) => void): Float32Stats {
  const small = smallFloat32Bits(tensor);
  if (small) {
    if (assumingUnreadStatistics) return { count: small.length, clampedSmall: 0, clampedLarge: 0, beyondFloat16: 0, maxAbs: 0, nonFinite: 0 };
    const accumulator = new Float32StatsAccumulator(bounds);
    accumulator.add(small);
    onRead?.(small.length * 4);
    return accumulator.result();
  }
  const cached = memoizedStats(tensor, bounds);
  if (cached) return cached;
  const source = float32Source(tensor);
  if (assumingUnreadStatistics) {
    const count = source ? source.byteLength >>> 2 : 0;
    return { count, clampedSmall: 0, clampedLarge: 0, beyondFloat16: 0, maxAbs: 0, nonFinite: 0 };
  }
  const accumulator = new Float32StatsAccumulator(bounds);
  const wasm = wasmKernels();
  if (source && wasm) {
    const { lo, hi } = clampBits(bounds);
    for (let at = 0; at < source.byteLength; at += STREAM_CHUNK_ELEMENTS * 4) {
      const length = Math.min(STREAM_CHUNK_ELEMENTS * 4, source.byteLength - at);
      readSync(source, at, wasm.input.subarray(0, length), tensor.name);
      const n = length >>> 2;
      const simd = n - (n % 4);
      accumulator.addCounts(wasm.stats(simd, lo, hi));
      if (simd < n) accumulator.add(wasm.inputBits.subarray(simd, n));
      onRead?.(length);
    }
  } else if (source) {
    const { input } = scratch();
    for (let at = 0; at < source.byteLength; at += input.byteLength) {
      const length = Math.min(input.byteLength, source.byteLength - at);
      readSync(source, at, input.subarray(0, length), tensor.name);
      accumulator.add(new Uint32Array(input.buffer, 0, length >>> 2));
      onRead?.(length);
    }
  }
  const stats = accumulator.result();
  memoizeStats(tensor, bounds, stats);
  return stats;
}

/**
 * A copy of a FLOAT tensor as `target` (FLOAT16 or BFLOAT16), named `name`. Its data is a lazy
 * payload over the source (a small in-memory source is converted at once), clipped with `bounds`
 * then rounded to nearest even. External and typed
 * (float_data) sources become raw_data; the caller decides where it is saved.
 */
export function convertFloatTensor(tensor: TensorProto, target: number, bounds: ClampBounds | undefined, name = tensor.name): TensorProto {
  const out = create(TensorProtoSchema, { name, dims: tensor.dims, dataType: target });
  for (const key of ['docString', 'metadataProps', 'segment'] as const) {
    if (Object.hasOwn(tensor, key)) (out as Record<string, unknown>)[key] = tensor[key];
  }
  const small = smallFloat32Bits(tensor);
  if (small) {
    const { lo, hi } = clampBits(bounds);
    (target === DataType.BFLOAT16 ? convertFloat32ToBfloat16 : convertFloat32ToFloat16)(small, smallHalves.subarray(0, small.length), lo, hi);
    // A copy of the scratch bytes: slicing allocates the array alone, where a fresh Uint16Array's buffer costs another object.
    out.rawData = smallHalfBytes.slice(0, small.length * 2);
    origins.set(out, { source: tensor, target, bounds });
    return out;
  }
  const source = float32Source(tensor);
  if (source) bindLazyRawData(out, convertedPayload(source, target, bounds, tensor.name, tensor));
  origins.set(out, { source: tensor, target, bounds });
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL && !source) {
    throw new ExternalDataError(`tensor "${tensor.name}": its external data was never loaded (use loadModel(path), not decodeModel), so it cannot be converted`);
  }
  return out;
}

interface ConversionOrigin {
  source: TensorProto;
  target: number;
  bounds: ClampBounds | undefined;
}
/** Converted tensor -> the float32 tensor it was converted from. */
const origins = new WeakMap<TensorProto, ConversionOrigin>();
/**
 * The float32 tensor a tensor made by convertFloatTensor was converted from, with the target and
 * clipping bounds (undefined for other tensors): lets repeated conversions of one model (mixed
 * precision attempts on a float16 provider) reuse converted data.
 */
export function conversionOrigin(converted: TensorProto): Readonly<ConversionOrigin> | undefined {
  return origins.get(converted);
}
/** Source tensor -> (target, bounds) -> its values after the round trip through the target type. */
const roundTrips = new WeakMap<TensorProto, Map<string, Uint8Array<ArrayBuffer>>>();

/**
 * For a tensor made by convertFloatTensor: the float32 bytes of its values (each float32 value
 * clipped, rounded to the target type and widened back, exactly). Memoized per source tensor, so
 * repeated emulations (mixed-precision attempts) convert each weight once. Undefined for other tensors.
 */
export function roundTripFloat32Bytes(converted: TensorProto): Uint8Array<ArrayBuffer> | undefined {
  const origin = origins.get(converted);
  if (!origin) return undefined;
  const key = `${origin.target}:${origin.bounds ? `${origin.bounds.minPositiveVal}:${origin.bounds.maxFiniteVal}` : 'none'}`;
  let byKey = roundTrips.get(origin.source);
  const cached = byKey?.get(key);
  if (cached) return cached;
  const source = float32Source(origin.source);
  const count = source ? source.byteLength / 4 : 0;
  const halves = new Uint16Array(count);
  if (source) convertedPayload(source, origin.target, origin.bounds, origin.source.name).readSync!(0, new Uint8Array(halves.buffer));
  const widened = new Uint32Array(count);
  if (origin.target === DataType.BFLOAT16) for (let i = 0; i < count; i++) widened[i] = (halves[i]! << 16) >>> 0;
  else {
    const table = float16Table();
    for (let i = 0; i < count; i++) widened[i] = table[halves[i]!]!;
  }
  const bytes = new Uint8Array(widened.buffer);
  if (!byKey) roundTrips.set(origin.source, (byKey = new Map()));
  byKey.set(key, bytes);
  return bytes;
}

let float16ToFloat32Table: Uint32Array | undefined;
/** float16 bits -> float32 bits, for all 65,536 patterns. */
function float16Table(): Uint32Array {
  if (!float16ToFloat32Table) {
    float16ToFloat32Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) float16ToFloat32Table[h] = float16BitsToFloat32Bits(h);
  }
  return float16ToFloat32Table;
}

/**
 * A payload of float16/bfloat16 bytes computed from a float32 payload, chunk by chunk. Given the
 * source tensor, streaming it whole also measures the tensor's statistics where they are not known
 * yet (the kernel counts the chunk it has just converted, still in cache), for float32Stats.
 */
export function convertedPayload(source: TensorPayload, target: number, bounds: ClampBounds | undefined, tensorName: string, sourceTensor?: TensorProto): TensorPayload {
  if (source.byteLength % 4 !== 0) throw new Error(`tensor "${tensorName}": float32 data of ${source.byteLength} bytes is not a whole number of elements`);
  return source.readSync ? new StreamingConvertedPayload(source, target, bounds, tensorName, sourceTensor) : new ConvertedPayload(source, target, bounds, tensorName, sourceTensor);
}

/** Reads float32 bytes at a byte offset of the source into `into`. */
type ChunkReader = (at: number, into: Uint8Array) => void;

/**
 * Methods on a prototype, not closures: a model holds one converted payload per weight (tens of
 * thousands of small ones in graph-heavy models), and each closure costs an allocation.
 */
class ConvertedPayload implements TensorPayload {
  readonly byteLength: number;

  constructor(
    readonly source: TensorPayload,
    readonly target: number,
    readonly bounds: ClampBounds | undefined,
    readonly tensorName: string,
    readonly sourceTensor: TensorProto | undefined,
  ) {
    this.byteLength = source.byteLength / 2;
  }

  get origin(): string {
    return `${this.source.origin}, converted to ${this.target === DataType.BFLOAT16 ? 'bfloat16' : 'float16'}`;
  }

  /**
   * Converts `elements` float32 read at float32 byte `at` (from the source, or by `readChunk`), counting them into
   * `stats` if given; returns the halves (scratch memory, valid until the next call).
   */
  convertChunk(at: number, elements: number, readChunk: ChunkReader | undefined, stats?: Float32StatsAccumulator): Uint16Array {
    const bfloat16 = this.target === DataType.BFLOAT16;
    const { lo, hi } = clampBits(this.bounds);
    const wasm = wasmKernels();
    if (wasm) {
      // Read straight into the kernel's memory; the SIMD kernel does multiples of 4, JavaScript the tail.
      this.readFloat32(at, wasm.input.subarray(0, elements * 4), readChunk);
      const simd = elements - (elements % 4);
      if (stats && !bfloat16) stats.addCounts(wasm.convertFloat16WithStats(simd, lo, hi));
      else {
        wasm.convert(simd, bfloat16, lo, hi);
        if (stats) stats.addCounts(wasm.stats(simd, lo, hi));
      }
      if (simd < elements) {
        (bfloat16 ? convertFloat32ToBfloat16 : convertFloat32ToFloat16)(wasm.inputBits.subarray(simd, elements), wasm.output.subarray(simd, elements), lo, hi);
        stats?.add(wasm.inputBits.subarray(simd, elements));
      }
      return wasm.output.subarray(0, elements);
    }
    const { input, output } = scratch();
    this.readFloat32(at, input.subarray(0, elements * 4), readChunk);
    const halves = output.subarray(0, elements);
    const bits = new Uint32Array(input.buffer, 0, elements);
    (bfloat16 ? convertFloat32ToBfloat16 : convertFloat32ToFloat16)(bits, halves, lo, hi);
    stats?.add(bits);
    return halves;
  }

  readFloat32(at: number, into: Uint8Array, readChunk: ChunkReader | undefined): void {
    if (readChunk) readChunk(at, into);
    else readSync(this.source, at, into, this.tensorName);
  }

  convertInto(offset: number, out: Uint8Array, readChunk: ChunkReader | undefined): void {
    if (offset % 2 !== 0 || out.byteLength % 2 !== 0) throw new Error(`tensor "${this.tensorName}": unaligned read of converted data`);
    const chunkLimit = wasmKernels() ? WASM_CHUNK_ELEMENTS : CHUNK_ELEMENTS;
    for (let done = 0; done < out.byteLength; ) {
      const elements = Math.min(chunkLimit, (out.byteLength - done) >>> 1);
      const halves = this.convertChunk((offset + done) * 2, elements, readChunk);
      out.set(new Uint8Array(halves.buffer, halves.byteOffset, elements * 2), done);
      done += elements * 2;
    }
  }

  readSync(offset: number, out: Uint8Array): void {
    this.convertInto(offset, out, undefined);
  }

  async read(offset: number, out: Uint8Array): Promise<void> {
    // Async sources (browser Blob): read the float32 range first, then convert synchronously.
    const bytes = new Uint8Array(out.byteLength * 2);
    if (this.source.readSync) this.source.readSync(offset * 2, bytes);
    else await this.source.read(offset * 2, bytes);
    this.convertInto(offset, out, (at, into) => into.set(bytes.subarray(at - offset * 2, at - offset * 2 + into.byteLength)));
  }
}

/** Over a source that reads synchronously: it also streams (the saving path). */
class StreamingConvertedPayload extends ConvertedPayload {
  /** Each chunk goes from the kernel's output to the writer, never copied. */
  streamSync(sink: (bytes: Uint8Array) => void): void {
    const { sourceTensor, bounds } = this;
    const stats = sourceTensor && !memoizedStats(sourceTensor, bounds) ? new Float32StatsAccumulator(bounds) : undefined;
    const count = this.source.byteLength / 4;
    for (let done = 0; done < count; ) {
      const elements = Math.min(STREAM_CHUNK_ELEMENTS, count - done);
      const halves = this.convertChunk(done * 4, elements, undefined, stats);
      sink(new Uint8Array(halves.buffer, halves.byteOffset, elements * 2));
      done += elements;
    }
    if (stats) memoizeStats(sourceTensor!, bounds, stats.result());
  }
}
