/**
 * Models with a known mixed-precision answer, shared by the tests and `npm run bench`.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type ModelProto } from '../src/proto/onnx.js';
import type { Feeds } from '../src/runtime/runtime.js';
import { graph, model, node, tensor, valueInfo, DataType } from './model-builder.js';

const F = DataType.FLOAT;

/** Feeds of ones for input "x" of shape [1, n]. */
export const ones = (n: number): Feeds => ({ x: { type: 'float32', data: new Float32Array(n).fill(1), dims: [1, n] } });

/**
 * A LayerNorm-like variance, y = sqrt(mean((x * scale)^2)): fine in float32; with a large scale
 * its Pow overflows float16 (400 on ones: 1.6e5) while the output, a square root, does not.
 */
export function layerNormOverflow(scale = 400, batch: number | string = 1): ModelProto {
  return model(
    graph({
      nodes: [
        node('Mul', ['x', 'scale'], ['scaled'], {}, { name: 'LayerNorm/Mul' }),
        node('Pow', ['scaled', 'two'], ['squared'], {}, { name: 'LayerNorm/Pow' }),
        node('ReduceMean', ['squared'], ['variance'], { axes: [1], keepdims: 1n }, { name: 'LayerNorm/ReduceMean' }),
        node('Sqrt', ['variance'], ['y'], {}, { name: 'LayerNorm/Sqrt' }),
      ],
      inputs: [valueInfo('x', F, [batch, 4])],
      outputs: [valueInfo('y', F, [batch, 1])],
      initializers: [tensor('scale', [], [scale]), tensor('two', [], [2])],
    }),
    { opset: 17 },
  );
}

export function overflowMlp(): ModelProto {
  return model(
    graph({
      nodes: [
        node('MatMul', ['x', 'w1'], ['h'], {}, { name: 'mm1' }),
        node('Div', ['h', 'k'], ['d'], {}, { name: 'div' }),
        node('Relu', ['d'], ['r'], {}, { name: 'relu' }),
        node('MatMul', ['r', 'w2'], ['y'], {}, { name: 'mm2' }),
      ],
      inputs: [valueInfo('x', F, [1, 8])],
      outputs: [valueInfo('y', F, [1, 2])],
      // Weights stay within maxFiniteVal (1e4, as Python); the activations reach 8e4.
      initializers: [tensor('w1', [8, 4], new Array(32).fill(10000)), tensor('k', [], [1000]), tensor('w2', [4, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])],
    }),
  );
}

export function underflowChain(): ModelProto {
  return model(
    graph({
      nodes: [
        node('Mul', ['x', 'c1'], ['a'], {}, { name: 'm1' }),
        node('Mul', ['a', 'c2'], ['b'], {}, { name: 'm2' }),
        node('Mul', ['b', 'c3'], ['c'], {}, { name: 'm3' }),
        node('Mul', ['c', 'c3'], ['y'], {}, { name: 'm4' }),
      ],
      inputs: [valueInfo('x', F, [1, 4])],
      outputs: [valueInfo('y', F, [1, 4])],
      initializers: [tensor('c1', [], [1e-4]), tensor('c2', [], [1e-5]), tensor('c3', [], [1e4])],
    }),
  );
}

/** A 300-node chain with overflow at nodes 51 and 251 (each read by the next node). */
export function longChain(): ModelProto {
  const nodes = [];
  const initializers = [tensor('small', [], [0.001]), tensor('up', [], [10000]), tensor('four', [], [8]), tensor('down', [], [1.25e-5])];
  for (let i = 0; i < 300; i++) {
    const input = i === 0 ? 'x' : `v${i}`;
    const output = i === 299 ? 'y' : `v${i + 1}`;
    const spot = i % 200 === 50 ? 'up' : i % 200 === 51 ? 'four' : i % 200 === 52 ? 'down' : undefined;
    nodes.push(spot ? node('Mul', [input, spot], [output], {}, { name: `n${i}` }) : node(i % 2 ? 'Relu' : 'Add', i % 2 ? [input] : [input, 'small'], [output], {}, { name: `n${i}` }));
  }
  return model(graph({ nodes, inputs: [valueInfo('x', F, [1, 4])], outputs: [valueInfo('y', F, [1, 4])], initializers }));
}

