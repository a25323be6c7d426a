/**
 * Names in nodeBlockList, opBlockList and keepIoTypes that match nothing are typos until shown
 * otherwise: a misspelt node name silently leaves that node in float16. Each is reported with
 * the closest name the model (or the operator table) has.
 */
import { isDefaultDomain, opKey } from '../ir/domain.js';
import type { Model } from '../ir/model.js';
import { isKnownDomain, operatorNames, schemaVersions } from '../schema/op-schema.js';
import { closestName } from '../closest-name.js';
import type { ResolvedConvertOptions } from './options.js';
import { nodeAddress } from './plan.js';

export interface UnknownName {
  readonly option: 'nodeBlockList' | 'opBlockList' | 'keepIoTypes';
  readonly name: string;
  readonly suggestion?: string;
}

/** The message for one unknown name: `nodeBlockList names "conv_1", which matches no node; did you mean "conv1"?` */
export function describeUnknownName(unknown: UnknownName): string {
  const what = { nodeBlockList: 'no node name or address', opBlockList: 'no operator', keepIoTypes: 'no graph input or output' }[unknown.option];
  return `${unknown.option} names "${unknown.name}", which matches ${what}${unknown.suggestion ? `; did you mean "${unknown.suggestion}"?` : ''}`;
}

/**
 * The names that match nothing. Node names match a node's name or address in any graph; op types
 * match an op of the model or any operator the table knows (the default list names ops most
 * models lack); keepIoTypes names match a main-graph input or output of any type.
 */
export function unknownNames(model: Model, options: ResolvedConvertOptions): UnknownName[] {
  const found: UnknownName[] = [];
  const nodes = [...model.nodes()];
  if (options.nodeBlockList.size > 0) {
    const known = new Set<string>();
    for (const node of nodes) {
      if (node.name) known.add(node.name);
      known.add(nodeAddress(node));
    }
    for (const name of options.nodeBlockList) {
      if (!known.has(name)) found.push({ option: 'nodeBlockList', name, suggestion: closestName(name, [...known]) });
    }
  }
  const modelOps = new Set(nodes.flatMap((n) => [n.opType, opKey(n.domain, n.opType)]));
  for (const name of options.opBlockList) {
    if (modelOps.has(name) || isKnownOperator(name)) continue;
    found.push({ option: 'opBlockList', name, suggestion: closestName(name, [...modelOps, ...operatorNames(''), ...operatorNames('ai.onnx.ml')]) });
  }
  if (options.keepIoTypes instanceof Set && model.graph) {
    const ports = [...model.graph.inputs, ...model.graph.outputs].map((p) => p.value.name);
    for (const name of options.keepIoTypes) if (!ports.includes(name)) found.push({ option: 'keepIoTypes', name, suggestion: closestName(name, ports) });
  }
  return found;
}

/** `Op` (default or ai.onnx.ml domain) or `domain::Op` the operator table knows; an unknown domain is taken as given (custom ops). */
function isKnownOperator(name: string): boolean {
  const separator = name.lastIndexOf('::');
  if (separator < 0) return schemaVersions('', name).length > 0 || schemaVersions('ai.onnx.ml', name).length > 0;
  const domain = name.slice(0, separator);
  if (!isDefaultDomain(domain) && !isKnownDomain(domain)) return true;
  return schemaVersions(domain, name.slice(separator + 2)).length > 0;
}
