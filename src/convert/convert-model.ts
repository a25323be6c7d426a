/**
 * The public conversion: `convertFloatToFloat16` / `convertFloatToBfloat16` (the model), and
 * `convertModel` (the model and a report). Options -> IR copy -> type inference -> plan -> apply ->
 * ModelProto, then the postcondition: the result's types pass the schema checker, or an error names
 * the node. The input model is never mutated; the result shares its unchanged parts and converts
 * weights lazily (see tensor-conversion.ts), so saving it streams from the source.
 */
import { DataType, dataTypeName } from '../dtype.js';
import { OptionsError, UnsupportedModelError } from '../errors.js';
import { isDefaultDomain } from '../ir/domain.js';
import { modelFromProto } from '../ir/from-proto.js';
import { graphTree, type Model } from '../ir/model.js';
import { modelToProto } from '../ir/to-proto.js';
import type { ModelProto } from '../proto/onnx.js';
import { rawPayloadOf } from '../proto/payload.js';
import { forEachTensor } from '../proto/tensor-walk.js';
import { checkTypes } from '../schema/check-types.js';
import { inferTypes, inferTypesAfterEdit, type TypeInference } from '../schema/infer-types.js';
import type { Node } from '../ir/node.js';
import { schemaVersions } from '../schema/op-schema.js';
import { elementTypeOf, formatValueType } from '../ir/value-type.js';
import { describeMissingCast, ensureDefaultOpsetImport } from './default-opset.js';
import { applyPlan, type CastRecord, type ConvertedTensorRecord } from './apply.js';
import { assertSingleAssignment, assertValidInput } from './input-check.js';
import { describeUnknownName, unknownNames } from './name-check.js';
import { describeReason, isFallback, type KeepReason } from './keep-reason.js';
import { resolveConvertOptions, type ConversionWarning, type ConvertOptions } from './options.js';
import { FREE, nodeAddress, planConversion, type ConversionPlan } from './plan.js';
import { sameValueType } from './value-types.js';

export interface KeptNodeRecord {
  /** Path of the graph ("" for the main graph). */
  graph: string;
  /** The node's name, or "" when unnamed. */
  name: string;
  /** An unambiguous address for nodeBlockList: the name, or `#index` in its graph's path. */
  address: string;
  domain: string;
  opType: string;
  /** Why it stays float32, as data; `describeReason(reason)` gives the text. */
  reason: KeepReason;
}

export interface ConversionReport {
  /** "float16" or "bfloat16". */
  target: string;
  /** The runtime nodes were checked against (the `runtime` option, defaults applied): "ort-cpu", ..., or "none". Nodes kept for it have reason kind `runtime`. */
  runtime: string;
  /** Nodes of the main graph and its subgraphs. */
  nodeCount: number;
  /** Nodes that touch float32 values and stay float32, with the reason for each. */
  keptNodes: KeptNodeRecord[];
  /** Casts inserted (graph boundary, around float32 nodes, ...). */
  casts: CastRecord[];
  /** Initializers and Constant values converted, with sizes and clipping counts. */
  tensors: ConvertedTensorRecord[];
  /** keepIoTypes names that match no float graph input or output. */
  unmatchedIoNames: string[];
  /** Values the input already held in the target type (a partly converted model); left as they are. */
  alreadyTarget: number;
  warnings: ConversionWarning[];
  elapsedMs: number;
}

export interface ConversionResult {
  model: ModelProto;
  report: ConversionReport;
}

/** The conversion target: `'float16'` / `'bfloat16'`, or the DataType numbers (10, 16). */
export type ConversionTarget = 'float16' | 'bfloat16' | number;

/** The DataType of a target, or an OptionsError for anything but the two documented targets. */
export function resolveTarget(target: unknown): typeof DataType.FLOAT16 | typeof DataType.BFLOAT16 {
  if (target === 'float16' || target === DataType.FLOAT16) return DataType.FLOAT16;
  if (target === 'bfloat16' || target === DataType.BFLOAT16) return DataType.BFLOAT16;
  throw new OptionsError(`the target must be 'float16' or 'bfloat16' (DataType.FLOAT16 = 10, DataType.BFLOAT16 = 16), got ${JSON.stringify(target) ?? String(target)}`);
}

/**
 * Converts a float32 model to float16 (the default) or bfloat16; returns the model and a report.
 * `target`: `'float16'`, `'bfloat16'`, DataType.FLOAT16 or DataType.BFLOAT16; anything else is an OptionsError.
 */