export function ifWithTroubleInside(): ModelProto {
  const thenBranch = graph({
    name: 'then',
    nodes: [node('Mul', ['x', 'up'], ['ta'], {}, { name: 'ta' }), node('Mul', ['ta', 'four'], ['tb'], {}, { name: 'tb' }), node('Mul', ['tb', 'down'], ['tc'], {}, { name: 'tc' })],
    outputs: [valueInfo('tc', F, [1, 4])],
  });
  const elseBranch = graph({ name: 'else', nodes: [node('Neg', ['x'], ['e'], { }, { name: 'neg' })], outputs: [valueInfo('e', F, [1, 4])] });
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['pre'], {}, { name: 'pre' }), node('If', ['c'], ['out'], { then_branch: thenBranch, else_branch: elseBranch }, { name: 'if' }), node('Add', ['out', 'pre'], ['y'], {}, { name: 'post' })],
      inputs: [valueInfo('x', F, [1, 4]), valueInfo('c', DataType.BOOL, [])],
      outputs: [valueInfo('y', F, [1, 4])],
      initializers: [tensor('up', [], [10000]), tensor('four', [], [8]), tensor('down', [], [1e-4])],
    }),
  );
}


/**
 * A Loop of 3 iterations whose body overflows float16 between two nodes (x * 1e4 * 8, then / 1.25e5)
 * and carries a float state: only the two body nodes `lb` and `lc` must stay float32.
 */
export function loopWithTroubleInside(): ModelProto {
  const body = graph({
    name: 'body',
    nodes: [
      node('Identity', ['cond_in'], ['cond_out'], {}, { name: 'lcond' }),
      node('Mul', ['state_in', 'up'], ['la'], {}, { name: 'la' }),
      node('Mul', ['la', 'four'], ['lb'], {}, { name: 'lb' }),
      node('Mul', ['lb', 'down'], ['lc'], {}, { name: 'lc' }),
      node('Add', ['lc', 'small'], ['state_out'], {}, { name: 'ld' }),
    ],
    inputs: [valueInfo('iter', DataType.INT64, []), valueInfo('cond_in', DataType.BOOL, []), valueInfo('state_in', F, [1, 4])],
    outputs: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('state_out', F, [1, 4])],
  });
  return model(
    graph({
      nodes: [
        node('Relu', ['x'], ['pre'], {}, { name: 'pre' }),
        node('Loop', ['trips', 'keep_going', 'pre'], ['looped'], { body }, { name: 'loop' }),
        node('Add', ['looped', 'pre'], ['y'], {}, { name: 'post' }),
      ],
      inputs: [valueInfo('x', F, [1, 4])],
      outputs: [valueInfo('y', F, [1, 4])],
      initializers: [
        tensor('trips', [], [3], DataType.INT64),
        create(TensorProtoSchema, { name: 'keep_going', dataType: DataType.BOOL, rawData: Uint8Array.of(1) }),
        tensor('up', [], [10000]),
        tensor('four', [], [8]),
        tensor('down', [], [1.25e-5]),
        tensor('small', [], [0.001]),
      ],
    }),
    { opset: 17 },
  );
}

/**
 * Weights the conversion clips (beyond maxFiniteVal 1e4, below minPositiveVal 1e-7), shared by a
 * float32-only reader and a low reader (duplicated), plus a Constant node: the emulation must
 * round them as the conversion writes them.
 */
export function weightsBeyondClip(): ModelProto {
  return model(
    graph({
      nodes: [
        node('Mul', ['x', 'big'], ['a'], {}, { name: 'ma' }),
        node('Add', ['a', 'tiny'], ['b'], {}, { name: 'mb' }),
        node('Constant', [], ['k'], { value: tensor('k', [4], [3e4, 1e-9, 0.1, 2]) }, { name: 'konst' }),
        node('Mul', ['b', 'k'], ['c'], {}, { name: 'mc' }),
        node('Sub', ['c', 'big'], ['d'], {}, { name: 'md' }),
        node('Div', ['d', 'k'], ['y'], {}, { name: 'me' }),
      ],
      inputs: [valueInfo('x', F, [1, 4])],
      outputs: [valueInfo('y', F, [1, 4])],
      initializers: [tensor('big', [4], [2e4, 5e4, 3, 1]), tensor('tiny', [4], [1e-9, -3e-8, 0, 1])],
    }),
  );
}

/**
 * A transformer-like model of about `nodeCount` nodes (blocks of a decomposed LayerNorm, single-head
 * attention and a Swish MLP with residuals, hidden size 16, sequence 4) with two trouble spots: in
 * one block's MLP an activation scaled beyond 65504 and back (`b<i>_over`, `b<i>_back` must stay
 * float32), in another one scaled below float16's smallest subnormal and back (`b<j>_tiny`,
 * `b<j>_restore`). Deterministic weights; input "x" of shape [4, 16].
 */
