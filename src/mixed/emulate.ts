/**
 * Float16 accuracy, measured honestly on any runtime: onnxruntime's CPU provider runs a float16
 * model by computing in float32 between Casts, so it never rounds between ops and never shows an
 * intermediate overflow. This turns a converted model back into a float32 model that rounds like
 * real float16 hardware would: every tensor produced in the low type gets a Cast(to low) ->
 * Cast(to FLOAT) pair after its producer, low-precision constants become float32 tensors holding
 * exactly the rounded values, and low-precision graph inputs are rounded on entry. onnxruntime
 * keeps such Cast pairs at every optimisation level (as long as cast-chain elimination stays off).
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import { roundTripFloat32Bytes } from '../convert/tensor-conversion.js';
import { retypeTypeProto } from '../convert/type-proto.js';
import { modelFromProto } from '../ir/from-proto.js';
import type { Graph } from '../ir/graph.js';
import { graphTree } from '../ir/model.js';
import { NameAllocator } from '../ir/name-allocator.js';
import { modelToProto } from '../ir/to-proto.js';
import type { Value } from '../ir/value.js';
import { withFields } from '../proto/message-copy.js';
import { TensorProtoSchema, type ModelProto, type TensorProto } from '../proto/onnx.js';
import { readPayloadSync, rawPayloadOf } from '../proto/payload.js';
import { castTarget, findAttribute } from '../schema/attributes.js';
import { inferTypes, opsetVersion } from '../schema/infer-types.js';
import { float16BitsToFloat32Bits } from '../numeric/float16.js';
import { isDefaultDomain } from '../ir/domain.js';
import { createCast } from '../ir/edit.js';
import { DTYPE_ATTRIBUTES } from './emulation-facts.js';

/** The float32 emulation of a model converted to `target` (FLOAT16 or BFLOAT16). */
export function emulateLowPrecision(converted: ModelProto, target: number): ModelProto {
  const ir = modelFromProto(converted);
  const inference = inferTypes(ir);
  const names = NameAllocator.forModel(ir);
  const opset = opsetVersion(converted.opsetImport, '') ?? 1;
  const isLow = (value: Value | undefined) => {
    const type = value && inference.typeOf(value);
    return type?.kind === 'tensor' && type.elemType === target;
  };
  const castNode = (graph: Graph, input: Value, elemType: number, outputName: string): Value => {
    const node = createCast(graph, input, elemType, opset, { node: names.allocate(`${outputName}_Cast`), output: outputName });
    names.reserve(outputName);
    graph.nodes.push(node);
    return node.outputs[0]!;
  };
  /** Makes `value` (now float32) rounded through the low type, under its own name, for all its readers. */
  const roundAfter = (graph: Graph, value: Value, alreadyLow: boolean) => {
    const name = value.name;
    const uses = [...value.uses];
    const ports = [...graph.outputs.filter((p) => p.value === value)];
    graph.rename(value, names.allocate(`${name}_${alreadyLow ? 'low' : 'f32'}`));
    const low = alreadyLow ? value : castNode(graph, value, target, names.allocate(`${name}_rounded`));
    const rounded = castNode(graph, low, DataType.FLOAT, name);
    for (const use of uses) use.node.setInput(use.index, rounded);
    for (const port of ports) port.value = rounded;
  };

  for (const graph of ir.graph ? [...graphTree(ir.graph)] : []) {
    for (const value of graph.initializers) {
      if (value.initializer!.dataType === target) value.initializer = widenTensor(value.initializer!, target);
    }
    const lowValues = new Map<Value, boolean>();
    for (const node of [...graph.nodes]) {
      for (const attr of node.proto.attribute) {
        if ((attr.name === 'value' || attr.name === 'sparse_value') && (attr.t?.dataType === target || attr.sparseTensor?.values?.dataType === target)) {
          const widened = attr.t
            ? withFields(attr, { t: widenTensor(attr.t, target) })
            : withFields(attr, { sparseTensor: withFields(attr.sparseTensor!, { values: widenTensor(attr.sparseTensor!.values!, target) }) });
          node.setAttributes(node.proto.attribute.map((a) => (a === attr ? widened : a)));
        }
      }
      const isCastToLow = node.opType === 'Cast' && isDefaultDomain(node.domain) && castTarget(node.proto) === target;
      if (!isCastToLow) {
        for (const name of DTYPE_ATTRIBUTES) {
          const attr = findAttribute(node.proto, name);
          if (attr && Number(attr.i) === target) {
            node.setAttributes(node.proto.attribute.map((a) => (a === attr ? withFields(a, { i: BigInt(DataType.FLOAT) }) : a)));
          }
        }
      }
      for (const value of node.outputs) if (value && isLow(value)) lowValues.set(value, isCastToLow);
    }
    for (const [value, alreadyLow] of lowValues) roundAfter(graph, value, alreadyLow);
    for (const port of graph.inputs) {
      if (!isLow(port.value) || graph.kind !== 'main') continue;
      // A graph input keeps its name (feeds use it): its readers move to the rounded copy.
      const input = port.value;
      const uses = [...input.uses];
      const outputs = graph.outputs.filter((p) => p.value === input);
      const low = castNode(graph, input, target, names.allocate(`${input.name}_rounded`));
      const rounded = castNode(graph, low, DataType.FLOAT, names.allocate(`${input.name}_f32`));
      for (const use of uses) use.node.setInput(use.index, rounded);
      for (const out of outputs) out.value = rounded;
    }
    // value_info would now describe renamed values: drop it (it is optional) and retype the graph's I/O.
    graph.valueInfo.length = 0;
    for (const port of [...graph.inputs, ...graph.outputs]) {
      if (port.info?.type) port.info = withFields(port.info, { type: retypeTypeProto(port.info.type, DataType.FLOAT, target) });
    }
  }
  return modelToProto(ir);
}

/** A float32 tensor with the exact values of a low-precision tensor. */
export function widenTensor(tensor: TensorProto, target: number): TensorProto {
  let bytes = roundTripFloat32Bytes(tensor);
  if (!bytes) {
    const payload = rawPayloadOf(tensor);
    const raw = payload ? readPayloadSync(payload, tensor.name) : new Uint8Array(Uint16Array.from(tensor.int32Data).buffer);
    const halves = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    const widened = new Uint32Array(halves.length);
    for (let i = 0; i < halves.length; i++) widened[i] = target === DataType.BFLOAT16 ? (halves[i]! << 16) >>> 0 : float16BitsToFloat32Bits(halves[i]!);
    bytes = new Uint8Array(widened.buffer);
  }
  return create(TensorProtoSchema, { name: tensor.name, dims: tensor.dims, dataType: DataType.FLOAT, rawData: bytes });
}
