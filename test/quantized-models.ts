/**
 * Quantized models as exporters write them, built in the tests: 4-bit weight-only (MatMulNBits,
 * GatherBlockQuantized: transformers.js's q4), blocked DequantizeLinear, and dynamic quantization
 * (DynamicQuantizeLinear + MatMulInteger / ConvInteger, as onnxruntime's quantize_dynamic writes).
 * Weights are deterministic pseudo-random values, quantized here with their scales.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type ModelProto, type TensorProto } from '../src/proto/onnx.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';

const F = DataType.FLOAT;

/** A tensor of bytes (UINT8 or INT8). */
export function byteTensor(name: string, dims: number[], bytes: ArrayLike<number>, dataType: number = DataType.UINT8): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData: Uint8Array.from(bytes, (b) => b & 0xff) as Uint8Array<ArrayBuffer> });
}

function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** 4-bit blockwise quantization of rows [n][k] (k a multiple of blockSize): packed low nibble first, float scales, uint4 zero points. */
function quantize4(rows: number[][], blockSize: number) {
  const n = rows.length;
  const k = rows[0]!.length;
  const blocks = k / blockSize;
  const packed: number[] = [];
  const scales: number[] = [];
  const zeros: number[] = [];
  for (const row of rows) {
    for (let b = 0; b < blocks; b++) {
      const block = row.slice(b * blockSize, (b + 1) * blockSize);
      const lo = Math.min(0, ...block);
      const hi = Math.max(0, ...block);
      const scale = (hi - lo) / 15 || 1;
      const zero = Math.min(15, Math.max(0, Math.round(-lo / scale)));
      scales.push(scale);
      zeros.push(zero);
      const q = block.map((v) => Math.min(15, Math.max(0, Math.round(v / scale) + zero)));
      for (let i = 0; i < q.length; i += 2) packed.push(q[i]! | (q[i + 1]! << 4));
    }
  }
  // Zero points: two per byte along the blocks of a row, each row padded to whole bytes.
  const zeroBytes: number[] = [];
  const perRow = Math.ceil(blocks / 2);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < perRow; j++) zeroBytes.push((zeros[r * blocks + 2 * j] ?? 0) | ((2 * j + 1 < blocks ? zeros[r * blocks + 2 * j + 1]! : 0) << 4));
  }
  return { packed, scales, zeros, zeroBytes, blocks };
}

function randomRows(n: number, k: number, seed: number, amplitude = 1): number[][] {
  const random = generator(seed);
  return Array.from({ length: n }, () => Array.from({ length: k }, () => (random() * 2 - 1) * amplitude));
}

/** MatMulNBits (com.microsoft, 4 bits, block 32) with float32 scales and uint4 zero points: y = x · Wᵀ. */
export function matMulNBitsModel(k = 64, n = 16, withZeroPoints = true): ModelProto {
  const blockSize = 32;
  const q = quantize4(randomRows(n, k, 3), blockSize);
  const inputs = ['x', 'w_q4', 'w_scales', ...(withZeroPoints ? ['w_zero_points'] : [])];
  return model(
    graph({
      nodes: [node('MatMulNBits', inputs, ['y'], { K: BigInt(k), N: BigInt(n), bits: 4n, block_size: BigInt(blockSize) }, { name: 'proj/MatMulNBits', domain: 'com.microsoft' })],
      inputs: [valueInfo('x', F, [1, k])],
      outputs: [valueInfo('y', F, [1, n])],
      initializers: [
        byteTensor('w_q4', [n, q.blocks, blockSize / 2], q.packed),
        tensor('w_scales', [n * q.blocks], q.scales),
        ...(withZeroPoints ? [byteTensor('w_zero_points', [n * Math.ceil(q.blocks / 2)], q.zeroBytes)] : []),
      ],
    }),
    { opsets: { '': 21, 'com.microsoft': 1 } },
  );
}

/** GatherBlockQuantized (com.microsoft, 4 bits packed in uint8, block 32): an embedding table looked up by token ids. */
export function gatherBlockQuantizedModel(vocab = 8, k = 64): ModelProto {
  const blockSize = 32;
  const q = quantize4(randomRows(vocab, k, 5), blockSize);
  return model(
    graph({
      nodes: [
        node('GatherBlockQuantized', ['table_q4', 'ids', 'table_scales', 'table_zero_points'], ['y'], { gather_axis: 0n, quantize_axis: 1n, block_size: BigInt(blockSize), bits: 4n }, { name: 'embed/GatherBlockQuantized', domain: 'com.microsoft' }),
      ],
      inputs: [valueInfo('ids', DataType.INT64, [1, 3])],
      outputs: [valueInfo('y', F, [1, 3, k])],
      initializers: [
        byteTensor('table_q4', [vocab, k / 2], q.packed),
        tensor('table_scales', [vocab, q.blocks], q.scales),
        // One zero point per block, packed two per byte along the quantized axis.
        byteTensor('table_zero_points', [vocab, Math.ceil(q.blocks / 2)], q.zeroBytes),
      ],
    }),
    { opsets: { '': 21, 'com.microsoft': 1 } },
  );
}

