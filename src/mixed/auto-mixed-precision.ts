/**
 * Automatic mixed precision: find the nodes that must stay float32 for the model to keep its
 * accuracy, then convert the rest.
 *
 * Every attempt converts the model with a node block list and checks its outputs against the
 * float32 model's on the given feeds (onnxconverter-common's validation rules). On a CPU, whose
 * onnxruntime provider computes float16 models in float32 between Casts, an attempt runs the
 * float32 emulation of the converted model (emulate.ts), which rounds like float16 hardware; on a
 * float16-capable provider the user names, it runs the converted model itself.
 *
 * Strategies:
 * - "bisect": onnxconverter-common's search, decision for decision (segments.ts).
 * - "guided" (default): one float32 run with every intermediate exposed finds the values float16
 *   cannot hold (beyond +-65504, or mostly below its smallest subnormal); their producers and
 *   consumers are blocked first. If that does not validate, one emulated run finds the nodes where
 *   the error grows, which join the seeds. Validating seeds are then minimised (one by one, or by
 *   bisection when there are many); otherwise the bisection over all candidates decides.
 * Attempts are memoized by block list; an attempt whose model fails to load or run counts as failed.
 */
import { DataType } from '../dtype.js';
import { ModelRunError, OptionsError } from '../errors.js';
import { convertModel } from '../convert/convert-model.js';
import { rejectUnknownKeys, type ConvertOptions } from '../convert/options.js';
import { nodeAddress, planConversion } from '../convert/plan.js';
import { resolveConvertOptions } from '../convert/options.js';
import { modelFromProto } from '../ir/from-proto.js';
import { graphTree } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto } from '../proto/onnx.js';
import { inferTypes } from '../schema/infer-types.js';
import { convertFloat32ToFloat16 } from '../numeric/float16.js';
import type { Feeds, Runtime, TensorLike } from '../runtime/runtime.js';
import { emulateLowPrecision } from './emulate.js';
import { exposeFloatValues, valueKey } from './expose.js';
import { bisect, segmentCounts, type Segment } from './segments.js';
import { hasNaN, numbers, resolveValidation, validateOutputs, type ValidateFn, type Validation } from './validate.js';

export type Strategy = 'guided' | 'bisect';

export interface AttemptEvent {
  /** 1-based number of the model run (memoized repeats are not runs). */
  readonly attempt: number;
  readonly phase: 'seed' | 'minimise' | 'bisect' | 'final';
  /** Nodes kept float32 in this attempt. */
  readonly blocked: number;
  readonly candidates: number;
  readonly passed: boolean;
  /** Why the attempt's model failed to load or run. */
  readonly error?: string;
  /** During bisection: nodes in converted, kept and undecided segments. */
  readonly segments?: { converted: number; kept: number; pending: number };
  readonly elapsedMs: number;
}

export interface AutoMixedPrecisionOptions {
  /** `(expected, actual) => boolean` on the outputs in graph order, as Python's validate_fn. */
  validateFn?: ValidateFn;
  /** numpy.allclose tolerances; defaulting as onnxconverter-common (atol alone: rtol 1e-5; rtol alone: atol 1e-8). */
  rtol?: number;
  atol?: number;
  /** Keep float32 graph inputs/outputs. Default false (float32 feeds are then cast to float16). */
  keepIoTypes?: boolean;
  /** Where models run. Required in the browser-safe core; the Node entry defaults to onnxruntime-node on the CPU. */
  runtime?: Runtime;
  /** Validate the float32 emulation of each attempt (true, the default for CPUs) or the converted model itself (false: for float16-capable providers). */
  emulate?: boolean;
  /** "guided" (default) or "bisect" (onnxconverter-common's search). */
  strategy?: Strategy;
  /** Other conversion options (opBlockList, minPositiveVal, ...) used by every attempt and the result. */
  convertOptions?: Omit<ConvertOptions, 'nodeBlockList' | 'keepIoTypes'>;
  /** FLOAT16 (default) or BFLOAT16. */
  to?: number;
  onProgress?: (event: AttemptEvent) => void;
}

