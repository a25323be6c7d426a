/**
 * TensorProto files (ONNX test data: `input_0.pb`, ...), as the browser page reads feeds from
 * them: decoded, then the data checked against the tensor's dims, as a model's tensors are.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { OnnxFormatError } from '../errors.js';
import { TensorProtoSchema, type TensorProto } from './onnx.js';
import { assertTensorSize } from './tensor-sizes.js';

/** Decodes a serialized TensorProto; malformed bytes or data that contradicts the dims is a one-line OnnxFormatError naming `label`. */
export function decodeTensor(bytes: Uint8Array, label = 'tensor'): TensorProto {
  let tensor: TensorProto;
  try {
    tensor = fromBinary(TensorProtoSchema, bytes);
  } catch (error) {
    throw new OnnxFormatError(`${label}: not a TensorProto file (${(error as Error).message})`, { cause: error });
  }
  assertTensorSize(tensor, label);
  return tensor;
}
