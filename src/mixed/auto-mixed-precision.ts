/**
 * Automatic mixed precision: find the nodes that must stay float32 for the model to keep its
 * accuracy, then convert the rest.
 *
 * An attempt keeps a node block list float32 and checks the outputs against the float32 model's
 * on the given feeds (onnxconverter-common's validation rules). On a CPU, whose onnxruntime
 * provider computes float16 models in float32 between Casts, an attempt runs the float16
 * emulation: one switched model (switched-model.ts), loaded once, with the block list's switch
 * vector. On a float16-capable provider the user names, an attempt runs the converted model.
 *
 * Order of work:
 * 1. the float32 model on every feed set (the reference);
 * 2. everything float16: done if it validates;
 * 3. every candidate float32 (If/Loop/Scan nodes included), the I/O as the conversion leaves
 *    it: if that fails, no block list can pass, and the search stops at once with the reason;
 *    where the model has If/Loop/Scan nodes, one more run says whether the other nodes suffice
 *    (then the search leaves the control-flow nodes unblocked): bisect makes it first, guided
 *    only where the first nodes of its ranking do not suffice (guided-search.ts);
 * 4. the search: "guided" (default: rank the candidates from the intermediates of runs 2 and 3,
 *    then guided-search.ts) or "bisect" (onnxconverter-common's search, decision for decision).
 * Attempts are memoized by block list; an attempt whose model fails to load or run counts as failed.
 */
import { DataType } from '../dtype.js';
import { ModelRunError, OptionsError, ValidationError } from '../errors.js';
import { convertModel } from '../convert/convert-model.js';
import { rejectUnknownKeys, type ConvertOptions } from '../convert/options.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto } from '../proto/onnx.js';
import type { Feeds, Runtime, TensorLike } from '../runtime/runtime.js';
import { rankCandidates, type NodeSuspicion } from './attribution.js';
import { castFeeds, convertingRunner, switchedRunner, type AttemptOutputs, type AttemptRunner } from './attempts.js';
import { guidedSearch } from './guided-search.js';
import { bisect, segmentCounts, type Segment } from './segments.js';
import { SwitchPlan } from './switch-plan.js';
import { hasNaN, numbers, resolveValidation, validateOutputs, type ValidateFn, type Validation } from './validate.js';

export { castFeeds };

export type Strategy = 'guided' | 'bisect';

export interface AttemptEvent {
  /** 1-based number of the validation attempt (memoized repeats are not attempts). */
  readonly attempt: number;
  /** Model runs so far, this attempt's included (reference and analysis runs count too). */
  readonly runs: number;
  /** "float16": everything converted; "float32": every candidate kept; then the strategy's phases. */
  readonly phase: 'float16' | 'float32' | 'prefix' | 'minimise' | 'bisect' | 'final';
  /** Nodes kept float32 in this attempt. */
  readonly blocked: number;
  readonly candidates: number;
  readonly passed: boolean;
  /** Why the attempt's model failed to load or run. */
  readonly error?: string;
  /** During bisection: nodes in converted, kept and undecided segments once this attempt is decided. */
  readonly segments?: { converted: number; kept: number; pending: number };
  readonly elapsedMs: number;
}

export interface AutoMixedPrecisionOptions {
  /** `(expected, actual) => boolean` on the outputs in graph order, as Python's validate_fn. */
  validateFn?: ValidateFn;
  /** numpy.allclose tolerances; defaulting as onnxconverter-common (atol alone: rtol 1e-5; rtol alone: atol 1e-8). */
  rtol?: number;
  atol?: number;
  /** Keep float32 graph inputs/outputs. Default false (float32 feeds are then rounded to float16). */
  keepIoTypes?: boolean;
  /** Where models run. Required in the browser-safe core; the Node entry defaults to onnxruntime-node on the CPU. */
  runtime?: Runtime;
  /** Validate the float16 emulation of each attempt (true, the default for CPUs) or the converted model itself (false: for float16-capable providers). */
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
  /** Every model run: reference, analysis and validation runs (one per feed set run). */
  runs: number;
  /** Validation attempts (distinct block lists tried). */
  attempts: number;
  /** Attempts as the Python tool counts them: repeats included. */
  evaluations: number;
  /** Nodes that could be converted. */
  candidates: number;
  /** Guided strategy: the candidates it ranked first (out of float16's range, or where the error jumps), at most 20. */
  seeds: string[];
  strategy: Strategy;
  /** Worst |expected - actual| per output of the final model, on the first feeds. */
  finalErrors: { output: string; maxAbsError: number; maxRelError: number }[];
  elapsedMs: number;
  /** Guided strategy on a float16 provider: why its analysis run (every intermediate exposed) failed; the search then took the candidates in graph order. */
  analysisFailure?: string;
}

