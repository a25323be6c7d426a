/**
 * The float32 data a Constant node holds, in whichever attribute it is written: `value` (a float
 * tensor), `value_float` or `value_floats`. The planner's range check and the float16 emulation
 * read constants through this one function, so a constant spelt as floats is judged like a tensor.
 */
import { create } from '@bufbuild/protobuf';
import { DataType } from '../dtype.js';
import type { Node } from '../ir/node.js';
import { TensorProtoSchema, type TensorProto } from '../proto/onnx.js';
import { findAttribute } from '../schema/attributes.js';

/** The float32 tensor a Constant node holds; undefined for other value types. */
export function constantNodeTensor(node: Node): TensorProto | undefined {
  const value = findAttribute(node.proto, 'value');
  if (value?.t) return value.t.dataType === DataType.FLOAT ? value.t : undefined;
  const single = findAttribute(node.proto, 'value_float');
  if (single) return create(TensorProtoSchema, { dataType: DataType.FLOAT, floatData: [single.f] });
  const list = findAttribute(node.proto, 'value_floats');
  if (list) return create(TensorProtoSchema, { dataType: DataType.FLOAT, dims: [BigInt(list.floats.length)], floatData: [...list.floats] });
  return undefined;
}
