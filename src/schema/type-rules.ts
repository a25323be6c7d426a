/**
 * Output types the operator table cannot give: those fixed by attributes (Cast `to`, Constant
 * values, `dtype`, `output_datatype`, `stash_type`, zero points) and those of sequence, optional
 * and ai.onnx.ml operators whose element types pass through containers. Each rule returns the
 * types it decides, by output index; outputs it leaves undefined fall back to the table.
 */
import { DataType } from '../dtype.js';
import type { NodeProto } from '../proto/onnx.js';
import { castTarget, findAttribute, intAttribute } from './attributes.js';
import { normalizeDomain } from '../ir/domain.js';
import { opFacts } from './op-facts.js';
import { tensorType, typeFromProto, type ValueType } from '../ir/value-type.js';

export type TypeRule = (node: NodeProto, inputs: readonly (ValueType | undefined)[], opset: number) => (ValueType | undefined)[];

const elementOfContainer = (type: ValueType | undefined): ValueType | undefined =>
  type && (type.kind === 'sequence' || type.kind === 'optional') ? type.elem : undefined;

const tensorOf = (type: ValueType | undefined): ValueType | undefined =>
  type && (type.kind === 'tensor' || type.kind === 'sparse_tensor') ? tensorType(type.elemType) : undefined;

/** dtype-like attribute, else the first input's element type, else `fallback`. */
const dtypeOr = (node: NodeProto, name: string, input: ValueType | undefined, fallback?: number): ValueType | undefined => {
  const dtype = intAttribute(node, name);
  if (dtype) return tensorType(dtype);
  return tensorOf(input) ?? (fallback !== undefined ? tensorType(fallback) : undefined);
};

const DEFAULT_RULES: Record<string, TypeRule> = {
  Cast: (node) => [tensorType(castTarget(node))],
  BitCast: (node) => [tensorType(intAttribute(node, 'to', 0))],
  Constant: (node) => [constantType(node)],
  ConstantOfShape: (node) => [tensorType(findAttribute(node, 'value')?.t?.dataType ?? DataType.FLOAT)],
  EyeLike: (node, [input]) => [dtypeOr(node, 'dtype', input)],
  RandomNormalLike: (node, [input]) => [dtypeOr(node, 'dtype', input)],
  RandomUniformLike: (node, [input]) => [dtypeOr(node, 'dtype', input)],
  Bernoulli: (node, [input]) => [dtypeOr(node, 'dtype', input)],
  RandomNormal: (node) => [tensorType(intAttribute(node, 'dtype', DataType.FLOAT))],
  RandomUniform: (node) => [tensorType(intAttribute(node, 'dtype', DataType.FLOAT))],
  Multinomial: (node) => [tensorType(intAttribute(node, 'dtype', DataType.INT32))],
  HannWindow: (node) => [tensorType(intAttribute(node, 'output_datatype', DataType.FLOAT))],
  HammingWindow: (node) => [tensorType(intAttribute(node, 'output_datatype', DataType.FLOAT))],
  BlackmanWindow: (node) => [tensorType(intAttribute(node, 'output_datatype', DataType.FLOAT))],
  MelWeightMatrix: (node) => [tensorType(intAttribute(node, 'output_datatype', DataType.FLOAT))],
  QuantizeLinear: (node, inputs) => {
    // With a zero point, its type decides (left to the table when that type is unknown).
    if (node.input[2]) return [inputs[2]];
    const dtype = intAttribute(node, 'output_dtype');
    return [tensorType(dtype || DataType.UINT8)];
  },
  DequantizeLinear: (node) => {
    const dtype = intAttribute(node, 'output_dtype');
    return [dtype ? tensorType(dtype) : undefined];
  },
  LayerNormalization: (node) => {
    const stash = tensorType(intAttribute(node, 'stash_type', DataType.FLOAT));
    return [undefined, stash, stash];
  },
  SequenceEmpty: (node) => [{ kind: 'sequence', elem: tensorType(intAttribute(node, 'dtype', DataType.FLOAT)) }],
  SequenceConstruct: (_node, [first]) => [first && { kind: 'sequence', elem: first }],
  SplitToSequence: (_node, [input]) => [tensorOf(input) && { kind: 'sequence', elem: tensorOf(input)! }],
  SequenceAt: (_node, [sequence]) => [elementOfContainer(sequence)],
  ConcatFromSequence: (_node, [sequence]) => [elementOfContainer(sequence)],
  SequenceInsert: (_node, [sequence]) => [sequence],
  SequenceErase: (_node, [sequence]) => [sequence],
  Optional: (node, [input]) => {
    const declared = typeFromProto(findAttribute(node, 'type')?.tp);
    const inner = declared ?? input;
    return [inner && { kind: 'optional', elem: inner }];
  },
  OptionalGetElement: (_node, [input]) => [input?.kind === 'optional' ? input.elem : input],
};