/** DequantizeLinear (opset 21) with a block size, float scales and int8 zero points, then MatMul and ordinary float ops. */
export function blockedDequantizeModel(k = 64, n = 16): ModelProto {
  const blockSize = 32;
  const random = generator(9);
  const rows = randomRows(k, n, 11);
  // Quantize along axis 0 (K) in blocks: scales [K / blockSize, N].
  const blocks = k / blockSize;
  const scales: number[] = [];
  const zeros: number[] = [];
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < n; j++) {
      scales.push(1 / 100 + random() / 100);
      zeros.push(Math.round(random() * 10) - 5);
    }
  }
  const quantized = rows.flatMap((row, i) => row.map((v, j) => Math.max(-128, Math.min(127, Math.round(v / scales[Math.floor(i / blockSize) * n + j]!) + zeros[Math.floor(i / blockSize) * n + j]!))));
  return model(
    graph({
      nodes: [
        node('DequantizeLinear', ['w_q', 'w_scale', 'w_zero'], ['w'], { axis: 0n, block_size: BigInt(blockSize) }, { name: 'proj/DequantizeLinear' }),
        node('MatMul', ['x', 'w'], ['h'], {}, { name: 'proj/MatMul' }),
        node('Add', ['h', 'bias'], ['a'], {}, { name: 'proj/Add' }),
        node('Tanh', ['a'], ['y'], {}, { name: 'act/Tanh' }),
      ],
      inputs: [valueInfo('x', F, [1, k])],
      outputs: [valueInfo('y', F, [1, n])],
      initializers: [byteTensor('w_q', [k, n], quantized, DataType.INT8), tensor('w_scale', [blocks, n], scales), byteTensor('w_zero', [blocks, n], zeros, DataType.INT8), tensor('bias', [n], randomRows(1, n, 13)[0]!)],
    }),
    { opset: 21 },
  );
}

/** MatMulNBits and GatherBlockQuantized next to ordinary float ops: embedding, LayerNorm-like Mul/Add, projection, Softmax. */
export function mixedQuantizedModel(): ModelProto {
  const k = 64;
  const n = 16;
  const embed = gatherBlockQuantizedModel(8, k).graph!;
  const proj = matMulNBitsModel(k, n).graph!;
  return model(
    graph({
      nodes: [
        ...embed.node,
        node('Mul', ['y', 'gamma'], ['normed'], {}, { name: 'norm/Mul' }),
        node('Add', ['normed', 'beta'], ['hidden'], {}, { name: 'norm/Add' }),
        node('MatMulNBits', ['hidden', 'w_q4', 'w_scales', 'w_zero_points'], ['logits'], { K: BigInt(k), N: BigInt(n), bits: 4n, block_size: 32n }, { name: 'head/MatMulNBits', domain: 'com.microsoft' }),
        node('Softmax', ['logits'], ['probs'], { axis: -1n }, { name: 'head/Softmax' }),
      ],
      inputs: embed.input,
      outputs: [valueInfo('probs', F, [1, 3, n])],
      initializers: [...embed.initializer, ...proj.initializer, tensor('gamma', [k], randomRows(1, k, 17)[0]!.map((v) => 1 + v / 4)), tensor('beta', [k], randomRows(1, k, 19)[0]!.map((v) => v / 10))],
    }),
    { opsets: { '': 21, 'com.microsoft': 1 } },
  );
}

/**
 * Dynamic quantization as onnxruntime's quantize_dynamic writes it: per layer, DynamicQuantizeLinear
 * of the activation, MatMulInteger with uint8 weights, Cast to float, Mul by the product of the
 * scales, Add bias; Relu between layers. `layers` layers of width `width`.
 */
export function dynamicQuantizedMlp(layers = 3, width = 32): ModelProto {
  const nodes = [];
  const initializers: TensorProto[] = [];
  let current = 'x';
  for (let l = 0; l < layers; l++) {
    const w = randomRows(width, width, 100 + l, 0.5);
    const flat = w.flat();
    const lo = Math.min(0, ...flat);
    const hi = Math.max(0, ...flat);
    const scale = (hi - lo) / 255;
    const zero = Math.round(-lo / scale);
    initializers.push(
      byteTensor(`w${l}_q`, [width, width], flat.map((v) => Math.max(0, Math.min(255, Math.round(v / scale) + zero)))),
      tensor(`w${l}_scale`, [], [scale]),
      byteTensor(`w${l}_zero`, [], [zero]),
      tensor(`b${l}`, [width], randomRows(1, width, 200 + l, 0.1)[0]!),
    );
    const p = `layer${l}`;
    nodes.push(
      node('DynamicQuantizeLinear', [current], [`${p}_xq`, `${p}_xs`, `${p}_xz`], {}, { name: `${p}/DynamicQuantizeLinear` }),
      node('MatMulInteger', [`${p}_xq`, `w${l}_q`, `${p}_xz`, `w${l}_zero`], [`${p}_acc`], {}, { name: `${p}/MatMulInteger` }),
      node('Cast', [`${p}_acc`], [`${p}_accf`], { to: BigInt(F) }, { name: `${p}/Cast` }),
      node('Mul', [`${p}_xs`, `w${l}_scale`], [`${p}_scale`], {}, { name: `${p}/ScaleMul` }),
      node('Mul', [`${p}_accf`, `${p}_scale`], [`${p}_mm`], {}, { name: `${p}/OutputMul` }),
      node('Add', [`${p}_mm`, `b${l}`], [`${p}_out`], {}, { name: `${p}/Add` }),
    );
    current = `${p}_out`;
    if (l < layers - 1) {
      nodes.push(node('Relu', [current], [`${p}_relu`], {}, { name: `${p}/Relu` }));
      current = `${p}_relu`;
    }
  }
  nodes.push(node('Sigmoid', [current], ['y'], {}, { name: 'head/Sigmoid' }));
  return model(graph({ nodes, inputs: [valueInfo('x', F, [4, width])], outputs: [valueInfo('y', F, [4, width])], initializers }), { opset: 17 });
}
