/**
 * Ranks the candidate nodes by how likely they are to need float32, from two runs of the switched
 * model with every intermediate exposed: the reference (every candidate float32, I/O as the
 * conversion leaves it) and the all-float16 emulation.
 * - First, nodes that produce or read a value float16 cannot hold in the reference (beyond its
 *   finite range, or mostly below its smallest subnormal).
 * - Then by error jump: how much a node's output error (all-float16 against the reference,
 *   relative to the value's scale) exceeds the largest error of its inputs. A node where the error
 *   appears is where rounding hurts; nodes downstream only carry it.
 * Ties keep graph order.
 */
import { DataType } from '../dtype.js';
import { nodeAddress } from '../convert/plan.js';
import { graphTree, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { TensorLike } from '../runtime/runtime.js';
import { keyOf } from './switch-plan.js';
import { numbers } from './validate.js';

export interface NodeSuspicion {
  readonly address: string;
  /** Produces or reads a value the target type cannot hold. */
  readonly outOfRange: boolean;
  /** Output error minus the largest input error (Infinity where a value first becomes non-finite). */
  readonly jump: number;
}

export function rankCandidates(
  ir: Model,
  candidates: readonly string[],
  reference: ReadonlyMap<string, TensorLike>,
  lowered: ReadonlyMap<string, TensorLike>,
  target: number,
): NodeSuspicion[] {
  const nodes = new Map<string, Node>();
  for (const graph of graphTree(ir.graph!)) for (const node of graph.nodes) nodes.set(nodeAddress(node), node);
  const errors = new Map<string, number>();
  const errorOf = (key: string): number => {
    let error = errors.get(key);
    if (error === undefined) {
      const a = reference.get(key);
      const b = lowered.get(key);
      error = a && b ? relativeError(a, b) : 0;
      errors.set(key, error);
    }
    return error;
  };
  const ranges = new Map<string, boolean>();
  const outOfRange = (key: string): boolean => {
    let flagged = ranges.get(key);
    if (flagged === undefined) {
      const tensor = reference.get(key);
      flagged = tensor ? unrepresentable(tensor, target) : false;
      ranges.set(key, flagged);
    }
    return flagged;
  };
  const scored = candidates.map((address, index) => {
    const node = nodes.get(address);
    if (!node) return { address, outOfRange: false, jump: 0, index };
    const inputKeys = node.inputs.flatMap((v) => (v ? [keyOf(v)] : []));
    const outputKeys = node.outputs.flatMap((v) => (v ? [keyOf(v)] : []));
    let inputError = 0;
    for (const key of inputKeys) inputError = Math.max(inputError, errorOf(key));
    let outputError = 0;
    for (const key of outputKeys) outputError = Math.max(outputError, errorOf(key));
    const jump = outputError === Infinity ? (inputError === Infinity ? 0 : Infinity) : outputError - inputError;
    return { address, outOfRange: [...inputKeys, ...outputKeys].some(outOfRange), jump, index };
  });
  scored.sort((a, b) => Number(b.outOfRange) - Number(a.outOfRange) || b.jump - a.jump || a.index - b.index);
  return scored.map(({ address, outOfRange: range, jump }) => ({ address, outOfRange: range, jump }));
}

/** max |a - b| / max |a|: how far a tensor moved, relative to its scale; Infinity for a new NaN or infinity. */
export function relativeError(reference: TensorLike, actual: TensorLike): number {
  const a = numbers(reference);
  const b = numbers(actual);
  if (a.length !== b.length) return 0;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x)) continue;
    if (!Number.isFinite(y)) return Infinity;
    scale = Math.max(scale, Math.abs(x));
    diff = Math.max(diff, Math.abs(x - y));
  }
  return diff / (scale + 1e-30);
}

/** Beyond the target's finite range, or mostly too small for it (flushed to zero). */
export function unrepresentable(tensor: TensorLike, target: number): boolean {
  const values = numbers(tensor);
  if (values.length === 0) return false;
  const max = target === DataType.BFLOAT16 ? 3.3895313892515355e38 : 65504;
  const tiny = target === DataType.BFLOAT16 ? 0 : 2 ** -25;
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
