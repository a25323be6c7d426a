/**
 * Decoding a model with its main graph's nodes decoded one at a time. The decoder grows every
 * repeated field from empty, reserving room for 17 elements, so decoding a million-node graph in
 * one call holds ~650 bytes a node before anything can trim them; decoded node by node, each is
 * trimmed (compact-lists.ts) while its spare room is still young garbage, and the peak falls to
 * what the model keeps. Plain nodes (plain-node.ts) skip the generic decoder: ~230 bytes a Relu
 * node, its empty lists shared and its input the same string as its producer's output. The result
 * equals `fromBinary`'s: fields other than the nodes are merged in file order, raw_data stays a
 * view into `bytes`.
 */
import { create, fromBinary, mergeFromBinary } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, type ModelProto, type NodeProto } from './onnx.js';
import { compactNode } from './compact-lists.js';
import { decodePlainNode } from './plain-node.js';
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './varint.js';

const MODEL_GRAPH_FIELD = 7;
const GRAPH_NODE_FIELD = 1;

/** A field of a message: where it starts and ends, its number, and (length-delimited) where its payload starts. */
interface FieldSpan {
  readonly number: number;
  readonly start: number;
  readonly payload: number;
  readonly end: number;
}

/**
 * The model decoded node by node, or undefined where the layout is not the plain one (no graph,
 * a graph field given twice, groups, a malformed field): the caller then decodes it whole, which
 * also gives the authoritative error for a broken file.
 */
export function decodeModelNodeWise(bytes: Uint8Array, recursionLimit: number): ModelProto | undefined {
  const modelFields = scanFields(bytes, 0, bytes.length);
  if (!modelFields) return undefined;
  const graphFieldList = modelFields.filter((f) => f.number === MODEL_GRAPH_FIELD);
  if (graphFieldList.length !== 1 || graphFieldList[0]!.payload < 0) return undefined;
  const graphField = graphFieldList[0]!;
  // The nodes are decoded as the scan meets them; only the graph's other fields are listed.
  const nodes: NodeProto[] = [];
  const names = new Map<string, string>();
  let failed = false;
  const decodeNode = (start: number, end: number) => {
    if (failed) return;
    try {
      let node = decodePlainNode(bytes, start, end, names);
      if (!node) {
        node = fromBinary(NodeProtoSchema, bytes.subarray(start, end), { recursionLimit: recursionLimit - 2 });
        compactNode(node);
      }
      nodes.push(node);
    } catch {
      failed = true;
    }
  };
  const graphFields = scanFields(bytes, graphField.payload, graphField.end, GRAPH_NODE_FIELD, decodeNode);
  if (!graphFields || failed) return undefined;
  try {
    const model = create(ModelProtoSchema);
    mergeRuns(bytes, modelFields, MODEL_GRAPH_FIELD, (run) => mergeFromBinary(ModelProtoSchema, model, run, { recursionLimit }));
    const graph = create(GraphProtoSchema);
    mergeRuns(bytes, graphFields, GRAPH_NODE_FIELD, (run) => mergeFromBinary(GraphProtoSchema, graph, run, { recursionLimit: recursionLimit - 1 }));
    graph.node = nodes;
    model.graph = graph;
    return model;
  } catch {
    return undefined;
  }
}

/** Merges each run of consecutive listed fields other than (length-delimited) `skipped`, in order. */
function mergeRuns(bytes: Uint8Array, fields: readonly FieldSpan[], skipped: number, merge: (run: Uint8Array) => void): void {
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0) merge(bytes.subarray(runStart, runEnd));
    runStart = -1;
  };
  for (const field of fields) {
    // A gap: fields the scan passed on (nodes) lie between.
    if (field.start !== runEnd) flush();
    if (field.number === skipped && field.payload >= 0) {
      flush();
      continue;
    }
    if (runStart < 0) runStart = field.start;
    runEnd = field.end;
  }
  flush();
}

/**
 * The fields in `[start, end)`; undefined for groups or a field running past the end. Length-delimited
 * fields numbered `passed` go to `pass` (payload start and end) instead of the list, so that a
 * million nodes do not make a million spans.
 */
function scanFields(bytes: Uint8Array, start: number, end: number, passed = 0, pass?: (payload: number, end: number) => void): FieldSpan[] | undefined {
  const fields: FieldSpan[] = [];
  let at = start;
  while (at < end) {
    const fieldStart = at;
    const tag = readVarint(bytes, at, end);
    if (!tag) return undefined;
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    let payload = -1;
    if (wire === WIRE_VARINT) {
      const skipped = readVarint(bytes, at, end);
      if (!skipped) return undefined;
      at = skipped.next;
    } else if (wire === WIRE_FIXED64) at += 8;
    else if (wire === WIRE_FIXED32) at += 4;
    else if (wire === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(bytes, at, end);
      if (!length) return undefined;
      payload = length.next;
      at = length.next + length.value;
    } else return undefined;
    if (at > end || number === 0) return undefined;
    if (number === passed && payload >= 0) pass!(payload, at);
    else fields.push({ number, start: fieldStart, payload, end: at });
  }
  return fields;
}

function readVarint(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}
