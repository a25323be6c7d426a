/**
 * How an attempt (a node block list) is run. On a CPU, one switched model (switched-model.ts)
 * serves every attempt and every analysis run: the model is built and loaded once, and an attempt
 * is one run with the block list's switch vector. With `emulate: false` (a provider with real
 * float16), each attempt converts the model and runs the converted model itself, with the
 * converted weights of earlier attempts.
 */
import { DataType } from '../dtype.js';
import { convertModel } from '../convert/convert-model.js';
import { encodeModel } from '../proto/codec.js';
import type { ModelProto } from '../proto/onnx.js';
import { convertFloat32ToFloat16 } from '../numeric/float16.js';
import type { Feeds, Runtime, RuntimeSession, TensorLike } from '../runtime/runtime.js';
import type { ConvertOptions } from '../convert/options.js';
import { ConvertedWeights } from './converted-weights.js';
import { emulateLowPrecision } from './emulate.js';
import type { SwitchPlan } from './switch-plan.js';
import { buildSwitchedModel, SWITCHED_MODEL_MIN_OPSET, type SwitchedModel } from './switched-model.js';
import { opsetVersion } from '../ir/domain.js';

export interface AttemptOutputs {
  /** The model's outputs, in graph order. */
  outputs: TensorLike[];
  /** Exposed intermediates by value key (only when asked for, and only from the switched model). */
  exposed?: Map<string, TensorLike>;
}

export interface AttemptRunner {
  run(blocked: readonly string[], feeds: Feeds, expose: boolean): Promise<AttemptOutputs>;
  release(): Promise<void>;
}

export interface RunnerOptions {
  runtime: Runtime;
  target: number;
  keepIoTypes: boolean;
  convertOptions: Omit<ConvertOptions, 'nodeBlockList' | 'keepIoTypes'> | undefined;
  outputNames: readonly string[];
  /** Whether runs will ask for intermediates (the guided ranking): the switched model then exposes them. */
  expose: boolean;
}

/** The switched model loads several times faster unoptimized and runs no slower: its selections sit between the nodes that optimizations would fuse. */
const UNOPTIMIZED = { optimize: false };

/** A session over one model: the runtime's own when it can load once, else a run per call. */
export async function openSession(runtime: Runtime, bytes: Uint8Array, options?: { optimize?: boolean }): Promise<RuntimeSession> {
  if (runtime.load) return runtime.load(bytes, options);
  return { run: (feeds, outputNames) => runtime.run(bytes, feeds, outputNames), release: async () => undefined };
}

interface OpenSwitched {
  switched: SwitchedModel;
  session: RuntimeSession;
  /** Building, encoding and loading it, ms. */
  openMs: number;
}

/**
 * The switched model in a session; undefined where the model's opset predates Where. With
 * `expose`, runs that fetch no intermediates still pay for the exposed outputs (onnxruntime keeps
 * every exposed value, If branches carry them out: FastestDet 15-25% a run): once such runs have
 * cost as much as opening the exposing session did, a lean session (nothing exposed, the same
 * switches) takes them over, and the exposing one is released until a run asks for intermediates.
 */
