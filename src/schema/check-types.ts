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
import { formalAt, opsetVersion, type TypeInference } from './infer-types.js';
import { lookupSchema, type OpSchema } from './op-schema.js';
import { typeRuleFor } from './type-rules.js';
import { formatValueType, type ValueType } from '../ir/value-type.js';

export interface TypeViolation {
  readonly node: Node;
  /** Names the node, the parameter and the types involved. */
  readonly message: string;
}

/** Checks every node of every graph (subgraphs and function bodies included). */
export function checkTypes(model: Model, inference: TypeInference): TypeViolation[] {
  const violations: TypeViolation[] = [];
  const functionOpsets = new Map(model.functions.map((fn) => [fn.body, fn.proto.opsetImport]));
  for (const graph of model.graphs()) {
    const opsets = functionOpsets.get(graph.root) ?? model.proto.opsetImport;
    for (const node of graph.nodes) violations.push(...checkNode(node, inference, opsets));
  }
  return violations;
}

function checkNode(node: Node, inference: TypeInference, opsets: readonly OperatorSetIdProto[]): TypeViolation[] {
  const lookup = lookupSchema(node.domain, node.opType, opsetVersion(opsets, node.domain));
  if (!lookup.schema) return [];
  const schema = lookup.schema;
  const violations: TypeViolation[] = [];
  const bound = new Map<string, { type: ValueType; where: string }>();
  // Outputs whose type an attribute decides (Constant, Cast `to`, ...) follow the attribute, as in onnx.
  const rule = typeRuleFor(node.domain, node.opType);
  const ruled = rule ? rule(node.proto, node.inputs.map((v) => v && inference.typeOf(v)), schema.sinceVersion) : [];
  const check = (formals: OpSchema['inputs'], values: Node['inputs'], side: 'input' | 'output') => {
    values.forEach((value, i) => {
      if (!value) return;
      if (side === 'output' && ruled[i]) return;
      const formal = formalAt(formals, i);
      const where = `${side} ${i}${formal ? ` ("${formal.name}")` : ''}`;
      if (!formal) {
        violations.push({ node, message: `${node.describe()}: ${where} is beyond the ${formals.length} ${side}s of its schema (opset ${schema.sinceVersion})` });
        return;
      }
      const type = inference.typeOf(value);
      if (!type) return;
      const text = formatValueType(type);
      const allowed = schema.typeConstraints.get(formal.type);
      if (!allowed) {
        if (text !== formal.type) violations.push({ node, message: `${node.describe()}: ${where} "${value.name}" is ${text}, but the schema requires ${formal.type}` });
        return;
      }
      if (!allowed.has(text)) {
        violations.push({ node, message: `${node.describe()}: ${where} "${value.name}" is ${text}, not one of the types ${formal.type} allows` });
        return;
      }
      if (formal.heterogeneous) return;
      const previous = bound.get(formal.type);
      if (!previous) bound.set(formal.type, { type, where });
      else if (formatValueType(previous.type) !== text) {
        violations.push({
          node,
          message: `${node.describe()}: ${where} "${value.name}" is ${text} but ${previous.where} is ${formatValueType(previous.type)}; both are ${formal.type}`,
        });
      }
    });
  };
  check(schema.inputs, node.inputs, 'input');
  check(schema.outputs, node.outputs, 'output');
  return violations;
}
