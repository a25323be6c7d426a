/**
 * Why a node stays float32, as data: a closed set of kinds, each with the facts its message
 * needs. Callers decide from `kind` (which reasons become warnings, what a UI groups); text is
 * made only at the edge, by `describeReason`.
 */

export type KeepReason =
  /** Its op type is in opBlockList. `op`: `Op` or `domain::Op`. */
  | { readonly kind: 'opBlockList'; readonly op: string }
  /** Its name or address is in nodeBlockList. */
  | { readonly kind: 'nodeBlockList' }
  /** Inside the body of a control-flow node that stays float32. `owner`: that node, described. */
  | { readonly kind: 'inside'; readonly owner: string }
  /** Inside a model-local function body (left exactly as it is). */
  | { readonly kind: 'function' }
  /** Calls a model-local function, which stays float32. */
  | { readonly kind: 'functionCall' }
  /** No usable schema at the model's opset (custom op, not yet introduced, deprecated, no opset import). */
  | { readonly kind: 'noSchema'; readonly detail: string }
  /** The schema allows the target type for none of its float32 inputs and outputs. */
  | { readonly kind: 'schema'; readonly op: string; readonly opset: number | undefined; readonly target: string; readonly detail?: string }
  /** The op is kept float32 as a whole by rule (SequenceMap bodies). */
  | { readonly kind: 'opRule'; readonly op: string }
  /** A value it touches has no known type. */
  | { readonly kind: 'unknownType'; readonly value: string; readonly detail: string }
  /** A constant it would read in low precision holds finite values beyond `bound` (maxFiniteVal, or float16's 65504). */
  | { readonly kind: 'outOfRange'; readonly value: string; readonly count: number; readonly maxAbs: number; readonly bound: number }
  /** A sequence/optional value it shares with a node of the other precision cannot be Cast. */
  | { readonly kind: 'container'; readonly value: string; readonly type: string }
  /** On the float path through dynamic quantization (DynamicQuantizeLinear, MatMulInteger/ConvInteger): see quantized.ts. */
  | { readonly kind: 'dynamicQuantization' }
  /**
   * The target runtime (the `runtime` option) would not run the node with the types conversion
   * gives it: `fallback` to another provider, or `refused` (the model would not load or run).
   * `detail`: the runtime table's reason.
   */
  | { readonly kind: 'runtime'; readonly runtime: string; readonly outcome: 'fallback' | 'refused'; readonly detail: string };

export type KeepReasonKind = KeepReason['kind'];

/**
 * Reasons the user asked for (block lists), that follow from another kept node, or that follow
 * from a deliberate rule over a whole model (dynamic quantization: one summary, not a warning
 * per node): not worth a warning.
 */
const CHOSEN: ReadonlySet<KeepReasonKind> = new Set<KeepReasonKind>(['opBlockList', 'nodeBlockList', 'inside', 'dynamicQuantization']);

/** True when a kept node deserves a "fallback" warning: the user did not ask for it. */
export function isFallback(reason: KeepReason): boolean {
  return !CHOSEN.has(reason.kind);
}

/** The reason as one line of text, for reports, warnings and the CLI. */
export function describeReason(reason: KeepReason): string {
  switch (reason.kind) {
    case 'opBlockList':
      return `op type ${reason.op} is in opBlockList`;
    case 'nodeBlockList':
      return 'the node is in nodeBlockList';
    case 'inside':
      return `inside ${reason.owner}, which stays float32`;
    case 'function':
      return 'inside a model-local function';
    case 'functionCall':
      return 'calls a model-local function, which stays float32';
    case 'noSchema':
      return reason.detail;
    case 'runtime':
      return `runtime ${reason.runtime}: ${reason.detail}`;
    case 'schema':
      if (reason.detail) return `${reason.op} at opset ${reason.opset}: ${reason.detail}`;
      return `${reason.op} at opset ${reason.opset} allows no ${reason.target} for its float32 inputs and outputs`;
    case 'opRule':
      return `${reason.op} bodies are kept float32`;
    case 'unknownType':
      return `the type of "${reason.value}" is unknown (${reason.detail})`;
    case 'outOfRange':
      return `constant input "${reason.value}" holds ${reason.count} finite value${reason.count === 1 ? '' : 's'} beyond ${reason.bound === 65504 ? "float16's range" : `maxFiniteVal ${reason.bound}`} (max |x| = ${reason.maxAbs.toPrecision(3)})`;
    case 'dynamicQuantization':
      return 'on the float path of dynamic quantization (DynamicQuantizeLinear, MatMulInteger/ConvInteger): float16 there adds Casts, saves no weight bytes, and can overflow the int32 accumulators';
    case 'container':
      return `the ${reason.type} value "${reason.value}" cannot be cast between precisions`;
  }
}
