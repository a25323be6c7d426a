/**
 * The type of every tensor of a model, graph by graph, with where it came from: what
 * `inspect --types` shows.
 */
import { dataTypeName } from '../dtype.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { ModelProto } from '../proto/onnx.js';
import { inferTypes, type TypeWarning } from '../schema/infer-types.js';
import { elementTypeOf, type ValueType } from '../ir/value-type.js';

export interface ValueTypeEntry {
  /** Path of the graph: "" for the main graph, e.g. "If_0/then_branch" or "function:local.Fn". */
  graph: string;
  name: string;
  /** TensorProto.DataType name ("FLOAT") of the tensor, or of the tensors a sequence/optional holds; null when unknown. */
  elemType: string | null;
  source: 'declared' | 'inferred' | 'unknown';
  /** For non-tensor values: "sequence", "optional", "map" or "sparse_tensor". */
  kind?: string;
  /** Why the type is unknown. */
  reason?: string;
}

export interface ValueTypeList {
  values: ValueTypeEntry[];
  /** What type inference noticed on the way, each naming its graph and value. */
  warnings: TypeWarning[];
}

/** Every tensor of `proto` (subgraphs and functions included) with its element type and its source. */
export function listValueTypes(proto: ModelProto): ValueTypeList {
  const types = valueTypes(proto);
  return { values: [...types.entries()], warnings: types.warnings };
}

/** The value types of a model, to be walked (more than once) without a list of them all: a million-node graph's list is most of the memory. */
export interface ValueTypeWalk {
  /** Every tensor as listValueTypes lists it, in the same order; each call walks them afresh. */
  entries(): IterableIterator<ValueTypeEntry>;
  warnings: TypeWarning[];
}

/** Types the model once; `entries()` then walks its values. */
export function valueTypes(proto: ModelProto): ValueTypeWalk {
  const model = modelFromProto(proto);
  const inference = inferTypes(model);
  function* entries(): IterableIterator<ValueTypeEntry> {
    for (const graph of model.graphs()) {
      for (const value of graph.localValues()) {
        const info = inference.info(value);
        const elem = elementTypeOf(info.type);
        const entry: ValueTypeEntry = { graph: graph.path, name: value.name, elemType: elem === undefined ? null : dataTypeName(elem), source: info.source };
        const kind = containerKind(info.type);
        if (kind) entry.kind = kind;
        if (info.reason) entry.reason = info.reason;
        yield entry;
      }
    }
  }
  return { entries, warnings: [...inference.warnings] };
}

function containerKind(type: ValueType | undefined): string | undefined {
  return type && type.kind !== 'tensor' ? type.kind : undefined;
}
