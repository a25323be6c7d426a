/**
 * Runtime-aware planning (the `runtime` option): a node the target runtime would not run with the
 * types the plan gives it (no kernel for them: another provider runs it, or the model does not
 * load) stays float32 with Casts at its boundary, reason kind `runtime`. What a runtime runs is
 * schema/runtime-support.ts's answer, asked with the node's planned types, so that the converted
 * model's `inspect --runtime` report and this rule agree: nodes onnxruntime removes on load
 * (constant folding, Identity elimination: schema/load-time.ts) are not checked, as no provider
 * runs them. planConversion keeps what this returns and plans again until it returns nothing.
 */
import { DataType, dataTypeName } from '../dtype.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { topologicalOrder } from '../ir/topological-order.js';
import type { Value } from '../ir/value.js';
import type { OperatorSetIdProto } from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';
import type { TypeInference } from '../schema/infer-types.js';
import { LoadTimeFolding } from '../schema/load-time.js';
import { nodeRuntimeQuery, opsetsOfGraphs, runtimeSupport, type RuntimeName, type RuntimeQuery, type RuntimeVerdict } from '../schema/runtime-support.js';
import { formatValueType, tensorType, type ValueType } from '../ir/value-type.js';
import type { KeepReason } from './keep-reason.js';
import type { ConversionPlan, NodePlan } from './plan.js';

/** The low nodes of `plan` that `runtime` would not run with their planned types, each with its reason. */
export function runtimeKeeps(model: Model, inference: TypeInference, plan: ConversionPlan, runtime: RuntimeName, target: number): Map<Node, KeepReason> {
  const keeps = new Map<Node, KeepReason>();
  const queries = new PlannedQueries(runtime, formatValueType(tensorType(target)));
  const opsetsOf = opsetsOfGraphs(model);
  const folding = new LoadTimeFolding(model.proto.irVersion);
  for (const graph of plan.graphs) {
    const opsets = opsetsOf(graph);
    for (const node of topologicalOrder(graph)) {
      const nodePlan = plan.nodes.get(node);
      if (!nodePlan) continue;
      const converted = nodePlan.precision === 'low' && nodePlan.touchesFloat;
      // Only a node loading may remove (folding follows constants through them) or a converted one needs its query.
      const removable = folding.mayRemove(node);
      if (!removable && !converted) continue;
      const planned = queries.of(plan, node, nodePlan, opsets);
      // Folding runs on the CPU at load: a folded node never reaches the runtime.
      if (removable && folding.fate(node, planned.query) !== 'kept') continue;
      if (!converted || !planned.query || !planned.readsLow) continue;
      const verdict = planned.verdict!;
      if (verdict.supported || !keepingHelps(runtime, planned.query, nodeRuntimeQuery(node, inference, opsets))) continue;
      keeps.set(node, { kind: 'runtime', runtime, outcome: verdict.outcome, detail: verdict.reason });
    }
  }
  return keeps;
}

/**
 * Why the runtime refuses the Casts conversion inserts (float32 to the target and back) at the
 * model's opset, if it does: then no node can take the target type next to a float32 one.
 * onnxruntime CPU registers no Cast kernel below opset 6.
 */
export function castRefusal(runtime: RuntimeName, target: number, opset: number): KeepReason | undefined {
  const [float, low] = [formatValueType(tensorType(DataType.FLOAT)), formatValueType(tensorType(target))];
  for (const [from, to] of [[float, low], [low, float]] as const) {
    const verdict = runtimeSupport(runtime, { domain: '', opType: 'Cast', opset, bindings: { T1: from, T2: to }, defaultOpset: opset });
    if (!verdict.supported && verdict.outcome === 'refused') {
      return { kind: 'runtime', runtime, outcome: 'refused', detail: `${verdict.reason}, so no node can compute in ${dataTypeName(target).toLowerCase()} next to a float32 one` };
    }
  }
  return undefined;
}

/** The types a node's values have once converted, as the runtime query reads them. */
function plannedTypes(plan: ConversionPlan, node: Node, nodePlan: NodePlan): { typeOf(value: Value): ValueType | undefined } {
  return {
    typeOf(value) {
      const output = node.outputs.indexOf(value);
      if (output >= 0) return nodePlan.outputs[output];
      const input = node.inputs.indexOf(value);
      return input >= 0 ? plan.inputType(node, input) : plan.finalType(value);
    },
  };
}

