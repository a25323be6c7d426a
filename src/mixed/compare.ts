/**
 * Compares two models on the same feeds: is the converted model good enough, and where does it go
 * wrong? Model A (the reference, usually float32) and model B (usually its conversion) run on the
 * same feeds (float32 feeds rounded where a model takes float16, float16 feeds widened where it
 * takes float32); each output gets max abs / max relative / L2-relative error, cosine similarity,
 * NaN and Inf counts, and pass/fail under numpy.allclose with `auto`'s rule (validate.ts).
 *
 * Honest on a CPU: onnxruntime's CPU provider computes a float16 model in float32 between Casts,
 * hiding rounding and overflow between ops. When B holds float16 (or bfloat16) and `emulate` is
 * on (the Node entry's default on the CPU), B is measured through its float16 emulation
 * (emulate.ts), as `auto` measures attempts; the result says which way it measured.
 *
 * `locate`: every float intermediate of both models is exposed (expose.ts) and read by value
 * name, which a conversion keeps; in A's topological order, the first nodes where a value leaves
 * the low type's range, becomes NaN/Inf, flushes to zero, or where the error jumps, are named with
 * the value ranges that explain them.
 */
import { DataType } from '../dtype.js';
import { ModelRunError, OptionsError } from '../errors.js';
import { nodeAddress } from '../convert/plan.js';
import { modelFromProto } from '../ir/from-proto.js';
import { graphTree, type Model } from '../ir/model.js';
import { NameAllocator } from '../ir/name-allocator.js';
import type { Node } from '../ir/node.js';
import { modelToProto } from '../ir/to-proto.js';
import { topologicalOrder } from '../ir/topological-order.js';
import { FLOAT16_MAX } from '../numeric/float16.js';
import { fromFloat16, toFloat16 } from '../numeric/float16-array.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto } from '../proto/onnx.js';
import type { Feeds, Runtime, TensorLike } from '../runtime/runtime.js';
import { inferTypes } from '../schema/infer-types.js';
import { castTarget } from '../schema/attributes.js';
import { relativeError } from './attribution.js';
import { emulateLowPrecision } from './emulate.js';
import { exposeValues, type Exposure } from './expose.js';
import { keyOf } from './switch-plan.js';
import { allClose, numbers, resolveValidation } from './validate.js';

export interface CompareOptions {
  /** Where the models run. Required in the browser-safe core; the Node entry defaults to onnxruntime-node. */
  runtime?: Runtime;
  /** numpy.allclose tolerances, defaulting as `auto` (atol alone: rtol 1e-5; rtol alone: atol 1e-8); neither: COMPARE_DEFAULT_TOLERANCES. */
  rtol?: number;
  atol?: number;
  /** Measure a float16/bfloat16 B through its float32 emulation (default true: right for CPUs; false on a float16-capable provider). */
  emulate?: boolean;
  /** Name the first nodes where B departs from A (B must be a conversion of A: same value names). */
  locate?: boolean;
}

/**
 * The tolerances when none are given: float16 keeps about 3 decimal digits and errors add up over
 * a network; near zero, outputs of unit scale move by ~1e-2 (measured on the real CNN detectors of
 * the tests, emulated float16). Outputs of another scale need tolerances of their own.
 */
export const COMPARE_DEFAULT_TOLERANCES = { rtol: 1e-2, atol: 2e-2 } as const;

export interface OutputComparison {
  readonly output: string;
  readonly elements: number;
  /** Largest |a - b| over elements finite in both; Infinity where B is NaN/Inf and A is finite. */
  readonly maxAbsError: number;
  /** Largest |a - b| / |a| over elements finite in both (|a| at least 1e-12); Infinity as maxAbsError. */
  readonly maxRelError: number;
  /** ||a - b|| / ||a|| over elements finite in both (0 when both are zero); Infinity as maxAbsError. */
  readonly l2RelError: number;
  /** a·b / (||a|| ||b||) over elements finite in both (1 when both are zero; NaN when no element is finite in both). */
  readonly cosine: number;
  readonly nan: { readonly a: number; readonly b: number };
  readonly inf: { readonly a: number; readonly b: number };
  /** numpy.allclose(a, b, rtol, atol): NaN never matches, equal infinities do. */
  readonly passed: boolean;
}