export async function switchedRunner(model: ModelProto, plan: SwitchPlan, options: RunnerOptions): Promise<AttemptRunner | undefined> {
  if ((opsetVersion(model.opsetImport, '') ?? 1) < SWITCHED_MODEL_MIN_OPSET) return undefined;
  let exposeLoopBodies = true;
  const open = async (expose: boolean): Promise<OpenSwitched> => {
    const started = performance.now();
    const switched = buildSwitchedModel(model, plan, { target: options.target, convertOptions: options.convertOptions, expose, exposeLoopBodies });
    const session = await openSession(options.runtime, encodeModel(switched.model), UNOPTIMIZED);
    return { switched, session, openMs: performance.now() - started };
  };
  let exposing: OpenSwitched | undefined = await open(options.expose);
  let lean: OpenSwitched | undefined = options.expose ? undefined : exposing;
  /** Time that runs fetching no intermediates spent on the exposing session, ms. */
  let unexposedMs = 0;
  const exposingOpenMs = exposing.openMs;
  const runOn = (opened: OpenSwitched, blocked: readonly string[], feeds: Feeds, fetch: readonly string[]) => {
    const switches = plan.switches(blocked);
    return opened.session.run({ ...feeds, [opened.switched.switchInput]: { type: 'bool', data: switches, dims: [switches.length] } }, fetch);
  };
  const ordered = (outputs: Record<string, TensorLike>) => options.outputNames.map((name) => outputs[name]!);
  const run = async (blocked: readonly string[], feeds: Feeds, expose: boolean): Promise<AttemptOutputs> => {
    if (!expose && !lean && unexposedMs > exposingOpenMs) {
      lean = await open(false);
      await exposing?.session.release();
      exposing = undefined;
    }
    if (!expose && lean) return { outputs: ordered(await runOn(lean, blocked, feeds, options.outputNames)) };
    exposing ??= await open(true);
    const current = exposing;
    const fetch = expose ? [...new Set([...options.outputNames, ...current.switched.exposed.keys()])] : options.outputNames;
    let outputs: Record<string, TensorLike>;
    const started = performance.now();
    try {
      outputs = await runOn(current, blocked, feeds, fetch);
    } catch (error) {
      // A Loop or Scan body value that changes shape between iterations cannot be stacked (the
      // whole graph runs whatever is fetched): once, rebuild without exposing loop bodies.
      if (!exposeLoopBodies || !current.switched.exposesLoopBodies) throw error;
      exposeLoopBodies = false;
      await current.session.release();
      exposing = await open(true);
      return run(blocked, feeds, expose);
    }
    if (!expose) unexposedMs += performance.now() - started;
    const result: AttemptOutputs = { outputs: ordered(outputs) };
    if (expose) result.exposed = current.switched.exposed.read(outputs);
    return result;
  };
  return {
    run,
    release: async () => {
      await exposing?.session.release();
      if (lean !== exposing) await lean?.session.release();
    },
  };
}

/** Where the time of one attempt of a converting runner goes, ms (summed over its attempts). */
export interface ConvertingTimes {
  /** Planning and applying the conversion (convertModel). */
  convert: number;
  /** Giving the converted tensors their data (converting the weights no earlier attempt converted) and encoding the model. */
  encode: number;
  /** Creating the runtime's session and running it. */
  run: number;
  attempts: number;
}

/**
 * Converts the model for each attempt and runs it (emulated when `emulate`, else as converted,
 * feeds cast to its input types). Converted weights are shared between attempts (ConvertedWeights):
 * an attempt re-plans the graph and encodes the model, and the runtime creates a session for it.
 */
export function convertingRunner(model: ModelProto, options: RunnerOptions & { emulate: boolean }): AttemptRunner & { readonly weights: ConvertedWeights; readonly times: ConvertingTimes } {
  const weights = new ConvertedWeights();
  const times: ConvertingTimes = { convert: 0, encode: 0, run: 0, attempts: 0 };
  return {
    weights,
    times,
    async run(blocked: readonly string[], feeds: Feeds) {
      const started = performance.now();
      const converted = convertModel(model, { ...options.convertOptions, keepIoTypes: options.keepIoTypes, nodeBlockList: blocked }, options.target).model;
      const planned = performance.now();
      let bytes: Uint8Array;
      if (options.emulate) bytes = encodeModel(emulateLowPrecision(converted, options.target));
      else {
        weights.fill(converted);
        bytes = encodeModel(converted);
      }
      const encoded = performance.now();
      const outputs = await options.runtime.run(bytes, options.emulate ? feeds : castFeeds(converted, feeds), options.outputNames);
      times.convert += planned - started;
      times.encode += encoded - planned;
      times.run += performance.now() - encoded;
      times.attempts++;
      return { outputs: options.outputNames.map((name) => outputs[name]!) };
    },
    release: async () => undefined,
  };
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
