/** Which documents the runtime table is generated from, and how each is read. */
import type { RuntimeDocuments } from './format-runtime-table.js';
import { parseFunctionIndex, parseKernelDocument, parseWebDocument } from './parse-runtime-docs.js';

export const RUNTIME_DOCUMENTS = ['onnxruntime-OperatorKernels.md', 'onnxruntime-webgpu-operators.md', 'onnxruntime-webnn-operators.md', 'onnx-Operators.md'];

export function parseRuntimeDocuments(read: (file: string) => string): RuntimeDocuments {
  return {
    registrations: [
      ...parseKernelDocument(read('onnxruntime-OperatorKernels.md')),
      ...parseWebDocument(read('onnxruntime-webgpu-operators.md'), 'WebGpuExecutionProvider'),
      ...parseWebDocument(read('onnxruntime-webnn-operators.md'), 'WebNNExecutionProvider'),
    ],
    functions: parseFunctionIndex(read('onnx-Operators.md')),
  };
}
