/**
 * Conversion straight to a file, reading each float32 weight once. `convertModel` must know every
 * weight's statistics before it plans (a node whose constants hold values beyond float16's range or
 * maxFiniteVal stays float32, and the report counts clipped values), and saving its result reads
 * the weights again to convert them: two passes over the weights. Here a weights-heavy model is
 * planned first with the statistics it has not read assumed within bounds, saved (each weight read
 * once, converted and measured in the same pass), then converted again: with every statistic known
 * that second conversion reads nothing, and its plan is the first one's unless a constant turned out
 * to be out of range, in which case (rare) the exact result is saved over the first.
 */
import { DataType } from '../dtype.js';
import type { ModelProto, NodeProto, TensorProto } from '../proto/onnx.js';
import { rawPayloadOf } from '../proto/payload.js';
import { forEachTensor } from '../proto/tensor-walk.js';
import { convertModel, type ConversionResult, type ConversionTarget } from './convert-model.js';
import type { ConvertOptions } from './options.js';
import { withUnreadStatisticsAssumed } from './tensor-conversion.js';

/**
 * Float32 bytes per node from which reading the weights twice costs more than planning twice:
 * reading 64 KiB takes about as long as converting one node (tens of microseconds).
 */
const WEIGHT_BYTES_PER_NODE = 64 * 1024;

export interface ConvertedAndSaved<Saved> extends ConversionResult {
  /** What `save` returned for the model it wrote last. */
  saved: Saved;
}

/**
 * Converts `model` as convertModel does and writes the result with `save` (for instance
 * `(m) => saveModel(m, path)`); the model, the report and the file are the ones convertModel and
 * `save` would give. `save` may be called twice (the second write replaces the first), so it must
 * write the same place each time. The report's elapsedMs covers conversion and saving.
 */
export async function convertAndSave<Saved>(
  model: ModelProto,
  save: (converted: ModelProto) => Promise<Saved>,
  options: ConvertOptions = {},
  target: ConversionTarget = DataType.FLOAT16,
): Promise<ConvertedAndSaved<Saved>> {
  return convertThenSave(model, save, options, target, weightsOutweighGraph(model));
}

/**
 * convertAndSave with its choice made: `readOnce` plans first with unread statistics assumed
 * (what it does for a weights-heavy model), otherwise convertModel then `save`. Exported for the
 * fingerprint check, which takes the read-once path for every model.
 */
export async function convertThenSave<Saved>(
  model: ModelProto,
  save: (converted: ModelProto) => Promise<Saved>,
  options: ConvertOptions,
  target: ConversionTarget,
  readOnce: boolean,
): Promise<ConvertedAndSaved<Saved>> {
  const start = performance.now();
  if (!readOnce) {
    const result = convertModel(model, options, target);
    const saved = await save(result.model);
    return { ...result, report: { ...result.report, elapsedMs: performance.now() - start }, saved };
  }
  // Warnings wait for the exact conversion, which gives them all, in order.
  const assumed = withUnreadStatisticsAssumed(() => convertModel(model, { ...options, onWarning: () => {} }, target));
  let saved = await save(assumed.model);
  const exact = convertModel(model, options, target);
  // Statistics decide only which nodes stay float32 for out-of-range constants: the same kept nodes, the same plan and model.
  if (JSON.stringify(exact.report.keptNodes) !== JSON.stringify(assumed.report.keptNodes)) saved = await save(exact.model);
  return { ...exact, report: { ...exact.report, elapsedMs: performance.now() - start }, saved };
}

/** Whether the model's float32 weights are large against its graph (planning twice is cheaper than reading them twice). */
function weightsOutweighGraph(model: ModelProto): boolean {
  let floatBytes = 0;
  forEachTensor(model, (tensor: TensorProto) => {
    if (tensor.dataType !== DataType.FLOAT) return;
    floatBytes += rawPayloadOf(tensor)?.byteLength ?? tensor.floatData.length * 4;
  });
  return floatBytes > nodeCount(model) * WEIGHT_BYTES_PER_NODE;
}

function nodeCount(model: ModelProto): number {
  let count = 0;
  const visit = (nodes: readonly NodeProto[]) => {
    for (const node of nodes) {
      count++;
      for (const attribute of node.attribute) {
        if (attribute.g) visit(attribute.g.node);
        for (const graph of attribute.graphs) visit(graph.node);
      }
    }
  };
  if (model.graph) visit(model.graph.node);
  return Math.max(count, 1);
}
