/**
 * convertModel is cheap to call again and again (a folder of models, a server converting on
 * request): the WebAssembly kernels compile and instantiate once per process, not per call.
 * This file runs in its own process, so the counts start from zero here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { convertModel } from './convert-model.js';

test('the WebAssembly kernels compile once for many conversions', () => {
  const compiled = { modules: 0, instances: 0 };
  const original = { Module: WebAssembly.Module, Instance: WebAssembly.Instance };
  // Count the constructions by wrapping the constructors (restored below).
  const wasm = WebAssembly as unknown as { Module: typeof WebAssembly.Module; Instance: typeof WebAssembly.Instance };
  wasm.Module = new Proxy(original.Module, { construct: (target, args) => (compiled.modules++, Reflect.construct(target, args)) });
  wasm.Instance = new Proxy(original.Instance, { construct: (target, args) => (compiled.instances++, Reflect.construct(target, args)) });
  try {
    const weights = Array.from({ length: 4096 }, (_, i) => Math.sin(i));
    const build = () =>
      model(graph({ nodes: [node('MatMul', ['x', 'w'], ['y'])], inputs: [valueInfo('x', 1, [1, 64])], outputs: [valueInfo('y', 1, [1, 64])], initializers: [tensor('w', [64, 64], weights)] }));
    for (let i = 0; i < 5; i++) {
      const { report } = convertModel(build());
      assert.equal(report.tensors.length, 1, 'the weight is converted (through the kernels)');
    }
    assert.equal(compiled.modules, 1, 'one WebAssembly.Module for five conversions');
    assert.equal(compiled.instances, 1, 'one WebAssembly.Instance for five conversions');
  } finally {
    wasm.Module = original.Module;
    wasm.Instance = original.Instance;
  }
});
