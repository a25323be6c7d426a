/**
 * What the conversion must know about operators beyond their schemas, in one typed table keyed
 * `Op` (default domain, however spelled) or `domain::Op`: attributes that type outputs, outputs
 * that stay as they are, ops whose output follows its consumers, tied type parameters, inputs
 * runtimes want in float32. Type inference (type-rules.ts), the planner, the applier and
 * emulation read these facts here and nowhere else.
 */
import { opKey } from '../ir/domain.js';

export interface OpFacts {
  /** The attribute that types output 0 (`dtype`, `output_datatype`); a low node sets it to the target type. */
  readonly dtypeAttribute?: string;
  /** Outputs typed by attributes (or always float32) that the conversion leaves as they are. */
  readonly fixedOutputs?: readonly number[];
  /** Output 0 is fixed too when this attribute is set (DequantizeLinear `output_dtype`). */
  readonly fixedOutputWhenSet?: string;
  /** Outputs that are float32 whatever the node's type parameters (statistics onnxruntime computes in float). */
  readonly floatOutputs?: readonly number[];
  /** Output 0's type is an attribute's, and may follow its consumers (Constant, ConstantOfShape, Cast). */
  readonly flexible?: boolean;
  /** Container and element type parameters are tied (S = seq(T)): none of the parameters is free. */
  readonly tiedParameters?: boolean;
  /** Has If/Loop/Scan bodies that take the node's precision. */
  readonly controlFlow?: boolean;
  /** Stays float32 as a whole, bodies included (SequenceMap). */
  readonly keptFloat32?: boolean;
  /**
   * Inputs that stay float32 although the schema would allow the target type, because runtimes
   * want them so (onnxruntime's ALWAYS_FLOAT_INPUTS). `forceFp16Inputs` converts them.
   */
  readonly alwaysFloatInputs?: readonly number[];
}

const NO_FACTS: OpFacts = Object.freeze({});

const DTYPE: OpFacts = { dtypeAttribute: 'dtype' };
const OUTPUT_DATATYPE: OpFacts = { dtypeAttribute: 'output_datatype' };
const TIED: OpFacts = { tiedParameters: true };
const CONTROL_FLOW: OpFacts = { controlFlow: true };
const LAYER_NORM_STATISTICS: OpFacts = { fixedOutputs: [1, 2], floatOutputs: [1, 2] };
const GAMMA_BETA_FLOAT: OpFacts = { alwaysFloatInputs: [1, 2] };

/** The table. Keys: `Op` for the default domain, `domain::Op` otherwise. */
export const OP_FACTS: ReadonlyMap<string, OpFacts> = new Map<string, OpFacts>([
  ['RandomNormal', DTYPE],
  ['RandomUniform', DTYPE],
  ['RandomNormalLike', DTYPE],
  ['RandomUniformLike', DTYPE],
  ['EyeLike', DTYPE],
  ['Bernoulli', DTYPE],
  ['SequenceEmpty', DTYPE],
  ['HannWindow', OUTPUT_DATATYPE],
  ['HammingWindow', OUTPUT_DATATYPE],
  ['BlackmanWindow', OUTPUT_DATATYPE],
  ['MelWeightMatrix', OUTPUT_DATATYPE],
  // LayerNormalization's Mean/InvStdDev follow `stash_type` (a type rule), not T.
  ['LayerNormalization', { fixedOutputs: [1, 2] }],
  ['com.microsoft::SkipLayerNormalization', LAYER_NORM_STATISTICS],
  ['com.microsoft::SkipSimplifiedLayerNormalization', LAYER_NORM_STATISTICS],
  ['Cast', { fixedOutputs: [0], flexible: true }],
  ['BitCast', { fixedOutputs: [0] }],
  ['QuantizeLinear', { fixedOutputs: [0] }],
  ['DequantizeLinear', { fixedOutputWhenSet: 'output_dtype' }],
  ['Multinomial', { fixedOutputs: [0] }],
  ['Constant', { flexible: true }],
  ['ConstantOfShape', { flexible: true }],
  ['SequenceConstruct', TIED],
  ['SequenceInsert', TIED],
  ['SequenceAt', TIED],
  ['SequenceErase', TIED],
  ['SplitToSequence', TIED],
  ['ConcatFromSequence', TIED],
  ['Optional', TIED],
  ['OptionalGetElement', TIED],
  ['If', CONTROL_FLOW],
  ['Loop', CONTROL_FLOW],
  ['Scan', CONTROL_FLOW],
  ['SequenceMap', { keptFloat32: true }],
  ['com.microsoft::GroupNorm', GAMMA_BETA_FLOAT],
  ['com.microsoft::SkipGroupNorm', GAMMA_BETA_FLOAT],
]);

/** The facts about `domain::opType` (an empty object for ops the table does not list). */
export function opFacts(domain: string, opType: string): OpFacts {
  return OP_FACTS.get(opKey(domain, opType)) ?? NO_FACTS;
}

/** Every dtype-like attribute name the table knows (`dtype`, `output_datatype`), for passes that undo a conversion. */
export const DTYPE_ATTRIBUTE_NAMES: readonly string[] = [...new Set([...OP_FACTS.values()].flatMap((f) => (f.dtypeAttribute ? [f.dtypeAttribute] : [])))];

/** The operators with always-float inputs, as `{ key: indices }` (the shape of the former ALWAYS_FLOAT_INPUTS). */
export function alwaysFloatInputTable(): Record<string, readonly number[]> {
  const table: Record<string, readonly number[]> = {};
  for (const [key, facts] of OP_FACTS) if (facts.alwaysFloatInputs) table[key] = facts.alwaysFloatInputs;
  return table;
}

/**
 * The always-float inputs of a node that `forceFp16Inputs` converts nonetheless: the option names
 * the op as `Op` or `domain::Op`; both spellings are honoured.
 */
export function forcedInputs(force: Readonly<Record<string, readonly number[]>>, domain: string, opType: string): readonly number[] {
  const bare = force[opType];
  const qualified = force[opKey(domain, opType)];
  if (!bare) return qualified ?? [];
  if (!qualified || qualified === bare) return bare;
  return [...bare, ...qualified];
}
