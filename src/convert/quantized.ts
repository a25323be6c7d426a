/**
 * Quantized models. Weight-only quantization (MatMulNBits, GatherBlockQuantized, DequantizeLinear
 * with float scales: transformers.js's q4) converts as any model: the packed weights stay as they
 * are, the float scales and the float path become float16 (q4 -> q4f16).
 *
 * Dynamic quantization (DynamicQuantizeLinear + MatMulInteger / ConvInteger, as onnxruntime's
 * quantize_dynamic writes) gains nothing from float16: the weights are already 8-bit, the products
 * are integer, and DynamicQuantizeLinear takes float32 only, so a conversion adds a Cast pair
 * around every quantized op (the file grows) while the int32 accumulators, cast to float16, can
 * exceed 65504 (measured: Inf in float16 emulation on a three-layer MLP whose float32 run is
 * fine). So the float path through dynamic quantization stays float32: every node whose float
 * output reaches a DynamicQuantizeLinear, and every node downstream of an integer accumulator or a quantizer's scale.
 * Float work that neither feeds nor follows dynamic quantization still converts.
 */
import { isDefaultDomain } from '../ir/domain.js';
import type { Model } from '../ir/model.js';
import { graphTree } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import type { TypeInference } from '../schema/infer-types.js';
import type { KeepReason } from './keep-reason.js';
import { isFloat32Bearing } from './value-types.js';

const DYNAMIC_QUANTIZE = 'DynamicQuantizeLinear';
/** Ops whose integer outputs (int32 accumulators) come from dynamically quantized inputs. */
const INTEGER_PRODUCTS = new Set(['MatMulInteger', 'ConvInteger']);
/** The quantization ops themselves: their precision is their schema's business. */
const QUANTIZATION_OPS = new Set([DYNAMIC_QUANTIZE, ...INTEGER_PRODUCTS]);

const DYNAMIC_QUANTIZATION: KeepReason = { kind: 'dynamicQuantization' };

/** The nodes to keep float32 because they lie on the float path through dynamic quantization (empty for other models). */
export function dynamicQuantizationKeeps(model: Model, inference: TypeInference): Map<Node, KeepReason> {
  const keep = new Map<Node, KeepReason>();
  if (!model.graph) return keep;
  const nodes = [...graphTree(model.graph)].flatMap((graph) => graph.nodes);
  const isStandard = (node: Node) => isDefaultDomain(node.domain);
  const quantizers = nodes.filter((node) => isStandard(node) && node.opType === DYNAMIC_QUANTIZE);
  if (quantizers.length === 0) return keep;
  const isFloat = (value: Value | undefined) => value !== undefined && isFloat32Bearing(inference.typeOf(value));
  const mark = (node: Node) => {
    if ((isStandard(node) && QUANTIZATION_OPS.has(node.opType)) || keep.has(node)) return false;
    keep.set(node, DYNAMIC_QUANTIZATION);
    return true;
  };

  // Backward from every quantizer's input, through float values, to their producers.
  const upstream: Value[] = quantizers.flatMap((node) => node.inputs.filter(isFloat) as Value[]);
  while (upstream.length > 0) {
    const producer = upstream.pop()!.producer;
    if (producer && mark(producer)) upstream.push(...(producer.inputs.filter(isFloat) as Value[]));
  }

  // Forward from every integer accumulator and quantizer scale, through their readers' float outputs.
  const downstream: Value[] = nodes
    .filter((node) => isStandard(node) && QUANTIZATION_OPS.has(node.opType))
    .flatMap((node) => node.outputs.filter((v): v is Value => v !== undefined));
  const seen = new Set<Value>();
  while (downstream.length > 0) {
    const value = downstream.pop()!;
    if (seen.has(value)) continue;
    seen.add(value);
    for (const use of value.uses) {
      mark(use.node);
      if (keep.has(use.node)) downstream.push(...(use.node.outputs.filter(isFloat) as Value[]));
    }
  }
  return keep;
}
