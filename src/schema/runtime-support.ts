/**
 * Whether an onnxruntime execution provider runs a node with given types, from the generated
 * table of its registered kernels (runtime-kernels.generated.ts). A row of KERNEL_ROWS is
 * `[runtime, domain, opType, from, to (0: and above), types, comment?]`, `types` being
 * `[[parameter, index into KERNEL_TYPE_LISTS], ...]`, or 0 where the document lists none;
 * a row of FUNCTION_ROWS is `[domain, opType, functionVersions]`.
 *
 * What each runtime does with a node no kernel takes:
 * - ort-cpu refuses the model, with two ways out. An operator ONNX defines as a function runs
 *   as its body: always when CPU has no kernel for it at that version, otherwise from the model
 *   opset of its function version on (bodies with float32 constants then fail: MVN). Otherwise,
 *   a node that reads a float16 tensor is computed in float32 between Casts onnxruntime inserts
 *   (its InsertCastTransformer), if a float32 kernel exists. That cannot help a node that
 *   reads no float16 (RandomNormalLike reading float32 with `dtype` float16: nothing to cast),
 *   an output typed float16 by `output_datatype` (the retyped output contradicts it), a model
 *   whose ai.onnx opset is below 6 (the inserted Casts carry an integer `to`, which Cast-1 does
 *   not accept), or bfloat16 (the transformer handles float16 only). Some float16 kernels refuse attributes at
 *   run time (ScatterND/ScatterElements reductions add and mul). Every provider turns Constant
 *   nodes into initializers on load.
 * - ort-cuda, ort-dml, ort-webgpu and ort-webnn give the node to the CPU provider (WASM in the
 *   browser), which then decides as above: a fallback, or a refusal when CPU cannot run it either.
 * - The WebGPU and WebNN documents list operators and opsets, no types. WebGPU registers its
 *   float kernels for float32 and float16 alike (float16 shaders need the adapter's `shader-f16`
 *   feature, a property of the device, not of the model), and WebNN has a float16 operand type
 *   (its support varies by browser and device, as the document says), so a listed operator
 *   counts as running float16. Neither WGSL nor WebNN has a bfloat16 type. The documents'
 *   comments (e.g. "conv3d is not supported") are returned as notes, not checked.
 */
import { DataType } from '../dtype.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { OperatorSetIdProto } from '../proto/onnx.js';
import { findAttribute } from './attributes.js';
import { formalAt, opsetVersion, type TypeInference } from './infer-types.js';
import { isDefaultDomain, normalizeDomain, opKey } from '../ir/domain.js';
import { isKnownDomain, lookupSchema } from './op-schema.js';
import { FUNCTION_ROWS, KERNEL_ROWS, KERNEL_TYPE_LISTS } from './runtime-kernels.generated.js';
import { formatValueType, tensorType } from '../ir/value-type.js';