export function convertModel(model: ModelProto, options: ConvertOptions = {}, target: ConversionTarget = DataType.FLOAT16): ConversionResult {
  const start = performance.now();
  const to = resolveTarget(target);
  const warnings: ConversionWarning[] = [];
  const resolved = resolveConvertOptions(options, to);
  const onWarning = (warning: ConversionWarning) => {
    warnings.push(warning);
    resolved.onWarning(warning);
  };
  const progress = resolved.onProgress && weightProgress(model, resolved.onProgress);
  const settings = { ...resolved, onWarning, ...(progress ? { onWeightBytesRead: progress.read } : {}) };
  assertSingleAssignment(model);
  const ir = modelFromProto(model);
  if (!ir.graph) throw new UnsupportedModelError('the model has no graph to convert');
  const inference = inferTypes(ir, { declaredOnly: resolved.disableShapeInfer });
  assertValidInput(ir, inference);
  const alreadyTarget = valuesOfType(ir, inference, to);

  for (const unknown of unknownNames(ir, resolved)) {
    if (resolved.unknownNames === 'error') throw new OptionsError(describeUnknownName(unknown));
    onWarning({ kind: 'unknownName', message: describeUnknownName(unknown) });
  }
  const plan = planConversion(ir, inference, settings);
  if (alreadyTarget.length > 0) {
    // As Python's check_if_fp16_ready, but a partly converted model (autocast exports) has its
    // float32 rest converted; only a model the plan would not change at all is refused.
    if (resolved.checkFp16Ready && !planChangesAnything(plan, inference)) {
      const where = alreadyTarget[0]!;
      throw new UnsupportedModelError(
        `the model is already converted: it holds ${dataTypeName(to)} values ("${where.name}"${where.graph ? ` in ${where.graph}` : ''}) and nothing float32 is left to convert ` +
          '(set checkFp16Ready: false, --no-check-fp16-ready, to convert it anyway)',
      );
    }
    const sample = alreadyTarget.slice(0, 3).map((v) => `"${v.name}"`).join(', ');
    onWarning({ kind: 'advice', message: `${alreadyTarget.length} value${alreadyTarget.length === 1 ? ' was' : 's were'} already ${targetName(to)} (${sample}${alreadyTarget.length > 3 ? ', ...' : ''}); they are left as they are` });
  }
  for (const name of plan.unmatchedIoNames) onWarning({ kind: 'io', message: `keepIoTypes names "${name}", which is not a float32 graph input or output` });
  const keptNodes: KeptNodeRecord[] = [];
  let nodeCount = 0;
  let lowFloatNodes = 0;
  for (const graph of graphTree(ir.graph)) {
    for (const node of graph.nodes) {
      nodeCount++;
      const p = plan.nodes.get(node)!;
      if (p.precision === 'low' && p.touchesFloat) lowFloatNodes++;
      if (p.precision !== 'keep' || !p.touchesFloat) continue;
      const reason = p.reason!;
      keptNodes.push({ graph: graph.path, name: node.name, address: nodeAddress(node), domain: node.domain, opType: node.opType, reason });
      if (isFallback(reason)) onWarning({ kind: 'fallback', message: `${node.describe()} stays float32: ${describeReason(reason)}` });
    }
  }
  const raisable = keptNodes.filter((k) => k.reason.kind === 'outOfRange' && k.reason.bound < 65504 && k.reason.maxAbs <= 65504).length;
  if (raisable > 0) {
    onWarning({ kind: 'advice', message: `maxFiniteVal: 65504 (--max-finite-val 65504) would convert ${raisable} more node${raisable === 1 ? '' : 's'}` });
  }
  for (const { name, why } of plan.keptIo) onWarning({ kind: 'io', message: `graph input/output "${name}" stays float32: ${why}` });
  const lowGain = lowGainWarning(keptNodes, lowFloatNodes, plan.castsAvailable, to, ir.opsetVersion(''));
  if (lowGain) onWarning(lowGain);
  const opsets = ir.proto.opsetImport;
  const applied = applyPlan(ir, plan, inference, settings);
  if (applied.casts.length > 0) ensureDefaultOpsetImport(ir);
  // The input passed the same check with `inference`: what the edit left alone need not be typed or checked again.
  const unchanged = !resolved.disableShapeInfer && ir.proto.opsetImport === opsets;
  assertValid(ir, unchanged ? { inference, edited: applied.edited } : undefined);
  const converted = modelToProto(ir);
  progress?.finish();
  return {
    model: converted,
    report: {
      target: to === DataType.BFLOAT16 ? 'bfloat16' : 'float16',
      runtime: resolved.runtime ?? 'none',
      nodeCount,
      keptNodes,
      casts: applied.casts,
      tensors: applied.tensors,
      unmatchedIoNames: plan.unmatchedIoNames,
      alreadyTarget: alreadyTarget.length,
      warnings,
      elapsedMs: performance.now() - start,
    },
  };
}

/**
 * Turns the bytes the conversion reads into onProgress calls against the model's float32 weight
 * bytes (initializers and Constant values, wherever they live): about one call per 4 MB read.
 * Weights it never reads (those of nodes kept float32, or read by an earlier conversion) count at the end.
 */
function weightProgress(model: ModelProto, onProgress: (done: number, total: number) => void): { read: (bytes: number) => void; finish: () => void } {
  let total = 0;
  forEachTensor(model, (tensor) => {
    if (tensor.dataType !== DataType.FLOAT) return;
    total += rawPayloadOf(tensor)?.byteLength ?? tensor.floatData.length * 4;
  });
  let done = 0;
  onProgress(0, total);
  return {
    read(bytes) {
      done = Math.min(total, done + bytes);
      onProgress(done, total);
    },
    finish() {
      if (done < total) onProgress(total, total);
    },
  };
}