/** A node where B departs from A, first ones in topological order. */
export interface LocatedNode {
  /** The node's address (name, or `#index` path). */
  readonly node: string;
  readonly opType: string;
  /** The output value the finding is about. */
  readonly value: string;
  /** overflow: A's value exceeds the low type's largest finite; nonfinite: B's becomes NaN/Inf; underflow: most of A's nonzero values flush to zero; jump: the error jumps here. */
  readonly kind: 'overflow' | 'nonfinite' | 'underflow' | 'jump';
  /** The finite range of A's value. */
  readonly range: readonly [number, number];
  /** max |a - b| / max |a| of the value, and the largest of the node's inputs (Infinity: new NaN/Inf). */
  readonly error: number;
  readonly inputError: number;
  /** One line saying it, e.g. 'LayerNorm/Pow (Pow) output "x" reaches 1.2e5 > 65504: Inf in float16'. */
  readonly message: string;
}

export interface ComparisonResult {
  readonly outputs: OutputComparison[];
  /** Every output passed. */
  readonly passed: boolean;
  readonly rtol: number;
  readonly atol: number;
  /** "emulated": B's float16 rounding emulated between ops; "direct": B run as it is. */
  readonly measured: 'emulated' | 'direct';
  /** B's low-precision type, if it has one. */
  readonly lowType: 'float16' | 'bfloat16' | null;
  readonly runtime: string;
  /** With `locate`: the first nodes where B departs from A (at most MAX_LOCATED). */
  readonly located?: LocatedNode[];
}

const KNOWN_KEYS = new Set(['runtime', 'rtol', 'atol', 'emulate', 'locate']);
const MAX_LOCATED = 5;
const BFLOAT16_MAX = 3.3895313892515355e38;
/** An error below this is rounding, not a jump. */
const JUMP_FLOOR = 1e-2;

/** Runs `a` and `b` on `feeds` and compares their outputs by name (B must have every output of A). */
export async function compareModels(a: ModelProto, b: ModelProto, feeds: Feeds, options: CompareOptions = {}): Promise<ComparisonResult> {
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) throw new OptionsError(`compareModels: unknown option "${key}" (${[...KNOWN_KEYS].join(', ')})`);
  const runtime = options.runtime;
  if (!runtime) throw new OptionsError('compareModels: a runtime is needed to run models: pass runtime (onnxruntimeAdapter(ort)), or use the Node entry, which defaults to onnxruntime-node');
  const given = options.rtol === undefined && options.atol === undefined ? COMPARE_DEFAULT_TOLERANCES : options;
  const { rtol, atol } = resolveValidation({ rtol: given.rtol, atol: given.atol }) as { rtol: number; atol: number };
  const outputNames = a.graph?.output.map((o) => o.name) ?? [];
  const bOutputs = new Set(b.graph?.output.map((o) => o.name));
  const missing = outputNames.filter((name) => !bOutputs.has(name));
  if (missing.length > 0) throw new OptionsError(`model B has no output ${missing.map((n) => `"${n}"`).join(', ')} of model A (B's outputs: ${[...bOutputs].join(', ')})`);
  const lowType = lowPrecisionOf(b);
  const emulate = (options.emulate ?? true) && lowType !== undefined;
  const runnableB = emulate ? emulateLowPrecision(b, lowType!) : b;

  let located: LocatedNode[] | undefined;
  let outputsA: Record<string, TensorLike>;
  let outputsB: Record<string, TensorLike>;
  if (options.locate) {
    // The intermediates of B come from its float32 emulation (the only form whose values can all be exposed as float32).
    const exposedA = exposeFloatValues(a);
    const exposedB = exposeFloatValues(emulate ? runnableB : emulateLowPrecision(b, lowType ?? DataType.FLOAT16));
    outputsA = await run(runtime, exposedA.model, feeds, 'A');
    const intermediatesB = await run(runtime, exposedB.model, feeds, 'B');
    outputsB = emulate ? intermediatesB : await run(runtime, b, feeds, 'B', outputNames);
    located = locate(modelFromProto(a), exposedA.keys.read(outputsA), exposedB.keys.read(intermediatesB), lowType ?? DataType.FLOAT16);
  } else {
    outputsA = await run(runtime, a, feeds, 'A', outputNames);
    outputsB = await run(runtime, runnableB, feeds, 'B', outputNames);
  }
  const outputs = outputNames.map((name) => compareTensors(name, outputsA[name]!, outputsB[name]!, rtol, atol));
  return {
    outputs,
    passed: outputs.every((o) => o.passed),
    rtol,
    atol,
    measured: emulate ? 'emulated' : 'direct',
    lowType: lowType === DataType.FLOAT16 ? 'float16' : lowType === DataType.BFLOAT16 ? 'bfloat16' : null,
    runtime: runtime.name,
    ...(located ? { located } : {}),
  };
}