export const RUNTIME_NAMES = ['ort-cpu', 'ort-cuda', 'ort-dml', 'ort-webgpu', 'ort-webnn'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** How the runtime is named in messages. */
export const RUNTIME_LABELS: Readonly<Record<RuntimeName, string>> = {
  'ort-cpu': 'onnxruntime CPU',
  'ort-cuda': 'onnxruntime CUDA',
  'ort-dml': 'onnxruntime DirectML',
  'ort-webgpu': 'WebGPU',
  'ort-webnn': 'WebNN',
};

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

export interface RuntimeQuery {
  domain: string;
  opType: string;
  /** The model's opset version for the node's domain. */
  opset: number;
  /** The node's type parameters and their types after conversion: `{ T: 'tensor(float16)' }`. */
  bindings: Readonly<Record<string, string>>;
  /** The parameters the node's inputs bind (onnxruntime CPU inserts Casts only for float16 inputs). Default: all of `bindings`. */
  inputParameters?: readonly string[];
  /** The parameters whose type `output_datatype` fixes rather than an input (onnxruntime's float32 fallback cannot retype them). Default: none. */
  attributeTyped?: readonly string[];
  /** The model's ai.onnx opset: the Casts onnxruntime CPU inserts are Casts of that version. Default: `opset` for ai.onnx nodes, else 6. */
  defaultOpset?: number;
  /** The `reduction` attribute of ScatterND / ScatterElements. */
  reduction?: string;
}

export type RuntimeVerdict =
  | {
      supported: true;
      /**
       * A kernel for these types; (ort-cpu) a float32 kernel between inserted Casts; the
       * operator's ONNX function body; a Constant, which becomes an initializer on load.
       */
      how: 'kernel' | 'float32-casts' | 'function-body' | 'initializer';
      /** The runtime document's comment on the operator (limitations it does not check here). */
      note?: string;
    }
  | {
      supported: false;
      /** `fallback`: another provider (CPU) runs the node; `refused`: the model does not load or run. */
      outcome: 'fallback' | 'refused';
      reason: string;
    };

interface Registration {
  from: number;
  to: number;
  /** Parameter -> supported types; undefined where the document lists none. */
  types: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  comment: string | undefined;
}

type KernelRow = [string, string, string, number, number, [string, number][] | 0, string?];
let kernelIndex: Map<string, Registration[]> | undefined;
let functionIndex: Map<string, readonly number[]> | undefined;

const key = (runtime: string, domain: string, opType: string) => `${runtime}\u0000${normalizeDomain(domain)}\u0000${opType}`;

function registrations(runtime: RuntimeName, domain: string, opType: string): readonly Registration[] {
  if (!kernelIndex) {
    kernelIndex = new Map();
    const typeSets = KERNEL_TYPE_LISTS.map((list) => new Set(list.split('|')));
    for (const raw of KERNEL_ROWS) {
      const [rt, d, op, from, to, types, comment] = raw as KernelRow;
      const k = key(rt, d, op);
      let list = kernelIndex.get(k);
      if (!list) kernelIndex.set(k, (list = []));
      list.push({ from, to: to === 0 ? Infinity : to, types: types === 0 ? undefined : new Map(types.map(([p, i]) => [p, typeSets[i]!])), comment });
    }
    for (const [rt, d, op, from] of DOCUMENT_OMISSIONS) kernelIndex.set(key(rt, d, op), [{ from, to: Infinity, types: undefined, comment: undefined }]);
  }
  return kernelIndex.get(key(runtime, domain, opType)) ?? [];
}

/** The opset versions at which ONNX (re)defined the operator's function body; empty when it is no function. */
function functionVersions(domain: string, opType: string): readonly number[] {
  if (!functionIndex) {
    functionIndex = new Map();
    for (const raw of FUNCTION_ROWS) {
      const [d, op, versions] = raw as [string, string, number[]];
      functionIndex.set(key('', d, op), versions);
    }
  }
  return functionIndex.get(key('', domain, opType)) ?? [];
}

/**
 * Kernels onnxruntime registers that OperatorKernels.md (at the commit the table was generated
 * from) does not list: NonMaxSuppression's CPU kernel (opset 10+, concrete float/int64 inputs,
 * so no type parameter) runs every suite model that uses it.
 */
const DOCUMENT_OMISSIONS: readonly [RuntimeName, string, string, number][] = [['ort-cpu', '', 'NonMaxSuppression', 10]];

/**
 * Function bodies onnxruntime cannot run in float16: their constants are float32 and meet the
 * float16 input in one operator ("Type parameter (T) of Optype (Add) bound to different types").
 */
const FLOAT32_CONSTANT_BODIES = new Set(['MeanVarianceNormalization']);

/** Reductions onnxruntime CPU refuses for float16 ("MLFloat16 data type is not supported with ScatterND opset 16 when reduction is 'add'"). */
const FLOAT16_REFUSED_REDUCTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  ScatterND: new Set(['add', 'mul']),
  ScatterElements: new Set(['add', 'mul']),
};

const FLOAT16 = formatValueType(tensorType(DataType.FLOAT16));
const BFLOAT16 = formatValueType(tensorType(DataType.BFLOAT16));
const FLOAT = formatValueType(tensorType(DataType.FLOAT));
const WEB_RUNTIMES: ReadonlySet<RuntimeName> = new Set(['ort-webgpu', 'ort-webnn']);

/** The version kernels are registered under: the schema's since-version (opset for operators the schema table does not know). */
function kernelVersion(domain: string, opType: string, opset: number): number {
  return lookupSchema(domain, opType, opset).schema?.sinceVersion ?? opset;
}

function describeTypes(types: Iterable<string>): string {
  return [...new Set([...types].map((t) => /^tensor\((.*)\)$/.exec(t)?.[1] ?? t))].join('/');
}

/** Whether a registration takes the bound types (parameters it does not list are not its to check). */
function takes(registration: Registration, bindings: Readonly<Record<string, string>>, runtime: RuntimeName): boolean {
  if (!registration.types) {
    // The web documents list no types: everything but bfloat16 (see the module comment).
    return !(WEB_RUNTIMES.has(runtime) && Object.values(bindings).some((t) => t.includes('bfloat16')));
  }
  for (const [param, type] of Object.entries(bindings)) {
    const allowed = registration.types.get(param);
    if (allowed && !allowed.has(type)) return false;
  }
  return true;
}