/** float32 -> float16, with every option of onnxconverter-common's convert_float_to_float16. Never mutates `model`. */
export function convertFloatToFloat16(model: ModelProto, options: ConvertOptions = {}): ModelProto {
  return convertModel(model, options, DataType.FLOAT16).model;
}

/** float32 -> bfloat16, with the same options (no clipping unless minPositiveVal/maxFiniteVal are given). */
export function convertFloatToBfloat16(model: ModelProto, options: ConvertOptions = {}): ModelProto {
  return convertModel(model, options, DataType.BFLOAT16).model;
}

/**
 * Where most float nodes stay float32 because the opset's schemas lack the target type (bfloat16
 * below opset 13, Conv below 22), the target gains little: say so with the numbers, naming the
 * op type kept most often for that reason.
 */
function lowGainWarning(kept: KeptNodeRecord[], converted: number, castsAvailable: boolean, to: number, opset: number | undefined): ConversionWarning | undefined {
  // Default-domain ops only: their schemas say at which opset the target type arrives.
  const bySchema = kept.filter((k) => k.reason.kind === 'schema' && isDefaultDomain(k.domain));
  if (bySchema.length === 0) return undefined;
  const floatNodes = kept.length + converted;
  if (castsAvailable && bySchema.length * 2 < floatNodes) return undefined;
  const counts = new Map<string, number>();
  for (const k of bySchema) counts.set(k.opType, (counts.get(k.opType) ?? 0) + 1);
  const [commonest] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  const first = castsAvailable ? firstOpsetAllowing(commonest, to) : undefined;
  const why = !castsAvailable
    ? describeMissingCast(to)
    : first !== undefined
      ? `${commonest} has no ${targetName(to)} before opset ${first}`
      : `${commonest} has no ${targetName(to)} at any opset`;
  return {
    kind: 'advice',
    message: `${targetName(to)} at opset ${opset ?? '(none)'}: ${converted} of ${floatNodes} float nodes convert; ${why}`,
  };
}

/** The first default-domain opset at which the op's schema names the target type, if any. */
function firstOpsetAllowing(opType: string, to: number): number | undefined {
  const wanted = formatValueType({ kind: 'tensor', elemType: to });
  for (const schema of schemaVersions('', opType)) {
    for (const allowed of schema.typeConstraints.values()) if (allowed.has(wanted)) return schema.sinceVersion;
  }
  return undefined;
}

function targetName(to: number): string {
  return to === DataType.BFLOAT16 ? 'bfloat16' : 'float16';
}

/** Values of the main graph and its subgraphs that already hold the target type. */
function valuesOfType(ir: Model, inference: TypeInference, target: number): { name: string; graph: string }[] {
  const found: { name: string; graph: string }[] = [];
  for (const graph of graphTree(ir.graph!)) {
    for (const value of graph.localValues()) if (elementTypeOf(inference.typeOf(value)) === target) found.push({ name: value.name, graph: graph.path });
  }
  return found;
}

/** Whether applying the plan would change any type: a node's slots, an attribute, a constant, an initializer, a graph input or output. */
function planChangesAnything(plan: ConversionPlan, inference: TypeInference): boolean {
  for (const nodePlan of plan.nodes.values()) {
    if (nodePlan.precision !== 'low') continue;
    if (nodePlan.rewrite || nodePlan.flexible === 'convert' || nodePlan.flexible === 'duplicate') return true;
    if (nodePlan.node.outputs.some((v, i) => v && !sameValueType(nodePlan.outputs[i], inference.typeOf(v)))) return true;
    if (nodePlan.inputs.some((wish, i) => {
      const value = nodePlan.node.inputs[i];
      return value !== undefined && wish !== undefined && wish !== FREE && !sameValueType(wish, inference.typeOf(value));
    })) return true;
  }
  for (const decision of plan.initializers.values()) if (decision !== 'keep') return true;
  for (const [port, type] of [...plan.inputTypes, ...plan.outputTypes]) if (!sameValueType(type, inference.typeOf(port.value))) return true;
  return false;
}

/**
 * The postcondition: every node's types, inferred again, satisfy its schema (checked on the IR the
 * output is written from). Given the inference of the input (which passed the same check) and the
 * nodes the conversion edited, only nodes whose types may have changed are typed and checked again.
 */
function assertValid(ir: Model, before?: { inference: TypeInference; edited: ReadonlySet<Node> }): void {
  let violations;
  if (before) {
    const after = inferTypesAfterEdit(ir, before.inference, before.edited);
    violations = checkTypes(ir, after.inference, after.inferred);
  } else {
    violations = checkTypes(ir, inferTypes(ir));
  }
  if (violations.length > 0) {
    throw new Error(
      `internal error: the converted model would be invalid (${violations.length} type error${violations.length === 1 ? '' : 's'}): ` +
        violations
          .slice(0, 5)
          .map((v) => v.message)
          .join('; '),
    );
  }
}
