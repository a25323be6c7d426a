/**
 * A fast decoder for the NodeProto a large graph has by the million: only string fields (inputs,
 * outputs, name, op_type, domain, overload, doc_string), all ASCII. Anything else (attributes,
 * metadata, unknown fields, non-ASCII text, malformed bytes) is declined, and @bufbuild/protobuf
 * decodes that node. The message equals `fromBinary`'s (same prototype, same own fields, lists
 * sized exactly), at a fraction of the time, and every node has one object layout. Its empty lists
 * are one shared frozen array: replace a list of a decoded node, never push onto it (the library
 * never mutates a message it did not create).
 */
import { create } from '@bufbuild/protobuf';
import { NodeProtoSchema, type NodeProto } from './onnx.js';
import { internOpType } from './compact-lists.js';

/** The prototype `create` gives a NodeProto: proto2 scalar defaults live there, set fields are own properties. */
const NODE_PROTOTYPE: object = Object.getPrototypeOf(create(NodeProtoSchema)) as object;

interface PlainNodeConstructor {
  new (input: string[], output: string[]): NodeProto;
}

/**
 * The empty lists of every plain node: one frozen array, not three fresh ones a node (a third of a
 * Relu node's memory). Frozen, so that pushing onto one throws instead of filling every node's.
 */
const NONE: never[] = Object.freeze([]) as never[];

/** A constructor (not Object.create) so that V8 gives every node one layout with its fields in-object. */
const PlainNode = function (this: Record<string, unknown>, input: string[], output: string[]) {
  this.$typeName = 'onnx.NodeProto';
  this.input = input;
  this.output = output;
  this.attribute = NONE;
  this.metadataProps = NONE;
  this.deviceConfigurations = NONE;
} as unknown as PlainNodeConstructor;
PlainNode.prototype = NODE_PROTOTYPE as NodeProto;

// Tags (field number << 3 | 2, length-delimited) of the string fields.
const INPUT = 0x0a;
const OUTPUT = 0x12;
const NAME = 0x1a;
const OP_TYPE = 0x22;
const ATTRIBUTE = 0x2a;
const DOC_STRING = 0x32;
const DOMAIN = 0x3a;
const OVERLOAD = 0x42;

const inputs: string[] = [];
const outputs: string[] = [];

/**
 * The node encoded in `bytes[start, end)`, or undefined when it holds anything but ASCII string
 * fields. `names`, when given, makes equal input and output names one string (a value's name is
 * written once by its producer and again by each reader).
 */
export function decodePlainNode(bytes: Uint8Array, start: number, end: number, names?: Map<string, string>): NodeProto | undefined {
  inputs.length = 0;
  outputs.length = 0;
  let name: string | undefined;
  let opType: string | undefined;
  let docString: string | undefined;
  let domain: string | undefined;
  let overload: string | undefined;
  let at = start;
  while (at < end) {
    const tag = bytes[at++]!;
    // Fields 1-8 but attributes (5), length-delimited: the tag is one byte.
    if ((tag & 7) !== 2 || tag > OVERLOAD || tag === ATTRIBUTE) return undefined;
    // A length below 2^21 (up to three varint bytes); anything longer is no name.
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end || shift > 14) return undefined;
      const byte = bytes[at++]!;
      length |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    const stringEnd = at + length;
    if (stringEnd > end) return undefined;
    const text = asciiString(bytes, at, stringEnd);
    if (text === undefined) return undefined;
    at = stringEnd;
    switch (tag) {
      case INPUT:
        inputs.push(names ? intern(names, text) : text);
        break;
      case OUTPUT:
        outputs.push(names ? intern(names, text) : text);
        break;
      case NAME:
        name = text;
        break;
      case OP_TYPE:
        opType = text;
        break;
      case DOC_STRING:
        docString = text;
        break;
      case DOMAIN:
        domain = text;
        break;
      case OVERLOAD:
        overload = text;
        break;
      default:
        return undefined;
    }
  }
  if (at !== end) return undefined;
  const node = new PlainNode(inputs.length > 0 ? inputs.slice() : NONE, outputs.length > 0 ? outputs.slice() : NONE);
  // Only the fields the bytes hold become own properties, as fromBinary sets them (proto2 presence).
  if (name !== undefined) node.name = name;
  if (opType !== undefined) node.opType = internOpType(opType);
  if (domain !== undefined) node.domain = domain;
  if (overload !== undefined) node.overload = overload;
  if (docString !== undefined) node.docString = docString;
  return node;
}

function intern(names: Map<string, string>, text: string): string {
  const known = names.get(text);
  if (known !== undefined) return known;
  names.set(text, text);
  return text;
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The ASCII text of `bytes[start, end)`, or undefined when a byte is not ASCII. */
function asciiString(bytes: Uint8Array, start: number, end: number): string | undefined {
  let text = '';
  if (end - start <= 12) {
    // Short strings built by hand come out flat and beat a native call.
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return undefined;
      text += String.fromCharCode(byte);
    }
    return text;
  }
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return undefined;
  return decoder.decode(bytes.subarray(start, end));
}