/** What the provider's kernel table alone says; the CPU rule and fallbacks are layered on top. */
function kernelLookup(runtime: RuntimeName, query: RuntimeQuery): { found: Registration } | { found: undefined; reason: string; atVersion: readonly Registration[] } {
  const label = RUNTIME_LABELS[runtime];
  const name = opKey(query.domain, query.opType);
  const all = registrations(runtime, query.domain, query.opType);
  if (all.length === 0) return { found: undefined, reason: `${label} has no kernel for ${name}`, atVersion: [] };
  const version = kernelVersion(query.domain, query.opType, query.opset);
  const atVersion = all.filter((r) => r.from <= version && version <= r.to);
  if (atVersion.length === 0) return { found: undefined, reason: `${label} has no kernel for ${name} at opset ${query.opset}`, atVersion };
  const found = atVersion.find((r) => takes(r, query.bindings, runtime));
  if (found) return { found };
  const unsupported = Object.entries(query.bindings)
    .filter(([param, type]) => atVersion.every((r) => (r.types ? r.types.get(param) && !r.types.get(param)!.has(type) : type.includes('bfloat16'))))
    .map(([, type]) => type);
  const types = describeTypes(unsupported.length > 0 ? unsupported : Object.values(query.bindings));
  return { found: undefined, reason: `${label} has no ${types} kernel for ${name}-${version}`, atVersion };
}

/** Whether `runtime` runs a node of `query.opType` with the bound types; see the module comment for the rules. */
export function runtimeSupport(runtime: RuntimeName, query: RuntimeQuery): RuntimeVerdict {
  // onnxruntime turns Constant nodes into initializers when it loads a model: no kernel runs them.
  if (isDefaultDomain(query.domain) && query.opType === 'Constant') return { supported: true, how: 'initializer' };
  if (runtime === 'ort-cpu') return cpuSupport(query);
  const lookup = kernelLookup(runtime, query);
  if (lookup.found) return lookup.found.comment ? { supported: true, how: 'kernel', note: lookup.found.comment } : { supported: true, how: 'kernel' };
  const cpu = cpuSupport(query);
  if (cpu.supported) return { supported: false, outcome: 'fallback', reason: `${lookup.reason}: falls back to CPU` };
  return { supported: false, outcome: 'refused', reason: `${lookup.reason}, and on its CPU fallback: ${cpu.reason}` };
}

function cpuSupport(query: RuntimeQuery): RuntimeVerdict {
  const name = opKey(query.domain, query.opType);
  const bound = Object.values(query.bindings);
  const lookup = kernelLookup('ort-cpu', query);
  if (lookup.found) {
    const refused = FLOAT16_REFUSED_REDUCTIONS[query.opType];
    if (isDefaultDomain(query.domain) && query.reduction && refused?.has(query.reduction) && bound.includes(FLOAT16)) {
      return { supported: false, outcome: 'refused', reason: `onnxruntime CPU does not run ${name} with reduction '${query.reduction}' in float16` };
    }
    return { supported: true, how: 'kernel' };
  }
  // No kernel takes these types. onnxruntime first runs a function operator as its body...
  const defaultOpset = query.defaultOpset ?? (isDefaultDomain(query.domain) ? query.opset : 6);
  // An operator with no CPU kernel at its version runs as its body whatever the opset (its float32
  // form could not load otherwise); one with a float32 kernel, only where ONNX gives the body at the model's opset.
  const bodies = functionVersions(query.domain, query.opType);
  if (bodies.length > 0 && (lookup.atVersion.length === 0 || bodies[0]! <= defaultOpset)) {
    if (FLOAT32_CONSTANT_BODIES.has(query.opType) && bound.some((t) => t === FLOAT16 || t === BFLOAT16)) {
      return { supported: false, outcome: 'refused', reason: `onnxruntime CPU runs ${name} as its ONNX function body, whose float32 constants do not mix with ${describeTypes(bound.filter((t) => t === FLOAT16 || t === BFLOAT16))}` };
    }
    return { supported: true, how: 'function-body' };
  }
  // ...then computes a node that reads float16 in float32 between Casts, where a float32 kernel exists.
  const inputs = query.inputParameters ?? Object.keys(query.bindings);
  const readsFloat16 = inputs.some((p) => query.bindings[p] === FLOAT16);
  const fixedFloat16 = (query.attributeTyped ?? []).filter((p) => query.bindings[p] === FLOAT16);
  if (bound.includes(BFLOAT16)) return { supported: false, outcome: 'refused', reason: `${lookup.reason} (and computes no bfloat16 operator in float32)` };
  if (!bound.includes(FLOAT16) || lookup.atVersion.length === 0) return { supported: false, outcome: 'refused', reason: lookup.reason };
  if (fixedFloat16.length > 0) {
    return { supported: false, outcome: 'refused', reason: `${lookup.reason}, and cannot compute it in float32: output_datatype makes its output float16` };
  }
  if (!readsFloat16) return { supported: false, outcome: 'refused', reason: `${lookup.reason}, and cannot compute it in float32: it reads no float16 input to cast` };
  if (defaultOpset < 6) {
    return { supported: false, outcome: 'refused', reason: `${lookup.reason}, and cannot compute it in float32 at ai.onnx opset ${defaultOpset}: the Casts it inserts need opset 6` };
  }
  const widened = Object.fromEntries(Object.entries(query.bindings).map(([p, t]) => [p, t === FLOAT16 ? FLOAT : t]));
  const float32 = kernelLookup('ort-cpu', { ...query, bindings: widened });
  if (!float32.found) return { supported: false, outcome: 'refused', reason: `${lookup.reason}, nor a float32 one to compute it with` };
  return { supported: true, how: 'float32-casts' };
}

