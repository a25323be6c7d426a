/**
 * Options of convertFloatToFloat16 / convertFloatToBfloat16: the Python tool's arguments in
 * camelCase with the same meaning and defaults, onnxruntime's additions, and ours. One resolver
 * validates types, rejects unknown keys with a suggestion, and applies defaults.
 */
import { closestName } from '../closest-name.js';
import { OptionsError } from '../errors.js';
import { opKey } from '../ir/domain.js';
import { alwaysFloatInputTable } from '../schema/op-facts.js';
import { RUNTIME_NAMES, type RuntimeName } from '../schema/runtime-support.js';

/** The `runtime` option's values: an onnxruntime execution provider, or 'none' (no runtime check). */
export const RUNTIME_CHOICES: readonly (RuntimeName | 'none')[] = [...RUNTIME_NAMES, 'none'];
export type RuntimeChoice = RuntimeName | 'none';

/** The op types onnxconverter-common keeps in float32 by default (float16.DEFAULT_OP_BLOCK_LIST, in order). */
export const DEFAULT_OP_BLOCK_LIST: readonly string[] = [
  'ArrayFeatureExtractor',
  'Binarizer',
  'CastMap',
  'CategoryMapper',
  'DictVectorizer',
  'FeatureVectorizer',
  'Imputer',
  'LabelEncoder',
  'LinearClassifier',
  'LinearRegressor',
  'Normalizer',
  'OneHotEncoder',
  'RandomUniformLike',
  'SVMClassifier',
  'SVMRegressor',
  'Scaler',
  'TreeEnsembleClassifier',
  'TreeEnsembleRegressor',
  'ZipMap',
  'NonMaxSuppression',
  'TopK',
  'RoiAlign',
  'Resize',
  'Range',
  'CumSum',
  'Min',
  'Max',
  'Upsample',
];

/**
 * Inputs that stay float32 although the schema would allow float16, because runtimes want them
 * so (onnxruntime's ALWAYS_FLOAT_INPUTS; Resize scales are pinned by the schema itself).
 * `forceFp16Inputs` converts these. A view of the operator facts table (schema/op-facts.ts).
 */
export const ALWAYS_FLOAT_INPUTS: Readonly<Record<string, readonly number[]>> = alwaysFloatInputTable();

export interface ConversionWarning {
  /**
   * "clamp": values changed by clipping; "fallback": a node kept in float32 for a reason other than
   * a block list; "io": a keepIoTypes name that is not a float32 input or output, or an I/O type that
   * could not be honoured; "unknownName": a block-list or keepIoTypes name that matches nothing
   * (with unknownNames: 'warn'); "advice": what the target gains at this opset, or what raising
   * maxFiniteVal would convert.
   */
  readonly kind: 'clamp' | 'fallback' | 'io' | 'unknownName' | 'advice';
  readonly message: string;
}