export interface BlockListResult {
  /** Node addresses to keep float32 (names, or `#index` paths for unnamed and nested nodes). */
  nodeBlockList: string[];
  /** Model runs made for attempts (memoized repeats excluded), the final check included. */
  attempts: number;
  /** Attempts as the Python tool counts them: repeats included. */
  evaluations: number;
  /** Nodes that could be converted. */
  candidates: number;
  /** Nodes the float32 run flagged (guided strategy). */
  seeds: string[];
  strategy: Strategy;
  /** Worst |expected - actual| per output of the final model, on the first feeds. */
  finalErrors: { output: string; maxAbsError: number; maxRelError: number }[];
  elapsedMs: number;
}

const KNOWN_KEYS = ['validateFn', 'rtol', 'atol', 'keepIoTypes', 'runtime', 'emulate', 'strategy', 'convertOptions', 'to', 'onProgress'] as const;

/** Finds a node block list with which the converted model validates. */
export async function findNodeBlockList(model: ModelProto, feeds: Feeds | Feeds[], options: AutoMixedPrecisionOptions): Promise<BlockListResult> {
  return new Search(model, feeds, options).run();
}

/** Converts `model` with the block list findNodeBlockList finds (validated). */
export async function autoConvertMixedPrecision(model: ModelProto, feeds: Feeds | Feeds[], options: AutoMixedPrecisionOptions): Promise<ModelProto> {
  const result = await findNodeBlockList(model, feeds, options);
  return convertModel(model, { ...options.convertOptions, keepIoTypes: options.keepIoTypes ?? false, nodeBlockList: result.nodeBlockList }, options.to ?? DataType.FLOAT16).model;
}

class Search {
  readonly feedSets: Feeds[];
  readonly validation: Validation;
  readonly runtime: Runtime;
  readonly strategy: Strategy;
  readonly target: number;
  readonly emulate: boolean;
  readonly keepIoTypes: boolean;
  readonly memo = new Map<string, Promise<boolean>>();
  readonly start = performance.now();
  references: TensorLike[][] = [];
  outputNames: string[] = [];
  attempts = 0;
  evaluations = 0;
  lastErrors: BlockListResult['finalErrors'] = [];

  constructor(
    readonly model: ModelProto,
    feeds: Feeds | Feeds[],
    readonly options: AutoMixedPrecisionOptions,
  ) {
    rejectUnknownKeys(options, KNOWN_KEYS);
    this.feedSets = Array.isArray(feeds) ? feeds : [feeds];
    if (this.feedSets.length === 0) throw new OptionsError('give at least one set of feeds');
    this.validation = resolveValidation(options);
    if (!options.runtime) throw new OptionsError('a runtime is needed to run models: pass runtime (onnxruntimeAdapter(ort)), or use the Node entry, which defaults to onnxruntime-node');
    this.runtime = options.runtime;
    this.strategy = options.strategy ?? 'guided';
    if (this.strategy !== 'guided' && this.strategy !== 'bisect') throw new OptionsError(`strategy must be "guided" or "bisect", got "${String(this.strategy)}"`);
    this.target = options.to ?? DataType.FLOAT16;
    this.emulate = options.emulate ?? true;
    this.keepIoTypes = options.keepIoTypes ?? false;
  }