/**
 * Attributes that fix an output's element type in a way onnxruntime's float32 fallback cannot
 * follow: it retypes the node's float16 outputs to float32, which then contradicts
 * `output_datatype` ("Type (tensor(float)) of output arg (InsertedPrecisionFreeCast_y) of node
 * (MelWeightMatrix_y) does not match expected type (tensor(float16))"). Outputs typed by `dtype`
 * (RandomNormalLike, EyeLike, ...) it does retype: with a float16 input those nodes run.
 */
const TYPE_ATTRIBUTES = ['output_datatype'];

/**
 * The query for a node of `model`: its types from `inference` bound to its schema's type
 * parameters, the parameters its inputs bind, those an attribute types, and the opsets in force
 * (`opsets`: the model's, or a function's own). Undefined for an operator of a domain the
 * operator table does not know (custom operators, calls of model-local functions: no runtime
 * table can answer for them), or whose domain has no opset.
 */
export function nodeRuntimeQuery(node: Node, inference: TypeInference, opsets: readonly OperatorSetIdProto[]): RuntimeQuery | undefined {
  const opset = opsetVersion(opsets, node.domain);
  if (opset === undefined) return undefined;
  const schema = lookupSchema(node.domain, node.opType, opset).schema;
  if (!schema && !isKnownDomain(node.domain)) return undefined;
  const bindings: Record<string, string> = {};
  const inputParameters: string[] = [];
  const attributeTyped: string[] = [];
  if (schema) {
    const typedByAttribute = TYPE_ATTRIBUTES.some((name) => findAttribute(node.proto, name));
    const bind = (formals: typeof schema.inputs, values: Node['inputs'], side: 'input' | 'output') =>
      values.forEach((value, i) => {
        const formal = formalAt(formals, i);
        const type = value && inference.typeOf(value);
        if (!formal || !type || !schema.typeConstraints.has(formal.type)) return;
        if (side === 'input' && !inputParameters.includes(formal.type)) inputParameters.push(formal.type);
        if (side === 'output' && typedByAttribute && !inputParameters.includes(formal.type) && !attributeTyped.includes(formal.type)) {
          attributeTyped.push(formal.type);
        }
        bindings[formal.type] ??= formatValueType(type);
      });
    bind(schema.inputs, node.inputs, 'input');
    bind(schema.outputs, node.outputs, 'output');
  }
  const query: RuntimeQuery = { domain: node.domain, opType: node.opType, opset, bindings, inputParameters, attributeTyped };
  const defaultOpset = opsetVersion(opsets, '');
  if (defaultOpset !== undefined) query.defaultOpset = defaultOpset;
  const reduction = findAttribute(node.proto, 'reduction');
  if (reduction) query.reduction = new TextDecoder().decode(reduction.s);
  return query;
}

/** The opsets in force for each graph of `model`: a function body's own, the model's elsewhere. */
export function opsetsOfGraphs(model: Model): (graph: Node['graph']) => readonly OperatorSetIdProto[] {
  const functionOpsets = new Map(model.functions.map((fn) => [fn.body, fn.proto.opsetImport]));
  return (graph) => functionOpsets.get(graph.root) ?? model.proto.opsetImport;
}