export interface ConvertOptions {
  /** Positive values below this become this value before conversion (negatives likewise). Default 1e-7 for float16; no clipping for bfloat16 unless given. */
  minPositiveVal?: number;
  /**
   * Finite values above this become this value (negatives likewise). Default 1e4 for float16; no
   * clipping for bfloat16 unless given. With blockOutOfRangeConstants (default) a node whose
   * constants exceed it stays float32 instead, so no constant is clipped.
   */
  maxFiniteVal?: number;
  /** Keep float32 graph inputs and outputs (true), or just those named; Casts are inserted at the boundary. Default false. */
  keepIoTypes?: boolean | readonly string[];
  /** Use only the types the model declares (value_info, graph I/O, initializers); nodes whose types are not declared stay float32. Default false. */
  disableShapeInfer?: boolean;
  /** Op types that stay float32: "Op" (default domains) or "domain::Op". Default DEFAULT_OP_BLOCK_LIST. */
  opBlockList?: readonly string[];
  /** Nodes that stay float32, by name, or by address ("#3", "If_0/then_branch/#2") for unnamed or nested nodes. Default []. */
  nodeBlockList?: readonly string[];
  /**
   * Refuse a model that is already converted: it holds the target type and the conversion would
   * change nothing. A partly converted model (autocast exports) has its float32 rest converted,
   * and the report counts what was already in the target type. Python refuses any model holding
   * float16. false: never refuse. Default true.
   */
  checkFp16Ready?: boolean;
  /** Convert every float32 initializer, also those only float32 nodes use (they read it through a Cast). Default false. */
  forceFp16Initializers?: boolean;
  /** `{ Op: [input indices] }` or `{ 'domain::Op': [...] }`: inputs of ALWAYS_FLOAT_INPUTS to convert to the target type nonetheless. Default {}. */
  forceFp16Inputs?: Readonly<Record<string, readonly number[]>>;
  /**
   * Keep a node in float32 when a constant it would read in low precision holds finite values
   * beyond +-maxFiniteVal (or float16's +-65504): by default no constant changes beyond rounding.
   * false: clip as the Python tool does. Default true.
   */
  blockOutOfRangeConstants?: boolean;
  /**
   * What a nodeBlockList, opBlockList or keepIoTypes name that matches nothing is: 'error' (an
   * OptionsError with a "did you mean" hint; default) or 'warn' (a warning, and the conversion goes on).
   */
  unknownNames?: 'error' | 'warn';
  /**
   * The runtime the converted model is for: a node it would not run with the types conversion
   * gives it (no kernel for them: it falls back to another provider, or refuses the model) stays
   * float32 with Casts at its boundary (keep reason `runtime`). 'none': no such check. Default
   * 'ort-cpu' for float16 (a converted model always loads in onnxruntime), 'none' for bfloat16
   * (no onnxruntime provider has general bfloat16 kernels: ort-cpu would keep nearly everything float32).
   */
  runtime?: RuntimeChoice;
  /** Receives clipping and fallback notices; the library itself never prints. */
  onWarning?: (warning: ConversionWarning) => void;
  /**
   * Called as the conversion reads the model's float32 weights (range checks and clip counts: the
   * long part for a large model), with the bytes read so far and the float32 weight bytes in total;
   * last with both equal. The weights are rounded when the model is written, which saveModel and
   * modelToBlobs report through their own onProgress.
   */
  onProgress?: (bytesDone: number, totalBytes: number) => void;
}

export interface ResolvedConvertOptions {
  readonly target: number;
  readonly clamp: { minPositiveVal: number; maxFiniteVal: number } | undefined;
  readonly keepIoTypes: boolean | ReadonlySet<string>;
  readonly disableShapeInfer: boolean;
  readonly opBlockList: ReadonlySet<string>;
  readonly nodeBlockList: ReadonlySet<string>;
  readonly checkFp16Ready: boolean;
  readonly forceFp16Initializers: boolean;
  readonly forceFp16Inputs: Readonly<Record<string, readonly number[]>>;
  readonly blockOutOfRangeConstants: boolean;
  readonly unknownNames: 'error' | 'warn';
  /** The runtime nodes are checked against; undefined for 'none'. */
  readonly runtime: RuntimeName | undefined;
  readonly onWarning: (warning: ConversionWarning) => void;
  readonly onProgress: ((bytesDone: number, totalBytes: number) => void) | undefined;
  /** Counts float32 weight bytes as they are read (convertModel turns these into onProgress calls). */
  readonly onWeightBytesRead?: (bytes: number) => void;
}

const KNOWN_KEYS = [
  'minPositiveVal',
  'maxFiniteVal',
  'keepIoTypes',
  'disableShapeInfer',
  'opBlockList',
  'nodeBlockList',
  'checkFp16Ready',
  'forceFp16Initializers',
  'forceFp16Inputs',
  'blockOutOfRangeConstants',
  'unknownNames',
  'runtime',
  'onWarning',
  'onProgress',
] as const;

