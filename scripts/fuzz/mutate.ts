/**
 * Mutations of ONNX models, aware of protobuf: byte-level ones that follow the wire format
 * (flipped bytes, truncation, changed length prefixes, duplicated or deleted fields) and
 * message-level ones on the decoded ModelProto (absurd dims and data types, cycles, name
 * collisions, wrong attribute kinds, deep nesting, hostile external-data references).
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  AttributeProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  type GraphProto,
  type ModelProto,
} from '../../src/proto/onnx.js';
import { encodeVarint } from '../../src/proto/varint.js';
import type { Random } from './random.js';

/** A field found by walking the wire format: where its tag, length prefix and body lie. */
interface WireField {
  start: number;
  end: number;
  /** For length-delimited fields: where the length varint lies, and the body. */
  lengthAt?: number;
  bodyStart?: number;
}

function readVarint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && at + i < bytes.length; i++) {
    const b = bytes[at + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at + i + 1];
    scale *= 128;
  }
  return undefined;
}

/** Every field of the message in [start, end), and of nested messages that parse cleanly, up to a limit. */
export function wireFields(bytes: Uint8Array, start = 0, end = bytes.length, out: WireField[] = [], depth = 0): WireField[] {
  let at = start;
  while (at < end && out.length < 20000) {
    const fieldStart = at;
    const tag = readVarint(bytes, at);
    if (!tag || tag[0] === 0) return out;
    at = tag[1];
    const wire = tag[0] % 8;
    if (wire === 0) {
      const v = readVarint(bytes, at);
      if (!v) return out;
      at = v[1];
      out.push({ start: fieldStart, end: at });
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      out.push({ start: fieldStart, end: at });
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      if (!length || length[1] + length[0] > end) return out;
      const field = { start: fieldStart, end: length[1] + length[0], lengthAt: at, bodyStart: length[1] };
      out.push(field);
      at = field.end;
      // Nested messages (a body that walks cleanly); skip big payloads.
      if (depth < 12 && length[0] > 1 && length[0] < 1 << 16) wireFields(bytes, field.bodyStart, field.end, out, depth + 1);
    } else {
      return out;
    }
    if (at > end) return out;
  }
  return out;
}

const splice = (bytes: Uint8Array, start: number, end: number, insert: Uint8Array = new Uint8Array(0)) => {
  const out = new Uint8Array(bytes.length - (end - start) + insert.length);
  out.set(bytes.subarray(0, start), 0);
  out.set(insert, start);
  out.set(bytes.subarray(end), start + insert.length);
  return out;
};

export const BYTE_MUTATIONS = {
  byteFlip(bytes: Uint8Array, rng: Random): Uint8Array {
    const out = bytes.slice();
    for (let i = 1 + rng.int(8); i > 0 && out.length > 0; i--) {
      const at = rng.int(out.length);
      out[at] = out[at]! ^ (1 << rng.int(8));
    }
    return out;
  },
  truncate(bytes: Uint8Array, rng: Random): Uint8Array {
    return bytes.slice(0, rng.int(bytes.length));
  },
  lengthPrefix(bytes: Uint8Array, rng: Random): Uint8Array {
    const fields = wireFields(bytes).filter((f) => f.lengthAt !== undefined);
    if (fields.length === 0) return BYTE_MUTATIONS.byteFlip(bytes, rng);
    const field = rng.pick(fields);
    const length = field.end - field.bodyStart!;
    const value = rng.pick([0, 1, length - 1, length + 1, length * 2, 2 ** 31, 2 ** 32 - 1, rng.int(1 << 20)]);
    return splice(bytes, field.lengthAt!, field.bodyStart!, encodeVarint(Math.max(0, value)));
  },
  duplicateField(bytes: Uint8Array, rng: Random): Uint8Array {
    const fields = wireFields(bytes);
    if (fields.length === 0) return bytes;
    const field = rng.pick(fields);
    return splice(bytes, field.end, field.end, bytes.slice(field.start, field.end));
  },
  deleteField(bytes: Uint8Array, rng: Random): Uint8Array {
    const fields = wireFields(bytes);
    if (fields.length === 0) return bytes;
    const field = rng.pick(fields);
    return splice(bytes, field.start, field.end);
  },
};

/** Graphs of the model: main graph and every subgraph. */
function allGraphs(model: ModelProto): GraphProto[] {
  const graphs: GraphProto[] = [];
  const visit = (g: GraphProto) => {
    graphs.push(g);
    for (const n of g.node) for (const a of n.attribute) {
      if (a.g) visit(a.g);
      for (const sub of a.graphs) visit(sub);
    }
  };
  if (model.graph) visit(model.graph);
  return graphs;
}

const ABSURD_DIMS = [-1n, -7n, 0n, 2n ** 31n, 2n ** 40n, 2n ** 62n, 3n];