/** The statistics of one output pair. */
export function compareTensors(output: string, expected: TensorLike, actual: TensorLike, rtol: number, atol: number): OutputComparison {
  const x = numbers(expected);
  const y = numbers(actual);
  if (x.length !== y.length) throw new OptionsError(`output "${output}": model A gives ${x.length} values (shape [${expected.dims.join(', ')}]), model B ${y.length} (shape [${actual.dims.join(', ')}])`);
  let maxAbsError = 0;
  let maxRelError = 0;
  let diff2 = 0;
  let a2 = 0;
  let b2 = 0;
  let ab = 0;
  const nan = { a: 0, b: 0 };
  const inf = { a: 0, b: 0 };
  let finitePairs = 0;
  let lost = false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (Number.isNaN(p)) nan.a++;
    else if (!Number.isFinite(p)) inf.a++;
    if (Number.isNaN(q)) nan.b++;
    else if (!Number.isFinite(q)) inf.b++;
    if (Number.isFinite(p) && !Number.isFinite(q)) lost = true;
    if (!Number.isFinite(p) || !Number.isFinite(q)) continue;
    finitePairs++;
    const d = Math.abs(p - q);
    if (d > maxAbsError) maxAbsError = d;
    const rel = d / Math.max(Math.abs(p), 1e-12);
    if (rel > maxRelError) maxRelError = rel;
    diff2 += d * d;
    a2 += p * p;
    b2 += q * q;
    ab += p * q;
  }
  let l2RelError = a2 > 0 ? Math.sqrt(diff2 / a2) : diff2 > 0 ? Infinity : 0;
  const cosine = finitePairs === 0 && x.length > 0 ? NaN : a2 > 0 && b2 > 0 ? ab / Math.sqrt(a2 * b2) : a2 === b2 ? 1 : 0;
  // A value B lost (NaN/Inf where A is finite) is an unbounded error.
  if (lost) maxAbsError = maxRelError = l2RelError = Infinity;
  return { output, elements: x.length, maxAbsError, maxRelError, l2RelError, cosine, nan, inf, passed: allClose(expected, actual, rtol, atol) };
}

/** FLOAT16 or BFLOAT16 where the model holds such values (initializers, declared types, Casts), else undefined. */
export function lowPrecisionOf(model: ModelProto): number | undefined {
  const ir = modelFromProto(model);
  const found = new Set<number>();
  for (const graph of ir.graph ? graphTree(ir.graph) : []) {
    for (const value of graph.initializers) found.add(value.initializer!.dataType);
    for (const port of [...graph.inputs, ...graph.outputs]) {
      const type = port.info?.type?.value;
      if (type?.case === 'tensorType') found.add(type.value.elemType);
    }
    for (const node of graph.nodes) if (node.opType === 'Cast') found.add(castTarget(node.proto) ?? 0);
  }
  return found.has(DataType.FLOAT16) ? DataType.FLOAT16 : found.has(DataType.BFLOAT16) ? DataType.BFLOAT16 : undefined;
}

/** Feeds as `model` takes them: float32 rounded to float16 where it takes float16, float16 widened where it takes float32. */
export function feedsFor(model: ModelProto, feeds: Feeds): Feeds {
  const out: Feeds = { ...feeds };
  for (const input of model.graph?.input ?? []) {
    const feed = feeds[input.name];
    const type = input.type?.value;
    if (!feed || type?.case !== 'tensorType') continue;
    if (feed.type === 'float32' && type.value.elemType === DataType.FLOAT16) out[input.name] = { type: 'float16', data: toFloat16(feed.data as Float32Array), dims: feed.dims };
    if (feed.type === 'float16' && type.value.elemType === DataType.FLOAT) out[input.name] = { type: 'float32', data: fromFloat16(feed.data as Uint16Array), dims: feed.dims };
  }
  return out;
}

async function run(runtime: Runtime, model: ModelProto, feeds: Feeds, which: 'A' | 'B', outputNames?: readonly string[]): Promise<Record<string, TensorLike>> {
  try {
    return await runtime.run(encodeModel(model), feedsFor(model, feeds), outputNames);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    throw new ModelRunError(`model ${which} does not run (${runtime.name}): ${message}`, { cause: error });
  }
}