  async run(): Promise<BlockListResult> {
    this.outputNames = this.model.graph!.output.map((o) => o.name);
    const bytes = encodeModel(this.model);
    for (const [index, feeds] of this.feedSets.entries()) {
      let outputs;
      try {
        outputs = await this.runtime.run(bytes, feeds);
      } catch (error) {
        throw new ModelRunError(`the float32 model does not run on feeds set ${index + 1} (${this.runtime.name}): ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
      const ordered = this.outputNames.map((name) => outputs[name]!);
      if (ordered.some(hasNaN) || !(await validateOutputs(ordered, ordered, this.validation))) {
        throw new OptionsError('validation failed for the original float32 model against itself (its outputs hold NaN, or validateFn rejects them)');
      }
      this.references.push(ordered);
    }
    const candidates = this.candidates();
    let seeds: string[] = [];
    let blockList: string[];
    if (this.strategy === 'bisect') {
      blockList = await bisect(candidates, (blocked, segments) => this.attempt(blocked, 'bisect', candidates.length, segments));
    } else {
      seeds = await this.seeds(new Set(candidates));
      blockList = await this.guided(candidates, seeds);
    }
    if (!(await this.attempt(blockList, 'final', candidates.length))) {
      throw new OptionsError(`validation failed for the final model (${blockList.length} nodes kept float32)`);
    }
    await this.measureErrors(blockList);
    return {
      nodeBlockList: blockList,
      attempts: this.attempts,
      evaluations: this.evaluations,
      candidates: candidates.length,
      seeds,
      strategy: this.strategy,
      finalErrors: this.lastErrors,
      elapsedMs: performance.now() - this.start,
    };
  }

  /** Addresses of the nodes a plain conversion would convert, If/Loop/Scan themselves excluded (as Python). */
  candidates(): string[] {
    const ir = modelFromProto(this.model);
    const resolved = resolveConvertOptions({ ...this.options.convertOptions, keepIoTypes: this.keepIoTypes }, this.target);
    const plan = planConversion(ir, inferTypes(ir), resolved);
    const out: string[] = [];
    for (const graph of graphTree(ir.graph!)) {
      for (const node of graph.nodes) {
        const p = plan.nodes.get(node)!;
        if (p.precision === 'low' && p.touchesFloat && !(node.domain === '' && ['If', 'Loop', 'Scan'].includes(node.opType))) out.push(nodeAddress(node));
      }
    }
    return out;
  }

  /** Intermediate values of the float32 model on the first feeds, by value key. */
  intermediates = new Map<string, TensorLike>();

  /** Nodes producing or reading values float16 cannot hold, from one float32 run with intermediates exposed. */
  async seeds(candidates: ReadonlySet<string>): Promise<string[]> {
    const exposed = exposeFloatValues(this.model);
    if (exposed.outputs.size === 0) return [];
    const bytes = encodeModel(exposed.model);
    const flagged = new Set<string>();
    for (const [index, feeds] of this.feedSets.entries()) {
      const outputs = await this.runtime.run(bytes, feeds, [...exposed.outputs.keys()]);
      for (const [name, key] of exposed.outputs) {
        const tensor = outputs[name];
        if (index === 0 && tensor) this.intermediates.set(key, tensor);
        if (tensor && this.unrepresentable(tensor)) flagged.add(key);
      }
    }
    return this.nodesAround(flagged, candidates);
  }

  /** Candidate nodes that produce or read the flagged values. */
  nodesAround(flagged: ReadonlySet<string>, candidates: ReadonlySet<string>, producersOnly = false): string[] {
    if (flagged.size === 0) return [];
    const ir = modelFromProto(this.model);
    const seeds = new Set<string>();
    const add = (node: Node | undefined) => {
      if (!node) return;
      const address = nodeAddress(node);
      if (candidates.has(address)) seeds.add(address);
    };
    for (const graph of graphTree(ir.graph!)) {
      for (const value of graph.localValues()) {
        if (!flagged.has(valueKey(graph.path, value.name))) continue;
        add(value.producer);
        if (!producersOnly) for (const use of value.uses) add(use.node);
      }
    }
    return [...seeds];
  }

  /** Beyond the target's finite range, or mostly too small for it (flushed to zero). */
  unrepresentable(tensor: TensorLike): boolean {
    const values = numbers(tensor);
    if (values.length === 0) return false;
    const max = this.target === DataType.BFLOAT16 ? 3.3895313892515355e38 : 65504;
    const tiny = this.target === DataType.BFLOAT16 ? 0 : 2 ** -25;
    let nonZero = 0;
    let flushed = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]!);
      if (a > max && a !== Infinity) return true;
      if (a !== 0) {
        nonZero++;
        if (a <= tiny) flushed++;
      }
    }
    return nonZero > 0 && flushed * 2 > nonZero;
  }

  async guided(candidates: string[], rangeSeeds: string[]): Promise<string[]> {
    if (rangeSeeds.length > 0 && (await this.attempt(rangeSeeds, 'seed', candidates.length))) return this.minimise(rangeSeeds, [], candidates.length);
    // Where the float16 error grows: one emulated run with the range seeds kept float32.
    const seeds = [...new Set([...rangeSeeds, ...(await this.growthSeeds(rangeSeeds, new Set(candidates)))])];
    if (seeds.length > rangeSeeds.length && (await this.attempt(seeds, 'seed', candidates.length))) return this.minimise(seeds, [], candidates.length);
    // The seeds do not suffice: onnxconverter-common's bisection over every candidate decides.
    return bisect(candidates, (blocked, segments) => this.attempt(blocked, 'bisect', candidates.length, segments));
  }

  /**
   * Nodes whose output's float16 error is far larger than their inputs' (the error grows there),
   * from the emulated model with `blocked` kept float32 and every intermediate exposed.
   */
  async growthSeeds(blocked: readonly string[], candidates: ReadonlySet<string>): Promise<string[]> {
    if (this.intermediates.size === 0) return [];
    let outputs: Record<string, TensorLike>;
    let exposedOutputs: Map<string, string>;
    try {
      const converted = convertModel(this.model, { ...this.options.convertOptions, keepIoTypes: this.keepIoTypes, nodeBlockList: blocked }, this.target).model;
      const exposed = exposeFloatValues(emulateLowPrecision(converted, this.target), (key) => this.intermediates.has(key));
      exposedOutputs = exposed.outputs;
      outputs = await this.runtime.run(encodeModel(exposed.model), this.feedSets[0]!, [...exposed.outputs.keys()]);
      this.attempts++;
    } catch {
      return [];
    }
    const errors = new Map<string, number>();
    for (const [name, key] of exposedOutputs) {
      const reference = this.intermediates.get(key);
      const actual = outputs[name];
      if (reference && actual) errors.set(key, relativeError(reference, actual));
    }
    const tolerance = Math.max(this.validation.rtol ?? 0, 1e-3);
    const flagged = new Set<string>();
    const ir = modelFromProto(this.model);
    for (const graph of graphTree(ir.graph!)) {
      for (const node of graph.nodes) {
        let inputError = 0;
        for (const v of node.inputs) if (v) inputError = Math.max(inputError, errors.get(valueKey(v.graph.path, v.name)) ?? 0);
        for (const v of node.outputs) {
          if (!v) continue;
          const key = valueKey(graph.path, v.name);
          const error = errors.get(key) ?? 0;
          if (error > tolerance && error > 10 * inputError) flagged.add(key);
        }
      }
    }
    return this.nodesAround(flagged, candidates, true);
  }

  /** Confirms which seeds are needed: one at a time for a few, by bisection for many. */
  async minimise(seeds: readonly string[], fixed: readonly string[], candidates: number): Promise<string[]> {
    if (seeds.length > 4) {
      return bisect(seeds, (blocked, segments) => this.attempt(blocked, 'minimise', candidates, segments), fixed);
    }
    let kept = [...seeds];
    for (const seed of seeds) {
      const without = kept.filter((s) => s !== seed);
      if (await this.attempt([...without, ...fixed], 'minimise', candidates)) kept = without;
    }
    return [...kept, ...fixed];
  }

  attempt(blocked: readonly string[], phase: AttemptEvent['phase'], candidates: number, segments?: readonly Segment[]): Promise<boolean> {
    this.evaluations++;
    const key = [...blocked].sort().join('\u0000');
    let result = this.memo.get(key);
    if (!result) {
      result = this.runAttempt(blocked, phase, candidates, segments);
      this.memo.set(key, result);
    }
    return result;
  }

  async runAttempt(blocked: readonly string[], phase: AttemptEvent['phase'], candidates: number, segments?: readonly Segment[]): Promise<boolean> {
    const started = performance.now();
    const number = ++this.attempts;
    let passed = false;
    let error: string | undefined;
    try {
      passed = true;
      for (let i = 0; i < this.feedSets.length && passed; i++) {
        const outputs = await this.outputsWith(blocked, this.feedSets[i]!);
        passed = await validateOutputs(this.references[i]!, outputs, this.validation);
      }
    } catch (e) {
      passed = false;
      error = (e as Error).message.split('\n')[0];
    }
    this.options.onProgress?.({
      attempt: number,
      phase,
      blocked: blocked.length,
      candidates,
      passed,
      ...(error ? { error } : {}),
      ...(segments ? { segments: segmentCounts(segments) } : {}),
      elapsedMs: performance.now() - started,
    });
    return passed;
  }

  /** The outputs of the model converted with `blocked` kept float32, in graph order. */
  async outputsWith(blocked: readonly string[], feeds: Feeds): Promise<TensorLike[]> {
    const converted = convertModel(this.model, { ...this.options.convertOptions, keepIoTypes: this.keepIoTypes, nodeBlockList: blocked }, this.target).model;
    const runnable = this.emulate ? emulateLowPrecision(converted, this.target) : converted;
    const inputs = this.emulate ? feeds : castFeeds(converted, feeds);
    const outputs = await this.runtime.run(encodeModel(runnable), inputs);
    return this.outputNames.map((name) => outputs[name]!);
  }

  async measureErrors(blockList: readonly string[]): Promise<void> {
    const outputs = await this.outputsWith(blockList, this.feedSets[0]!);
    this.lastErrors = this.outputNames.map((output, i) => {
      const expected = numbers(this.references[0]![i]!);
      const actual = numbers(outputs[i]!);
      let maxAbsError = 0;
      let maxRelError = 0;
      for (let k = 0; k < expected.length; k++) {
        const diff = Math.abs(expected[k]! - actual[k]!);
        if (diff > maxAbsError) maxAbsError = diff;
        const rel = diff / Math.max(Math.abs(expected[k]!), 1e-12);
        if (rel > maxRelError) maxRelError = rel;
      }
      return { output, maxAbsError, maxRelError };
    });
  }
}

/** max |a - b| / (max |a| + tiny): how far a tensor moved, relative to its scale; Infinity for a new NaN or infinity. */
function relativeError(reference: TensorLike, actual: TensorLike): number {
  const a = numbers(reference);
  const b = numbers(actual);
  if (a.length !== b.length) return 0;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(y) && Number.isFinite(x)) return Infinity;
    if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
    if (Number.isFinite(x) && Number.isFinite(y)) diff = Math.max(diff, Math.abs(x - y));
  }
  return diff / (scale + 1e-30);
}

/** Float32 feeds cast to float16 where the converted model's inputs are float16 (keepIoTypes false, as Python). */
export function castFeeds(model: ModelProto, feeds: Feeds): Feeds {
  const out: Feeds = { ...feeds };
  for (const input of model.graph!.input) {
    const feed = feeds[input.name];
    const type = input.type?.value;
    if (!feed || feed.type !== 'float32' || type?.case !== 'tensorType' || type.value.elemType !== DataType.FLOAT16) continue;
    const source = feed.data as Float32Array;
    const halves = new Uint16Array(source.length);
    convertFloat32ToFloat16(new Uint32Array(source.buffer, source.byteOffset, source.length), halves);
    out[input.name] = { type: 'float16', data: halves, dims: feed.dims };
  }
  return out;
}