/** Validates options and applies defaults; `target` is DataType.FLOAT16 or DataType.BFLOAT16. */
export function resolveConvertOptions(options: ConvertOptions = {}, target: number): ResolvedConvertOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError('options must be an object');
  rejectUnknownKeys(options, KNOWN_KEYS);
  const raw = options as Record<string, unknown>;
  const isFloat16 = target === 10;
  const minPositiveVal = numberOption(raw, 'minPositiveVal', isFloat16 ? 1e-7 : undefined);
  const maxFiniteVal = numberOption(raw, 'maxFiniteVal', isFloat16 ? 1e4 : undefined);
  let clamp: ResolvedConvertOptions['clamp'];
  if (minPositiveVal !== undefined || maxFiniteVal !== undefined) {
    clamp = { minPositiveVal: minPositiveVal ?? 0, maxFiniteVal: maxFiniteVal ?? Infinity };
    if (!(clamp.minPositiveVal >= 0) || !(clamp.maxFiniteVal > 0) || clamp.minPositiveVal >= clamp.maxFiniteVal) {
      throw new OptionsError(`minPositiveVal (${clamp.minPositiveVal}) must be >= 0 and below maxFiniteVal (${clamp.maxFiniteVal})`);
    }
  }
  return {
    target,
    clamp,
    keepIoTypes: keepIoOption(options.keepIoTypes),
    disableShapeInfer: booleanOption(raw, 'disableShapeInfer', false),
    opBlockList: new Set(stringListOption(raw, 'opBlockList', DEFAULT_OP_BLOCK_LIST).map(canonicalOpName)),
    nodeBlockList: new Set(stringListOption(raw, 'nodeBlockList', [])),
    checkFp16Ready: booleanOption(raw, 'checkFp16Ready', true),
    forceFp16Initializers: booleanOption(raw, 'forceFp16Initializers', false),
    forceFp16Inputs: forceInputsOption(options.forceFp16Inputs),
    blockOutOfRangeConstants: booleanOption(raw, 'blockOutOfRangeConstants', true),
    unknownNames: unknownNamesOption(raw.unknownNames),
    runtime: runtimeOption(raw.runtime, isFloat16),
    onWarning: functionOption(options.onWarning, 'onWarning') ?? (() => {}),
    onProgress: functionOption(options.onProgress, 'onProgress'),
  };
}

/** Throws for keys not in `known`, suggesting the closest one ("keep_io_types" -> "keepIoTypes"). */
export function rejectUnknownKeys(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if ((known as readonly string[]).includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new OptionsError(`unknown option "${key}"${suggestion ? `; did you mean ${suggestion}?` : ''}`);
  }
}

function numberOption(options: Record<string, unknown>, key: string, fallback: number | undefined): number | undefined {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new OptionsError(`${key} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

function booleanOption(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionsError(`${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function stringListOption(options: Record<string, unknown>, key: string, fallback: readonly string[]): readonly string[] {
  const value = options[key];
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new OptionsError(`${key} must be a list of strings`);
  return value as string[];
}

function keepIoOption(value: unknown): boolean | ReadonlySet<string> {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return new Set(value as string[]);
  throw new OptionsError('keepIoTypes must be true, false, or a list of graph input/output names');
}

function forceInputsOption(value: unknown): Readonly<Record<string, readonly number[]>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OptionsError('forceFp16Inputs must be an object { Op: [input indices] }');
  for (const [op, indices] of Object.entries(value)) {
    if (!Array.isArray(indices) || !indices.every((i) => Number.isInteger(i) && i >= 0)) {
      throw new OptionsError(`forceFp16Inputs.${op} must be a list of input indices`);
    }
  }
  return value as Record<string, number[]>;
}

function functionOption<F>(value: F | undefined, key: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new OptionsError(`${key} must be a function`);
  return value;
}

function unknownNamesOption(value: unknown): 'error' | 'warn' {
  if (value === undefined) return 'error';
  if (value === 'error' || value === 'warn') return value;
  throw new OptionsError(`unknownNames must be 'error' or 'warn', got ${JSON.stringify(value)}`);
}

function runtimeOption(value: unknown, isFloat16: boolean): RuntimeName | undefined {
  if (value === undefined) return isFloat16 ? 'ort-cpu' : undefined;
  if (value === 'none') return undefined;
  if (typeof value === 'string' && (RUNTIME_NAMES as readonly string[]).includes(value)) return value as RuntimeName;
  const suggestion = typeof value === 'string' ? (RUNTIME_CHOICES.find((c) => c === `ort-${value.toLowerCase()}`) ?? closestName(value, RUNTIME_CHOICES)) : undefined;
  throw new OptionsError(`runtime must be one of ${RUNTIME_CHOICES.join(', ')}, got ${JSON.stringify(value)}${suggestion ? `; did you mean ${suggestion}?` : ''}`);
}

/** `ai.onnx::Relu` and `::Relu` are `Relu`: the default domain has two spellings, and nodes use either. */
function canonicalOpName(name: string): string {
  const at = name.lastIndexOf('::');
  return at < 0 ? name : opKey(name.slice(0, at), name.slice(at + 2));
}