const KNOWN_KEYS = ['validateFn', 'rtol', 'atol', 'keepIoTypes', 'runtime', 'emulate', 'strategy', 'convertOptions', 'to', 'onProgress'] as const;

/** Finds a node block list with which the converted model validates; throws ValidationError when none can. */
export async function findNodeBlockList(model: ModelProto, feeds: Feeds | Feeds[], options: AutoMixedPrecisionOptions): Promise<BlockListResult> {
  return new Search(model, feeds, options).run();
}

/** Converts `model` with the block list findNodeBlockList finds (validated). */
export async function autoConvertMixedPrecision(model: ModelProto, feeds: Feeds | Feeds[], options: AutoMixedPrecisionOptions): Promise<ModelProto> {
  const result = await findNodeBlockList(model, feeds, options);
  return convertModel(model, { ...options.convertOptions, keepIoTypes: options.keepIoTypes ?? false, nodeBlockList: result.nodeBlockList }, options.to ?? DataType.FLOAT16).model;
}

interface AttemptResult {
  passed: boolean;
  /** Outputs on the first feeds (kept for passing attempts: the final errors come from them). */
  outputs?: TensorLike[];
  exposed?: Map<string, TensorLike>;
  /** The output that missed the tolerance most, on the feeds that failed. */
  worst?: { output: string; maxAbsError: number };
}