/** Mutations of the decoded model; `dir` is the case's folder (for hostile files), `outside` a file beyond it. */
export const MODEL_MUTATIONS = {
  absurdDims(model: ModelProto, rng: Random): void {
    const g = rng.pick(allGraphs(model));
    if (g.initializer.length > 0 && rng.chance(0.6)) {
      const t = rng.pick(g.initializer);
      t.dims = t.dims.length > 0 && rng.chance(0.5) ? t.dims.map((d) => (rng.chance(0.5) ? rng.pick(ABSURD_DIMS) : d)) : [rng.pick(ABSURD_DIMS)];
      return;
    }
    const infos = [...g.input, ...g.output, ...g.valueInfo];
    const info = infos.length > 0 ? rng.pick(infos) : undefined;
    if (info?.type?.value.case === 'tensorType' && info.type.value.value.shape) {
      for (const dim of info.type.value.value.shape.dim) if (rng.chance(0.5)) dim.value = { case: 'dimValue', value: rng.pick(ABSURD_DIMS) };
    }
  },
  absurdDataType(model: ModelProto, rng: Random): void {
    const g = rng.pick(allGraphs(model));
    const type = rng.pick([0, 8, 16, 17, 21, 23, 26, 27, 40, 1000, -3]);
    if (g.initializer.length > 0 && rng.chance(0.5)) {
      rng.pick(g.initializer).dataType = type;
      return;
    }
    const infos = [...g.input, ...g.output, ...g.valueInfo];
    const info = infos.length > 0 ? rng.pick(infos) : undefined;
    if (info?.type?.value.case === 'tensorType') info.type.value.value.elemType = type;
    else {
      const casts = g.node.filter((n) => n.opType === 'Cast');
      const attr = casts.length > 0 ? rng.pick(casts).attribute.find((a) => a.name === 'to') : undefined;
      if (attr) attr.i = BigInt(type);
    }
  },
  cycle(model: ModelProto, rng: Random): void {
    const g = rng.pick(allGraphs(model));
    if (g.node.length < 2) return;
    const i = rng.int(g.node.length - 1);
    const j = i + 1 + rng.int(g.node.length - i - 1);
    const later = g.node[j]!;
    if (later.output.length === 0 || g.node[i]!.input.length === 0) return;
    g.node[i]!.input[rng.int(g.node[i]!.input.length)] = rng.pick(later.output);
  },
  nameCollision(model: ModelProto, rng: Random): void {
    const g = rng.pick(allGraphs(model));
    const names = [...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name), ...g.node.flatMap((n) => n.output)].filter(Boolean);
    if (g.node.length === 0 || names.length === 0) return;
    const n = rng.pick(g.node);
    if (rng.chance(0.5) && n.output.length > 0) n.output[rng.int(n.output.length)] = rng.pick(names);
    else if (g.initializer.length > 0) rng.pick(g.initializer).name = rng.pick(names);
    else n.name = rng.pick(g.node).name;
  },
  wrongAttributeKind(model: ModelProto, rng: Random): void {
    const nodes = allGraphs(model).flatMap((g) => g.node).filter((n) => n.attribute.length > 0);
    if (nodes.length === 0) return;
    const attr = rng.pick(rng.pick(nodes).attribute);
    const T = AttributeProto_AttributeType;
    attr.type = rng.pick([T.FLOAT, T.INT, T.STRING, T.TENSOR, T.GRAPH, T.FLOATS, T.INTS, T.STRINGS, T.TENSORS, T.GRAPHS, T.UNDEFINED, 99 as AttributeProto_AttributeType]);
    if (rng.chance(0.5)) {
      attr.t = undefined;
      attr.g = undefined;
      attr.ints = [];
      attr.floats = [];
    }
  },
  deepNesting(model: ModelProto, rng: Random): void {
    const g = model.graph;
    if (!g) return;
    const depth = rng.pick([5, 20, 34, 40, 120, 300]);
    const outputs = g.output.map((o) => o.name);
    let inner: GraphProto = create(GraphProtoSchema, { name: 'deep', node: g.node, initializer: g.initializer, output: g.output, valueInfo: g.valueInfo });
    for (let d = 0; d < depth; d++) {
      const node = create(NodeProtoSchema, {
        opType: 'If',
        name: `deep_${d}`,
        input: [g.input[0]?.name ?? 'cond'],
        output: outputs,
        attribute: [
          create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: inner }),
          // A small else branch: sharing `inner` would double the encoded size per level.
          create(AttributeProtoSchema, { name: 'else_branch', type: AttributeProto_AttributeType.GRAPH, g: create(GraphProtoSchema, { name: `else${d}`, output: g.output }) }),
        ],
      });
      inner = create(GraphProtoSchema, { name: `deep${d}`, node: [node], output: g.output });
    }
    g.node = inner.node;
    g.initializer = [];
  },
  hostileExternalData(model: ModelProto, rng: Random, hostile: { linkName: string; outsideRelative: string }): void {
    const tensors = allGraphs(model).flatMap((g) => g.initializer);
    if (tensors.length === 0) return;
    const t = rng.pick(tensors);
    const location = rng.pick(['/etc/passwd', hostile.outsideRelative, hostile.linkName, 'model.onnx', '.', 'missing.bin', 'C:\\\\x.bin', 'sub/../../x.bin', '']);
    t.rawData = new Uint8Array(0);
    t.floatData = [];
    t.dataLocation = TensorProto_DataLocation.EXTERNAL;
    const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
    t.externalData = [entry('location', location)];
    if (rng.chance(0.5)) t.externalData.push(entry('offset', rng.pick(['0', '-4', '1e3', '99999999999', '18446744073709551616'])));
    if (rng.chance(0.5)) t.externalData.push(entry('length', rng.pick(['0', '4', '-1', 'abc', '4294967296'])));
  },
};

export type ByteMutation = keyof typeof BYTE_MUTATIONS;
export type ModelMutation = keyof typeof MODEL_MUTATIONS;

/** Applies a model mutation on a copy of `bytes`; undefined when the bytes do not decode. */
export function mutateModel(bytes: Uint8Array, kind: ModelMutation, rng: Random, hostile: { linkName: string; outsideRelative: string }): Uint8Array | undefined {
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch {
    return undefined;
  }
  if (!model.graph) return undefined; // nothing structural to mutate
  MODEL_MUTATIONS[kind](model, rng, hostile);
  try {
    return toBinary(ModelProtoSchema, model);
  } catch {
    return undefined;
  }
}