const utf8 = new TextDecoder();

function reductionOf(node: Node): string | undefined {
  const attribute = findAttribute(node.proto, 'reduction');
  return attribute && utf8.decode(attribute.s);
}

/** A node's runtime query with its planned types, whether a binding is the target type, and (if so) the runtime's verdict. */
interface PlannedQuery {
  readonly query: RuntimeQuery | undefined;
  readonly readsLow: boolean;
  readonly verdict?: RuntimeVerdict;
}

/**
 * Planned queries by what nodeRuntimeQuery reads of a node: its graph's opsets, domain, op type,
 * the attributes that type it or choose its kernel, and each slot's planned type (interned, so
 * compared by identity). The nodes of a model share a few of these: most nodes are answered
 * without building a query, and every distinct query is asked once.
 */
class PlannedQueries {
  readonly #root = new Map<unknown, unknown>();
  #entries = 0;
  readonly #key: unknown[] = [];
  readonly #verdicts = new Map<string, RuntimeVerdict>();

  constructor(
    readonly runtime: RuntimeName,
    /** The target type as bindings write it: `tensor(float16)`. */
    readonly low: string,
  ) {}

  of(plan: ConversionPlan, node: Node, nodePlan: NodePlan, opsets: readonly OperatorSetIdProto[]): PlannedQuery {
    const planned = plannedTypes(plan, node, nodePlan);
    const added = nodePlan.rewrite?.attribute;
    const key = this.#key;
    key.length = 0;
    key.push(opsets, node.domain, node.opType, added, findAttribute(node.proto, 'output_datatype') !== undefined, reductionOf(node), node.inputs.length);
    for (const value of node.inputs) key.push(value && planned.typeOf(value));
    for (const value of node.outputs) key.push(value && planned.typeOf(value));
    let branch = this.#root;
    for (let i = 0; i < key.length - 1; i++) {
      let next = branch.get(key[i]) as Map<unknown, unknown> | undefined;
      if (!next) {
        // Types that are not interned (or attribute bytes) would make a branch each: stop caching past a bound.
        if (this.#entries >= 10_000) return this.#ask(node, planned, opsets, added);
        this.#entries++;
        branch.set(key[i], (next = new Map()));
      }
      branch = next;
    }
    const last = key[key.length - 1];
    let answer = branch.get(last) as PlannedQuery | undefined;
    if (!answer) branch.set(last, (answer = this.#ask(node, planned, opsets, added)));
    return answer;
  }

  #ask(node: Node, planned: Pick<TypeInference, 'typeOf'>, opsets: readonly OperatorSetIdProto[], added: string | undefined): PlannedQuery {
    const query = nodeRuntimeQuery(node, planned, opsets, added ? [added] : []);
    if (!query || !Object.values(query.bindings).includes(this.low)) return { query, readsLow: false };
    return { query, readsLow: true, verdict: this.#verdict(query) };
  }

  /** runtimeSupport by query: different keys can make one query. */
  #verdict(query: RuntimeQuery): RuntimeVerdict {
    let key = `${query.domain}\0${query.opType}\0${query.opset}\0${query.defaultOpset ?? ''}\0${query.reduction ?? ''}\0${query.inputParameters?.join(',') ?? '*'}\0${query.attributeTyped?.join(',') ?? ''}`;
    for (const parameter in query.bindings) key += `\0${parameter}=${query.bindings[parameter]}`;
    let verdict = this.#verdicts.get(key);
    if (!verdict) this.#verdicts.set(key, (verdict = runtimeSupport(this.runtime, query)));
    return verdict;
  }
}

/**
 * Whether keeping the node with its original types changes what the runtime does with it: not
 * where conversion leaves the types it sees as they were (a model already partly float16), nor
 * where the runtime refuses the original node too (that model never loaded: Gemm-6 on onnxruntime CPU).
 */
function keepingHelps(runtime: RuntimeName, planned: RuntimeQuery, original: RuntimeQuery | undefined): boolean {
  if (!original) return true;
  const keys = new Set([...Object.keys(planned.bindings), ...Object.keys(original.bindings)]);
  if (![...keys].some((key) => planned.bindings[key] !== original.bindings[key])) return false;
  const verdict = runtimeSupport(runtime, original);
  return verdict.supported || verdict.outcome !== 'refused';
}