class Search {
  readonly feedSets: Feeds[];
  readonly validation: Validation;
  readonly runtime: Runtime;
  readonly strategy: Strategy;
  readonly target: number;
  readonly emulate: boolean;
  readonly keepIoTypes: boolean;
  readonly memo = new Map<string, Promise<AttemptResult>>();
  readonly start = performance.now();
  readonly outputNames: string[];
  references: TensorLike[][] = [];
  runs = 0;
  /** Why the guided analysis run failed, if it did (reported, not fatal: the search goes on in graph order). */
  analysisFailure: string | undefined;
  attempts = 0;
  evaluations = 0;
  candidateCount = 0;

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
    this.outputNames = model.graph!.output.map((o) => o.name);
    const initializers = new Set(model.graph!.initializer.map((t) => t.name));
    const inputs = model.graph!.input.map((i) => i.name).filter((name) => !initializers.has(name));
    this.feedSets.forEach((feeds, index) => {
      const unknown = Object.keys(feeds).find((name) => !model.graph!.input.some((i) => i.name === name));
      if (unknown !== undefined) throw new OptionsError(`feeds set ${index + 1} names "${unknown}", which is not a model input (inputs: ${inputs.join(', ')})`);
    });
  }

  async run(): Promise<BlockListResult> {
    await this.referenceRuns();
    const plan = new SwitchPlan(this.model, { convertOptions: this.options.convertOptions, keepIoTypes: this.keepIoTypes, target: this.target });
    const candidates = plan.candidates;
    this.candidateCount = candidates.length;
    let runners = await this.openRunners(plan);
    try {
      let { seeds, blockList } = await this.search(plan, runners.runner, runners.analysis);
      if (runners.runner === runners.switched && !plan.confirmRules(blockList)) {
        // The switch rules missed a decision of the planner on this block list: rebuild the
        // switched model with a switch per point and search again, planning every attempt.
        await runners.release();
        runners = await this.openRunners(plan);
        this.memo.clear();
        ({ seeds, blockList } = await this.search(plan, runners.runner, runners.analysis));
      }
      const final = await this.attempt(runners.runner, blockList, 'final', false);
      if (!final.passed) throw new ValidationError(`validation failed for the final model (${blockList.length} nodes kept float32)`);
      return {
        nodeBlockList: blockList,
        runs: this.runs,
        attempts: this.attempts,
        evaluations: this.evaluations,
        candidates: candidates.length,
        seeds,
        strategy: this.strategy,
        finalErrors: this.errorsOf(final.outputs!),
        elapsedMs: performance.now() - this.start,
        ...(this.analysisFailure ? { analysisFailure: this.analysisFailure } : {}),
      };
    } finally {
      await runners.release();
    }
  }

  /**
   * The runner that validates attempts and the one that reads intermediates for the guided
   * ranking: the switched model for both on a CPU; on a float16-capable provider, converted
   * models for attempts and the switched model for the ranking only.
   */
  async openRunners(plan: SwitchPlan): Promise<{ runner: AttemptRunner; analysis: AttemptRunner | undefined; switched: AttemptRunner | undefined; release: () => Promise<void> }> {
    const runnerOptions = {
      runtime: this.runtime,
      target: this.target,
      keepIoTypes: this.keepIoTypes,
      convertOptions: this.options.convertOptions,
      outputNames: this.outputNames,
      expose: this.strategy === 'guided',
    };
    let switched: AttemptRunner | undefined;
    if (this.emulate || this.strategy === 'guided') {
      try {
        switched = await switchedRunner(this.model, plan, runnerOptions);
      } catch (error) {
        // Only fatal where attempts need it; on a float16 provider it just informs the ranking.
        if (this.emulate) throw new ModelRunError(`the float16 emulation of the model does not load (${this.runtime.name}): ${oneLine(error)}`, { cause: error });
      }
    }
    const runner = this.emulate && switched ? switched : convertingRunner(this.model, { ...runnerOptions, emulate: this.emulate });
    return {
      runner,
      analysis: this.strategy === 'guided' ? switched : undefined,
      switched,
      release: async () => {
        await switched?.release();
        if (runner !== switched) await runner.release();
      },
    };
  }

  /** Steps 2 to 4 of the order of work: float16, float32, then the strategy. */
  async search(plan: SwitchPlan, runner: AttemptRunner, analysis: AttemptRunner | undefined): Promise<{ seeds: string[]; blockList: string[] }> {
    const candidates = plan.candidates;
    const lowered = await this.attempt(runner, [], 'float16', runner === analysis);
    if (lowered.passed) return { seeds: [], blockList: [] };
    const kept = await this.attempt(runner, candidates, 'float32', runner === analysis);
    if (!kept.passed) throw new ValidationError(this.unreachable(kept));
    // A blocked If/Loop/Scan keeps its whole bodies float32: such nodes are searched only where
    // blocking every other node does not suffice (one more run, for models that have them; the
    // guided search makes it only where it needs to know).
    const bodies = plan.controlFlow.size > 0 ? candidates.filter((address) => !plan.controlFlow.has(address)) : undefined;
    const bodiesPass = async () => (await this.attempt(runner, bodies!, 'float32', false)).passed;
    if (this.strategy === 'bisect') {
      const searched = bodies && (await bodiesPass()) ? bodies : candidates;
      const blockList = await bisect(searched, async (blocked, segments, current) => (await this.attempt(runner, blocked, 'bisect', false, { segments, current })).passed);
      return { seeds: [], blockList };
    }
    const reference = kept.exposed ?? (analysis ? await this.analysisRun(analysis, candidates) : undefined);
    const low = lowered.exposed ?? (analysis ? await this.analysisRun(analysis, []) : undefined);
    const rank = (searched: readonly string[]) => (reference && low ? rankCandidates(plan.ir, searched, reference, low, this.target) : searched.map((address) => ({ address, outOfRange: false, jump: 0 })));
    // The intermediates have served: the memo need not hold them for the rest of the search.
    delete lowered.exposed;
    delete kept.exposed;
    let phase: AttemptEvent['phase'] = 'prefix';
    const guided = (ranking: NodeSuspicion[], wholePasses?: () => Promise<boolean>) =>
      guidedSearch(
        ranking.map((r) => r.address),
        async (blocked) => (await this.attempt(runner, blocked, phase, false)).passed,
        () => (phase = 'minimise'),
        wholePasses,
      );
    let ranking = rank(bodies ?? candidates);
    let blockList = await guided(ranking, bodies && bodiesPass);
    if (!blockList) {
      // The bodies alone do not suffice: search every candidate.
      phase = 'prefix';
      ranking = rank(candidates);
      blockList = (await guided(ranking))!;
    }
    return { seeds: ranking.filter((r) => r.outOfRange || r.jump > 0).slice(0, 20).map((r) => r.address), blockList };
  }

  async referenceRuns(): Promise<void> {
    const bytes = encodeModel(this.model);
    for (const [index, feeds] of this.feedSets.entries()) {
      let outputs;
      try {
        this.runs++;
        outputs = await this.runtime.run(bytes, feeds);
      } catch (error) {
        throw new ModelRunError(`the float32 model does not run on feeds set ${index + 1} (${this.runtime.name}): ${oneLine(error)}`, { cause: error });
      }
      const ordered = this.outputNames.map((name) => outputs[name]!);
      if (ordered.some(hasNaN) || !(await validateOutputs(ordered, ordered, this.validation))) {
        throw new ValidationError('validation failed for the original float32 model against itself (its outputs hold NaN, or validateFn rejects them)');
      }
      this.references.push(ordered);
    }
  }

  /** Intermediates of the switched model with `blocked` kept float32, on the first feeds (guided analysis on float16 providers). */
  async analysisRun(runner: AttemptRunner, blocked: readonly string[]): Promise<Map<string, TensorLike> | undefined> {
    try {
      this.runs++;
      return (await runner.run(blocked, this.feedSets[0]!, true)).exposed;
    } catch (error) {
      // Exposing every intermediate can fail where a plain run does not (memory, output types):
      // without intermediates the ranking keeps graph order, and the result says why.
      this.analysisFailure = oneLine(error);
      return undefined;
    }
  }

  attempt(runner: AttemptRunner, blocked: readonly string[], phase: AttemptEvent['phase'], expose: boolean, bisection?: { segments: readonly Segment[]; current: Segment }): Promise<AttemptResult> {
    this.evaluations++;
    const key = [...blocked].sort().join('\u0000');
    let result = this.memo.get(key);
    if (!result) {
      result = this.runAttempt(runner, blocked, phase, expose, bisection);
      this.memo.set(key, result);
    }
    return result;
  }

  async runAttempt(runner: AttemptRunner, blocked: readonly string[], phase: AttemptEvent['phase'], expose: boolean, bisection?: { segments: readonly Segment[]; current: Segment }): Promise<AttemptResult> {
    const started = performance.now();
    const number = ++this.attempts;
    const result: AttemptResult = { passed: true };
    let error: string | undefined;
    try {
      for (let i = 0; i < this.feedSets.length && result.passed; i++) {
        this.runs++;
        const run: AttemptOutputs = await runner.run(blocked, this.feedSets[i]!, expose && i === 0);
        if (i === 0) {
          result.outputs = run.outputs;
          if (run.exposed) result.exposed = run.exposed;
        }
        result.passed = await validateOutputs(this.references[i]!, run.outputs, this.validation);
        if (!result.passed) result.worst = this.worstOutput(this.references[i]!, run.outputs);
      }
    } catch (e) {
      result.passed = false;
      error = oneLine(e);
    }
    if (!result.passed) delete result.outputs;
    this.options.onProgress?.({
      attempt: number,
      runs: this.runs,
      phase,
      blocked: blocked.length,
      candidates: this.candidateCount,
      passed: result.passed,
      ...(error ? { error } : {}),
      ...(bisection ? { segments: segmentCounts(bisection.segments, { segment: bisection.current, passed: result.passed }) } : {}),
      elapsedMs: performance.now() - started,
    });
    return result;
  }

  /** Why no block list can pass, from the attempt with every candidate float32. */
  unreachable(kept: AttemptResult): string {
    const worst = kept.worst ? ` (worst output ${kept.worst.output}, error ${kept.worst.maxAbsError.toPrecision(3)})` : '';
    const io = this.model.graph!.input.some(isFloatTensor) || this.model.graph!.output.some(isFloatTensor);
    if (!this.keepIoTypes && io) {
      return `rounding the inputs/outputs to ${this.target === DataType.BFLOAT16 ? 'bfloat16' : 'float16'} alone exceeds the tolerance${worst}; use --keep-io-types (keepIoTypes: true)`;
    }
    return `the tolerance cannot be met: with every candidate node float32 the outputs still miss it${worst}`;
  }

  /** The output with the largest tolerance violation (or absolute error, without a tolerance). */
  worstOutput(expected: TensorLike[], actual: TensorLike[]): { output: string; maxAbsError: number } {
    const { rtol = 0, atol = 0 } = this.validation;
    let worst = { output: this.outputNames[0] ?? '', maxAbsError: 0, excess: -Infinity };
    this.outputNames.forEach((output, k) => {
      const a = numbers(expected[k]!);
      const b = numbers(actual[k]!);
      let maxAbsError = 0;
      let excess = 0;
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const diff = Math.abs(a[i]! - b[i]!);
        const bad = Number.isNaN(diff) ? Infinity : diff;
        if (bad > maxAbsError) maxAbsError = bad;
        excess = Math.max(excess, bad / (atol + rtol * Math.abs(b[i]!) || 1));
      }
      if (excess > worst.excess) worst = { output, maxAbsError, excess };
    });
    return { output: worst.output, maxAbsError: worst.maxAbsError };
  }

  errorsOf(outputs: TensorLike[]): BlockListResult['finalErrors'] {
    return this.outputNames.map((output, i) => {
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

function isFloatTensor(info: { type?: { value: { case?: string; value?: unknown } } | undefined }): boolean {
  const type = info.type?.value;
  return type?.case === 'tensorType' && (type.value as { elemType: number }).elemType === DataType.FLOAT;
}

/** The error's message on one line (onnxruntime spreads the indices of a wrong shape over several). */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