export function transformerLike(nodeCount: number): ModelProto {
  const hidden = 16;
  const blocks = Math.max(2, Math.round(nodeCount / 27));
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const weights = (name: string, dims: number[], scale: number) => tensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random() * scale));
  const nodes = [];
  const initializers = [
    tensor('eps', [], [1e-5]),
    tensor('scale', [], [0.25]),
    tensor('up', [], [10000]),
    tensor('eight', [], [8]),
    tensor('back', [], [1.25e-5]),
    tensor('tiny', [], [1e-4]),
    tensor('restore', [], [1e8]),
  ];
  const overflowBlock = Math.floor(blocks / 3);
  const underflowBlock = Math.floor((2 * blocks) / 3);
  let x = 'x';
  for (let b = 0; b < blocks; b++) {
    const p = `b${b}_`;
    const n = (op: string, inputs: string[], name: string, attrs: Record<string, unknown> = {}) => {
      nodes.push(node(op, inputs, [p + name], attrs as never, { name: p + name }));
      return p + name;
    };
    initializers.push(weights(`${p}gamma`, [hidden], 1), weights(`${p}beta`, [hidden], 0.1));
    // Residual branches scaled down so the stream stays near 1 through every block: float16's own
    // rounding then stays well within 1e-2, and only the trouble spots need float32.
    for (const w of ['wq', 'wk', 'wv', 'w1']) initializers.push(weights(p + w, [hidden, hidden], 0.3));
    for (const w of ['wo', 'w2']) initializers.push(weights(p + w, [hidden, hidden], 0.05));
    initializers.push(weights(`${p}b1`, [hidden], 0.1), weights(`${p}b2`, [hidden], 0.1));
    // LayerNorm, decomposed.
    const mean = n('ReduceMean', [x], 'mean', { axes: [-1] });
    const centered = n('Sub', [x, mean], 'centered');
    const squared = n('Mul', [centered, centered], 'squared');
    const variance = n('ReduceMean', [squared], 'variance', { axes: [-1] });
    const shifted = n('Add', [variance, 'eps'], 'shifted');
    const deviation = n('Sqrt', [shifted], 'deviation');
    const normed = n('Div', [centered, deviation], 'normed');
    const scaled = n('Mul', [normed, `${p}gamma`], 'scaled');
    const ln = n('Add', [scaled, `${p}beta`], 'ln');
    // Attention, one head.
    const q = n('MatMul', [ln, `${p}wq`], 'q');
    const k = n('MatMul', [ln, `${p}wk`], 'k');
    const v = n('MatMul', [ln, `${p}wv`], 'v');
    const kt = n('Transpose', [k], 'kt', { perm: [1, 0] });
    const scores = n('MatMul', [q, kt], 'scores');
    const scaledScores = n('Mul', [scores, 'scale'], 'scaled_scores');
    const attention = n('Softmax', [scaledScores], 'attention', { axis: -1n });
    const context = n('MatMul', [attention, v], 'context');
    const projected = n('MatMul', [context, `${p}wo`], 'projected');
    const residual = n('Add', [x, projected], 'residual');
    // MLP with Swish, and the trouble spots.
    let hiddenValue = n('Add', [n('MatMul', [residual, `${p}w1`], 'mm1'), `${p}b1`], 'h1');
    if (b === overflowBlock) hiddenValue = n('Mul', [n('Mul', [n('Mul', [hiddenValue, 'up'], 'up'), 'eight'], 'over'), 'back'], 'back');
    if (b === underflowBlock) hiddenValue = n('Mul', [n('Mul', [n('Mul', [hiddenValue, 'tiny'], 'small'), 'tiny'], 'tiny'), 'restore'], 'restore');
    const gate = n('Sigmoid', [hiddenValue], 'gate');
    const swish = n('Mul', [hiddenValue, gate], 'swish');
    const out = n('Add', [n('MatMul', [swish, `${p}w2`], 'mm2'), `${p}b2`], 'h2');
    x = n('Add', [residual, out], 'out');
  }
  nodes.push(node('Identity', [x], ['y'], {}, { name: 'output' }));
  return model(graph({ nodes, inputs: [valueInfo('x', F, [4, hidden])], outputs: [valueInfo('y', F, [4, hidden])], initializers }), { opset: 17 });
}

/** Feeds for transformerLike: x of shape [4, 16], deterministic values in [-1, 1). */
export function transformerFeeds(seed = 7): Feeds {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return { x: { type: 'float32', data: Float32Array.from({ length: 64 }, random), dims: [4, 16] } };
}