const ML_RULES: Record<string, TypeRule> = {
  ZipMap: (node) => {
    const key = findAttribute(node, 'classlabels_strings')?.strings.length ? DataType.STRING : DataType.INT64;
    return [{ kind: 'sequence', elem: { kind: 'map', keyType: key, value: tensorType(DataType.FLOAT) } }];
  },
  LabelEncoder: (node) => {
    const valueTensor = findAttribute(node, 'values_tensor')?.t;
    if (valueTensor) return [tensorType(valueTensor.dataType)];
    if (findAttribute(node, 'values_strings')) return [tensorType(DataType.STRING)];
    if (findAttribute(node, 'values_int64s')) return [tensorType(DataType.INT64)];
    if (findAttribute(node, 'values_floats')) return [tensorType(DataType.FLOAT)];
    // Without values_*, the default_* attribute that is set decides (opset 2+).
    if (findAttribute(node, 'default_string')) return [tensorType(DataType.STRING)];
    if (findAttribute(node, 'default_float')) return [tensorType(DataType.FLOAT)];
    return [tensorType(DataType.INT64)];
  },
  CastMap: (node) => {
    const to = new TextDecoder().decode(findAttribute(node, 'cast_to')?.s ?? new TextEncoder().encode('TO_FLOAT'));
    return [tensorType(to === 'TO_STRING' ? DataType.STRING : to === 'TO_INT64' ? DataType.INT64 : DataType.FLOAT)];
  },
  DictVectorizer: (_node, [input]) => [input?.kind === 'map' ? input.value : undefined],
  TreeEnsembleClassifier: (node) => [classLabelType(node)],
  LinearClassifier: (node) => [classLabelType(node)],
  SVMClassifier: (node) => [classLabelType(node)],
};

const FLOAT32 = tensorType(DataType.FLOAT);

function floatOutputsRule(outputs: readonly number[]): TypeRule {
  const types = Array.from({ length: Math.max(...outputs) + 1 }, (_, i) => (outputs.includes(i) ? FLOAT32 : undefined));
  return () => types.slice();
}

function classLabelType(node: NodeProto): ValueType {
  const labels = findAttribute(node, 'classlabels_strings') ?? findAttribute(node, 'classlabels_int64s');
  return tensorType(labels?.name === 'classlabels_strings' ? DataType.STRING : DataType.INT64);
}

function constantType(node: NodeProto): ValueType | undefined {
  const attr = node.attribute[0];
  if (!attr) return undefined;
  switch (attr.name) {
    case 'value':
      return attr.t ? tensorType(attr.t.dataType) : undefined;
    case 'sparse_value':
      return attr.sparseTensor?.values ? tensorType(attr.sparseTensor.values.dataType) : undefined;
    case 'value_float':
    case 'value_floats':
      return tensorType(DataType.FLOAT);
    case 'value_int':
    case 'value_ints':
      return tensorType(DataType.INT64);
    case 'value_string':
    case 'value_strings':
      return tensorType(DataType.STRING);
    default:
      return undefined;
  }
}

/** The rule for an operator, if it has one. */
export function typeRuleFor(domain: string, opType: string): TypeRule | undefined {
  const d = normalizeDomain(domain);
  if (d === '') return DEFAULT_RULES[opType];
  if (d === 'ai.onnx.ml') return ML_RULES[opType];
  // Statistics outputs (com.microsoft LayerNorm's mean and inv_std_var) are float whatever T is.
  const floatOutputs = opFacts(d, opType).floatOutputs;
  return floatOutputs && floatOutputsRule(floatOutputs);
}