/** The model with every float32 node output exposed, and what its outputs carry. */
function exposeFloatValues(model: ModelProto): { model: ModelProto; keys: Exposure } {
  const ir = modelFromProto(model);
  const types = inferTypes(ir);
  const keys = exposeValues(ir.graph!, NameAllocator.forModel(ir), (value) => {
    const type = types.typeOf(value);
    return type?.kind === 'tensor' && type.elemType === DataType.FLOAT;
  });
  return { model: modelToProto(ir), keys };
}

/** Walks A's nodes in topological order (graph by graph) and names the first where B departs. */
function locate(ir: Model, reference: ReadonlyMap<string, TensorLike>, lowered: ReadonlyMap<string, TensorLike>, target: number): LocatedNode[] {
  const max = target === DataType.BFLOAT16 ? BFLOAT16_MAX : FLOAT16_MAX;
  const tiny = target === DataType.BFLOAT16 ? 0 : 2 ** -25;
  const errors = new Map<string, number>();
  const errorOf = (key: string): number => {
    let error = errors.get(key);
    if (error === undefined) {
      const x = reference.get(key);
      const y = lowered.get(key);
      error = x && y ? relativeError(x, y) : 0;
      errors.set(key, error);
    }
    return error;
  };
  const found: LocatedNode[] = [];
  for (const graph of graphTree(ir.graph!)) {
    for (const node of topologicalOrder(graph)) {
      const inputError = Math.max(0, ...node.inputs.flatMap((v) => (v ? [errorOf(keyOf(v))] : [])));
      for (const value of node.outputs) {
        if (!value) continue;
        const key = keyOf(value);
        const x = reference.get(key);
        if (!x || !lowered.has(key)) continue;
        const finding = judge(node, value.name, x, errorOf(key), inputError, max, tiny, target);
        if (finding) found.push(finding);
        if (found.length >= MAX_LOCATED) return found;
      }
    }
  }
  return found;
}

function judge(node: Node, value: string, reference: TensorLike, error: number, inputError: number, max: number, tiny: number, target: number): LocatedNode | undefined {
  // Downstream of a NaN/Inf the error only travels: the node where it appeared was named already.
  if (inputError === Infinity) return undefined;
  const values = numbers(reference);
  let lo = Infinity;
  let hi = -Infinity;
  let peak = 0;
  let nonZero = 0;
  let flushed = 0;
  let smallest = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const m = Math.abs(v);
    if (m > peak) peak = m;
    if (m !== 0) {
      nonZero++;
      if (m < smallest) smallest = m;
      if (m <= tiny) flushed++;
    }
  }
  const range: [number, number] = values.length > 0 && lo <= hi ? [lo, hi] : [0, 0];
  const typeName = target === DataType.BFLOAT16 ? 'bfloat16' : 'float16';
  const where = `${nodeAddress(node)} (${node.opType}) output "${value}"`;
  const base = { node: nodeAddress(node), opType: node.opType, value, range, error, inputError };
  const effect = error === Infinity ? `: NaN/Inf in ${typeName}` : '';
  // A value B computes exactly (kept float32) is no finding, whatever its range.
  if (error === 0) return undefined;
  if (peak > max) return { ...base, kind: 'overflow', message: `${where} reaches ${short(peak)} > ${max === FLOAT16_MAX ? '65504' : short(max)} (${typeName}'s largest)${effect}` };
  if (error === Infinity) return { ...base, kind: 'nonfinite', message: `${where} becomes NaN/Inf in ${typeName}; float32 values in [${short(range[0])}, ${short(range[1])}]` };
  if (nonZero > 0 && flushed * 2 > nonZero) {
    return { ...base, kind: 'underflow', message: `${where}: ${flushed} of ${nonZero} nonzero values (down to ${short(smallest)}) are below ${short(tiny)} and become 0 in ${typeName}` };
  }
  if (error > JUMP_FLOOR && error > 10 * inputError) {
    return { ...base, kind: 'jump', message: `${where}: error jumps to ${short(error)} (of its largest value) from ${short(inputError)} at its inputs; float32 values in [${short(range[0])}, ${short(range[1])}]` };
  }
  return undefined;
}

/** 1.2e5, 0.25, 3.0e-8: two significant digits. */
function short(x: number): string {
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e4) return String(Number(x.toPrecision(3)));
  return x.toExponential(1).replace('e+', 'e');
}
