/**
 * ModelProto <-> bytes, lossless and fast for large models.
 *
 * Decoding is @bufbuild/protobuf's: `raw_data` stays a view into the input (no copy per tensor)
 * and unknown fields are kept. Encoding never builds one giant buffer through `toBinary`: the
 * model becomes a list of parts (protobuf framing written by `toBinary` on the small messages,
 * interleaved with the tensor payloads themselves), fields in ascending number order, so the
 * bytes equal what onnx's Python `onnx.save` writes. Payloads are streamed by the writer.
 */
import { create, fromBinary, toBinary, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { OnnxFormatError, UnsupportedModelError } from '../errors.js';
import { ModelProtoSchema, type ModelProto, type TensorProto } from './onnx.js';
import { readPayloadSync, tensorPayload, type TensorPayload } from './payload.js';
import { assertTensorSizes } from './tensor-sizes.js';
import { compactRepeatedFields } from './compact-lists.js';
import { decodeModelNodeWise } from './node-wise-decode.js';
import { lengthDelimitedHeader } from './varint.js';

/** The largest message protobuf allows (2 GiB - 1). Larger models need external data. */
export const PROTOBUF_SIZE_LIMIT = 2 ** 31 - 1;

/** `raw_data` at least this large is emitted as its own part (a view), not copied into framing. */
const VIEW_THRESHOLD = 4096;

/**
 * The deepest nesting of messages a model may have (ModelProto is depth 1). Each level of
 * subgraph costs three (GraphProto > NodeProto > AttributeProto > GraphProto), so subgraphs may
 * nest about 33 deep; deeper models are refused at decoding, before anything recursive walks
 * them, so no walk of a decoded model can exhaust the call stack.
 */
export const MAX_MESSAGE_DEPTH = 100;

/** The one-line refusal of a model nested deeper than MAX_MESSAGE_DEPTH. */
export function tooDeepMessage(label: string): string {
  return `${label}: messages nested deeper than ${MAX_MESSAGE_DEPTH} levels (subgraphs about ${Math.floor(MAX_MESSAGE_DEPTH / 3)} deep), which is refused`;
}

/**
 * Decodes a model from its bytes. `raw_data` fields are views into `bytes`. The main graph's
 * empty node lists (attributes of a Relu, ...) may be one shared frozen array: give a node a
 * new list rather than pushing onto its old one.
 */
export function decodeModel(bytes: Uint8Array, label = 'model'): ModelProto {
  const model = decodeModelStructure(bytes, label);
  assertTensorSizes(model, label);
  return model;
}

/** decodeModel without the tensor size checks (the lazy decoder checks once payloads are bound). */
export function decodeModelStructure(bytes: Uint8Array, label: string): ModelProto {
  // Node by node where the layout allows (most models): a lower peak for graph-heavy models.
  let model: ModelProto | undefined = decodeModelNodeWise(bytes, MAX_MESSAGE_DEPTH);
  if (model) {
    compactRepeatedFields(model, true);
    return model;
  }
  try {
    model = fromBinary(ModelProtoSchema, bytes, { recursionLimit: MAX_MESSAGE_DEPTH });
  } catch (error) {
    const message = (error as Error).message;
    if (/maximum recursion depth/.test(message)) throw new OnnxFormatError(tooDeepMessage(label), { cause: error });
    throw new OnnxFormatError(`${label}: not a valid ONNX model, or truncated (${message})`, { cause: error });
  }
  if (model.graph === undefined && model.irVersion === 0n && model.functions.length === 0) {
    throw new OnnxFormatError(`${label}: not an ONNX model (no ir_version, graph or functions)`);
  }
  compactRepeatedFields(model);
  return model;
}

/** One piece of an encoded model: bytes, or a payload to stream in their place. */
export type EncodedPart = Uint8Array | TensorPayload;

/** The byte length of a part. */
export function partLength(part: EncodedPart): number {
  return part.byteLength;
}

/** A model encoded as parts, with its total size in bytes. */
export interface EncodedModel {
  readonly parts: EncodedPart[];
  readonly byteLength: number;
}

/**
 * Encodes a model as a list of parts whose concatenation is the serialized ModelProto.
 * Tensors with a bound payload (lazy or computed) appear as that payload, never read here.
 */
export function encodeModelParts(model: ModelProto): EncodedModel {
  const encoder = new ChunkedEncoder();
  const parts = encoder.encodeHeavy(ModelProtoSchema, model) ?? [toBinary(ModelProtoSchema, model)];
  const byteLength = parts.reduce((sum, part) => sum + part.byteLength, 0);
  return { parts, byteLength };
}

/**
 * Encodes a model into one array. Refuses models over the 2 GB protobuf limit (save those with
 * external data). Lazy payloads must be readable synchronously (memory or Node files).
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const { parts, byteLength } = encodeModelParts(model);
  assertWithinProtobufLimit(byteLength);
  const out = new Uint8Array(byteLength);
  let offset = 0;
  for (const part of parts) {
    if (part instanceof Uint8Array) out.set(part, offset);
    else if (part.readSync) part.readSync(0, out.subarray(offset, offset + part.byteLength));
    else out.set(readPayloadSync(part, part.origin), offset);
    offset += part.byteLength;
  }
  return out;
}

export function assertWithinProtobufLimit(byteLength: number): void {
  if (byteLength > PROTOBUF_SIZE_LIMIT) {
    const gb = (byteLength / 2 ** 30).toFixed(2);
    throw new UnsupportedModelError(
      `the model is ${gb} GiB, over protobuf's 2 GiB limit: save it with external data ` +
        `(saveModel(model, path, { externalData: { location: "model.onnx.data" } }) or --external-data)`,
    );
  }
}

/** Message types that can (transitively) hold a TensorProto; only these are split into parts. */
const TENSOR_CARRIERS = new Set([
  'onnx.ModelProto',
  'onnx.GraphProto',
  'onnx.NodeProto',
  'onnx.AttributeProto',
  'onnx.TensorProto',
  'onnx.SparseTensorProto',
  'onnx.FunctionProto',
  'onnx.TrainingInfoProto',
]);

const RAW_DATA_FIELD = 9;

/**
 * Nodes encoded per part: a graph with more nodes is encoded in parts of this many (the same
 * bytes), where one `toBinary` of a million-node graph would grow its buffer by doubling
 * (about three times the model in garbage) and copy it once more at the end.
 */
const NODES_PER_PART = 8192;

type AnyMessage = Record<string, unknown> & { $unknown?: unknown[] };

class ChunkedEncoder {
  /** Memo of "does this message hold a large tensor payload", so the walk stays linear. */
  readonly #heavy = new WeakMap<object, boolean>();
  readonly #sortedFields = new Map<DescMessage, DescField[]>();
  readonly #carrierFields = new Map<DescMessage, DescField[]>();

  /** Parts for a message that holds a large payload, or undefined when `toBinary` suits it. */
  encodeHeavy(desc: DescMessage, message: object): EncodedPart[] | undefined {
    if (!this.isHeavy(desc, message)) return undefined;
    const msg = message as AnyMessage;
    const parts: EncodedPart[] = [];
    let pending: AnyMessage | undefined;
    const addLight = (localName: string, value: unknown) => {
      pending ??= create(desc) as unknown as AnyMessage;
      pending[localName] = value;
    };
    const flush = () => {
      if (pending) parts.push(toBinary(desc, pending as never));
      pending = undefined;
    };
    const addFramed = (fieldNumber: number, inner: EncodedPart[]) => {
      flush();
      const length = inner.reduce((sum, part) => sum + part.byteLength, 0);
      parts.push(lengthDelimitedHeader(fieldNumber, length));
      for (const part of inner) parts.push(part);
    };

    for (const field of this.fieldsOf(desc)) {
      const name = field.localName;
      if (field.fieldKind === 'list') {
        const list = msg[name] as unknown[];
        if (list.length === 0) continue;
        if (field.listKind !== 'message' || !TENSOR_CARRIERS.has(field.message.typeName)) {
          addLight(name, list);
          continue;
        }
        let start = 0;
        for (let i = 0; i < list.length; i++) {
          if (i - start >= NODES_PER_PART) {
            addLight(name, list.slice(start, i));
            flush();
            start = i;
          }
          const inner = this.encodeHeavy(field.message, list[i] as object);
          if (!inner) continue;
          if (i > start) addLight(name, list.slice(start, i));
          addFramed(field.number, inner);
          start = i + 1;
        }
        if (start < list.length) addLight(name, start === 0 ? list : list.slice(start));
      } else if (desc.typeName === 'onnx.TensorProto' && field.number === RAW_DATA_FIELD) {
        const payload = this.largeRawData(message as TensorProto);
        if (payload) {
          flush();
          parts.push(lengthDelimitedHeader(RAW_DATA_FIELD, payload.byteLength), payload);
        } else if (Object.hasOwn(msg, name)) {
          addLight(name, msg[name]);
        }
      } else if (Object.hasOwn(msg, name) && msg[name] !== undefined) {
        const value = msg[name];
        const inner =
          field.fieldKind === 'message' && TENSOR_CARRIERS.has(field.message.typeName)
            ? this.encodeHeavy(field.message, value as object)
            : undefined;
        if (inner) addFramed(field.number, inner);
        else addLight(name, value);
      }
    }
    if (msg.$unknown && msg.$unknown.length > 0) addLight('$unknown', msg.$unknown);
    flush();
    return parts;
  }

  /**
   * The tensor's raw data as a part of its own, when large (in memory or bound to a payload) or
   * only readable asynchronously. A small payload readable now is inlined (its `rawData`
   * accessor reads it): thousands of tiny parts would cost more than the bytes they hold.
   */
  largeRawData(tensor: TensorProto): EncodedPart | undefined {
    const bound = tensorPayload(tensor);
    if (bound?.placement === 'raw') return bound.payload.byteLength >= VIEW_THRESHOLD || !bound.payload.readSync ? bound.payload : undefined;
    const raw = tensor.rawData;
    return raw.byteLength >= VIEW_THRESHOLD ? raw : undefined;
  }

  isHeavy(desc: DescMessage, message: object): boolean {
    const carriers = this.carrierFieldsOf(desc);
    if (carriers === undefined) return false;
    if (desc.typeName === 'onnx.TensorProto') return this.largeRawData(message as TensorProto) !== undefined;
    const msg = message as AnyMessage;
    if (desc.typeName === 'onnx.GraphProto' && (msg.node as unknown[]).length > NODES_PER_PART) return true;
    // Most messages (a node without attributes) have no carrier set: nothing to remember for them.
    let children = 0;
    for (const field of carriers) {
      const value = msg[field.localName];
      if (field.fieldKind === 'list') children += (value as unknown[]).length;
      else if (value !== undefined) children++;
    }
    if (children === 0) return false;
    const memo = this.#heavy.get(message);
    if (memo !== undefined) return memo;
    let heavy = false;
    for (const field of carriers) {
      if (heavy) break;
      const value = msg[field.localName];
      if (field.fieldKind === 'list') {
        for (const item of value as object[]) {
          if (this.isHeavy(field.message!, item)) {
            heavy = true;
            break;
          }
        }
      } else if (value !== undefined && this.isHeavy(field.message!, value as object)) {
        heavy = true;
      }
    }
    this.#heavy.set(message, heavy);
    return heavy;
  }

  /** The fields of a carrier type that hold carriers (undefined for a type that carries no tensor). */
  carrierFieldsOf(desc: DescMessage): DescField[] | undefined {
    if (!TENSOR_CARRIERS.has(desc.typeName)) return undefined;
    let fields = this.#carrierFields.get(desc);
    if (!fields) {
      fields = this.fieldsOf(desc).filter(
        (field) =>
          (field.fieldKind === 'list' && field.listKind === 'message' && TENSOR_CARRIERS.has(field.message.typeName)) ||
          (field.fieldKind === 'message' && TENSOR_CARRIERS.has(field.message.typeName)),
      );
      this.#carrierFields.set(desc, fields);
    }
    return fields;
  }

  fieldsOf(desc: DescMessage): DescField[] {
    let fields = this.#sortedFields.get(desc);
    if (!fields) {
      fields = desc.fields.concat().sort((a, b) => a.number - b.number);
      this.#sortedFields.set(desc, fields);
    }
    return fields;
  }
}
