/**
 * The input is checked before planning, so that a model that is invalid as given is reported as
 * such (naming the node), never as a conversion bug: every node's types satisfy its schema at
 * the model's opset, and every Constant holds exactly one value attribute.
 */
import { ValidationError } from '../errors.js';
import { isDefaultDomain } from '../ir/domain.js';
import type { Model } from '../ir/model.js';
import { checkTypes } from '../schema/check-types.js';
import type { TypeInference } from '../schema/infer-types.js';

/** The attributes a Constant may hold its value in (exactly one of them). */
const CONSTANT_VALUE_ATTRIBUTES = new Set(['value', 'sparse_value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings']);

/** Throws a one-line ValidationError naming the first offending node (and how many there are). */
export function assertValidInput(model: Model, inference: TypeInference): void {
  for (const node of model.nodes()) {
    if (node.opType !== 'Constant' || !isDefaultDomain(node.domain)) continue;
    const values = node.proto.attribute.filter((a) => CONSTANT_VALUE_ATTRIBUTES.has(a.name));
    if (values.length !== 1) {
      const found = values.length === 0 ? 'none' : values.map((a) => a.name).join(', ');
      throw new ValidationError(`the input model is invalid: ${node.describe()} must hold exactly one value attribute (found ${found})`);
    }
  }
  const violations = checkTypes(model, inference);
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more type error${violations.length === 2 ? '' : 's'})` : '';
    throw new ValidationError(`the input model is invalid: ${violations[0]!.message}${more}`);
  }
}
