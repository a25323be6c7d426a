/**
 * The type checker: every node's input and output types satisfy its schema's constraints at
 * the model's opset. A type parameter must take one type across all the positions that share it
 * (heterogeneous variadics excepted), and that type must be one the constraint allows. Values of
 * unknown type and nodes without a schema are not checked. The conversion uses this as its
 * postcondition.
 */
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { OperatorSetIdProto } from '../proto/onnx.js';
import { opsetVersion } from '../ir/domain.js';
import { formalAt, type TypeInference } from './infer-types.js';
import { lookupSchema, type Formal, type OpSchema } from './op-schema.js';
import { typeRuleFor } from './type-rules.js';
import { formatValueType, type ValueType } from '../ir/value-type.js';

export interface TypeViolation {
  readonly node: Node;
  /** Names the node, the parameter and the types involved. */
  readonly message: string;
}

/** Checks every node of every graph (subgraphs and function bodies included), or only those of `nodes`. */
export function checkTypes(model: Model, inference: TypeInference, nodes?: ReadonlySet<Node>): TypeViolation[] {
  const violations: TypeViolation[] = [];
  const functionOpsets = new Map(model.functions.map((fn) => [fn.body, fn.proto.opsetImport]));
  for (const graph of model.graphs()) {
    const opsets = functionOpsets.get(graph.root) ?? model.proto.opsetImport;
    for (const node of graph.nodes) if (!nodes || nodes.has(node)) checkNode(node, inference, opsets, violations);
  }
  return violations;
}

/** Type parameters bound so far in one node, with the slot that bound each (a node has a few; a list beats a Map). */
type Bindings = { param: string; type: ValueType; side: 'input' | 'output'; index: number; formal: Formal }[];

/** The slot for messages: `input 1 ("B")`. */
function slotName(side: 'input' | 'output', index: number, formal: Formal | undefined): string {
  return `${side} ${index}${formal ? ` ("${formal.name}")` : ''}`;
}

function checkNode(node: Node, inference: TypeInference, opsets: readonly OperatorSetIdProto[], violations: TypeViolation[]): void {
  const lookup = lookupSchema(node.domain, node.opType, opsetVersion(opsets, node.domain));
  if (!lookup.schema) return;
  const schema = lookup.schema;
  const bound: Bindings = [];
  // Outputs whose type an attribute decides (Constant, Cast `to`, ...) follow the attribute, as in onnx.
  const rule = typeRuleFor(node.domain, node.opType);
  const ruled = rule ? rule(node.proto, node.inputs.map((v) => v && inference.typeOf(v)), schema.sinceVersion) : NOTHING_RULED;
  checkSlots(node, schema, inference, 'input', NOTHING_RULED, bound, violations);
  checkSlots(node, schema, inference, 'output', ruled, bound, violations);
}

const NOTHING_RULED: readonly (ValueType | undefined)[] = [];

function checkSlots(
  node: Node,
  schema: OpSchema,
  inference: TypeInference,
  side: 'input' | 'output',
  ruled: readonly (ValueType | undefined)[],
  bound: Bindings,
  violations: TypeViolation[],
): void {
  const formals = side === 'input' ? schema.inputs : schema.outputs;
  const values = side === 'input' ? node.inputs : node.outputs;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!value || ruled[i]) continue;
    const formal = formalAt(formals, i);
    if (!formal) {
      violations.push({ node, message: `${node.describe()}: ${slotName(side, i, formal)} is beyond the ${formals.length} ${side}s of its schema (opset ${schema.sinceVersion})` });
      continue;
    }
    const type = inference.typeOf(value);
    if (!type) continue;
    const text = formatValueType(type);
    const allowed = schema.typeConstraints.get(formal.type);
    if (!allowed) {
      if (text !== formal.type) violations.push({ node, message: `${node.describe()}: ${slotName(side, i, formal)} "${value.name}" is ${text}, but the schema requires ${formal.type}` });
      continue;
    }
    if (!allowed.has(text)) {
      violations.push({ node, message: `${node.describe()}: ${slotName(side, i, formal)} "${value.name}" is ${text}, not one of the types ${formal.type} allows` });
      continue;
    }
    if (formal.heterogeneous) continue;
    const previous = bound.find((b) => b.param === formal.type);
    if (!previous) bound.push({ param: formal.type, type, side, index: i, formal });
    else if (formatValueType(previous.type) !== text) {
      violations.push({
        node,
        message: `${node.describe()}: ${slotName(side, i, formal)} "${value.name}" is ${text} but ${slotName(previous.side, previous.index, previous.formal)} is ${formatValueType(previous.type)}; both are ${formal.type}`,
      });
    }
  }
}
