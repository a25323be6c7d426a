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
import type { TypeInference } from '../schema/infer-types.js';
import { LoadTimeFolding } from '../schema/load-time.js';
import { nodeRuntimeQuery, opsetsOfGraphs, runtimeSupport, type RuntimeName, type RuntimeQuery, type RuntimeVerdict } from '../schema/runtime-support.js';
import { formatValueType, tensorType, type ValueType } from '../ir/value-type.js';
import type { KeepReason } from './keep-reason.js';
import type { ConversionPlan, NodePlan } from './plan.js';

/** The low nodes of `plan` that `runtime` would not run with their planned types, each with its reason. */
export function runtimeKeeps(model: Model, inference: TypeInference, plan: ConversionPlan, runtime: RuntimeName, target: number): Map<Node, KeepReason> {
  const keeps = new Map<Node, KeepReason>();
  const low = formatValueType(tensorType(target));
  const verdicts = new VerdictCache(runtime);
  const opsetsOf = opsetsOfGraphs(model);
  const folding = new LoadTimeFolding(model.proto.irVersion);
  for (const graph of plan.graphs) {
    for (const node of topologicalOrder(graph)) {
      const nodePlan = plan.nodes.get(node);
      if (!nodePlan) continue;
      const query = nodeRuntimeQuery(node, plannedTypes(plan, node, nodePlan), opsetsOf(graph), nodePlan.rewrite ? [nodePlan.rewrite.attribute] : []);
      // Folding runs on the CPU at load: a folded node never reaches the runtime.
      if (folding.fate(node, query) !== 'kept' || !query) continue;
      if (nodePlan.precision !== 'low' || !nodePlan.touchesFloat) continue;
      if (!Object.values(query.bindings).includes(low)) continue;
      const verdict = verdicts.of(query);
      if (verdict.supported || !keepingHelps(runtime, query, nodeRuntimeQuery(node, inference, opsetsOf(graph)))) continue;
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

/** The types a node's values have once converted, as the runtime query reads them (one closure, no table: this runs for every node of every round). */
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

/** runtimeSupport answers by query: most nodes of a model share a few operator and type combinations. */
class VerdictCache {
  readonly #verdicts = new Map<string, RuntimeVerdict>();
  constructor(readonly runtime: RuntimeName) {}

  of(query: RuntimeQuery): RuntimeVerdict {
    // Built by hand: this runs for every converted node, and JSON.stringify showed in profiles.
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
