import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveModel } from '../node.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { SHARED_MODELS_SKIP, SILERO_MODELS, sharedModel } from '../../test/testdata.js';
import { AUTO_HELP } from './auto-command.js';
import { CONVERT_HELP } from './convert-command.js';
import { INSPECT_HELP } from './inspect-command.js';
import { Progress } from './progress.js';
import { RUNTIME_SKIP as RUNTIME_SKIP_CLI } from '../../test/runtime-helpers.js';
import { collector, runCli } from '../../test/cli-run.js';

const run = runCli;

test('inspect --json on a real model with nested If subgraphs', async () => {
  const { code, stdout } = await run('inspect', SILERO_MODELS[1]!, '--json');
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.irVersion, 8);
  assert.equal(report.nodeCount, 689);
  assert.equal(report.subgraphCount, 50);
  assert.deepEqual(report.opsets, [{ domain: '', version: 16 }]);
  assert.deepEqual(report.inputs.map((i: { name: string }) => i.name), ['input', 'state', 'sr']);
  assert.deepEqual(report.inputs[1], { name: 'state', kind: 'tensor', elemType: 'FLOAT', shape: [2, null, 128] });
  assert.equal(report.ops.find((o: { opType: string }) => o.opType === 'If').count, 25);
  assert.equal(report.constants.count, 345, 'Silero keeps its weights in Constant nodes');
  assert.deepEqual(report.constants.byType[0], { elemType: 'FLOAT', count: 36, bytes: 2_181_152 });
});

test('inspect --json on an onnxruntime-fused transformer lists com.microsoft ops', { skip: SHARED_MODELS_SKIP }, async () => {
  const { code, stdout } = await run('inspect', '--json', sharedModel('gpt2_tiny_ort_fused.onnx'));
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.opsets, [
    { domain: '', version: 11 },
    { domain: 'com.microsoft', version: 1 },
  ]);
  const attention = report.ops.find((o: { opType: string }) => o.opType === 'Attention');
  assert.deepEqual(attention, { domain: 'com.microsoft', opType: 'Attention', count: 5 });
  assert.equal(report.initializers.count, report.initializers.byType.reduce((n: number, t: { count: number }) => n + t.count, 0));
});

test('inspect reports external data files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [2000])],
      outputs: [valueInfo('y', 1, [2000])],
      initializers: [tensor('w', [2000], new Float32Array(2000))],
    }),
  );
  await saveModel(m, join(dir, 'm.onnx'), { externalData: { location: 'm.weights' } });
  const { code, stdout } = await run('inspect', join(dir, 'm.onnx'), '--json');
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout).externalData, [{ location: 'm.weights', tensors: 1, bytes: 8000 }]);
  const text = await run('inspect', join(dir, 'm.onnx'));
  assert.match(text.stdout, /External data:\n\s+m\.weights\s+1 tensors\s+8\.00 kB/);
});

test('exit codes: 2 for usage errors, 1 for bad files, with one-line messages', async () => {
  assert.equal((await run()).code, 2);
  assert.equal((await run('--help')).code, 0);
  const unknown = await run('frobnicate');
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'onnx-float16: unknown command "frobnicate"; commands: convert, auto, compare, inspect\n');
  const badFlag = await run('inspect', 'x.onnx', '--nope');
  assert.equal(badFlag.code, 2);
  assert.equal(badFlag.stderr, 'onnx-float16 inspect: unknown option --nope; see "onnx-float16 inspect --help"\n');
  assert.equal((await run('inspect')).code, 2);
  const missing = await run('inspect', '/nonexistent/model.onnx');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'onnx-float16 inspect: /nonexistent/model.onnx: no such file');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  writeFileSync(join(dir, 'junk.onnx'), 'not a model at all');
  const junk = await run('inspect', join(dir, 'junk.onnx'));
  assert.equal(junk.code, 1);
  assert.doesNotMatch(junk.stderr, /\n\s+at /, 'no stack trace');
});

test('inspect --types --json lists every tensor with its type and source, subgraphs included', async () => {
  const { code, stdout } = await run('inspect', SILERO_MODELS[1]!, '--types', '--json');
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.values[0], { graph: '', name: 'input', elemType: 'FLOAT', source: 'declared' });
  assert.ok(report.values.every((v: { source: string }) => v.source !== 'unknown'));
  const nested = report.values.filter((v: { graph: string }) => v.graph.split('/').length >= 8);
  assert.ok(nested.length > 0, 'values of If bodies nested 4 deep are listed');
  assert.deepEqual(report.typeWarnings, []);
});

test('inspect --types reports unknown types with their reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('Custom', ['x'], ['y'], {}, { domain: 'acme' }), node('Relu', ['y'], ['z'])],
      inputs: [valueInfo('x', 1, [2])],
      outputs: [valueInfo('z', 0)],
    }),
    { opsets: { '': 17, acme: 1 } },
  );
  await saveModel(m, join(dir, 'custom.onnx'));
  const { code, stdout } = await run('inspect', join(dir, 'custom.onnx'), '--types', '--json');
  assert.equal(code, 0);
  const byName = Object.fromEntries(JSON.parse(stdout).values.map((v: { name: string }) => [v.name, v]));
  assert.deepEqual(byName.x, { graph: '', name: 'x', elemType: 'FLOAT', source: 'declared' });
  assert.equal(byName.y.source, 'unknown');
  assert.match(byName.y.reason, /acme::Custom: domain "acme" is not in the operator table/);
  assert.equal(byName.z.elemType, null);
  const text = await run('inspect', join(dir, 'custom.onnx'), '--types');
  assert.match(text.stdout, /Tensor types: 3 values, 2 unknown/);
});

test('convert: default output name, JSON report, node block list from a file saved by auto', { skip: RUNTIME_SKIP_CLI }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('MatMul', ['x', 'w'], ['h'], {}, { name: 'mm' }), node('Div', ['h', 'k'], ['y'], {}, { name: 'div' })],
      inputs: [valueInfo('x', 1, [1, 8])],
      outputs: [valueInfo('y', 1, [1, 4])],
      initializers: [tensor('w', [8, 4], new Array(32).fill(10000)), tensor('k', [], [1000])],
    }),
  );
  await saveModel(m, join(dir, 'net.onnx'));
  const convert = await run('convert', join(dir, 'net.onnx'), '--keep-io-types', '--json');
  assert.equal(convert.code, 0);
  const report = JSON.parse(convert.stdout);
  assert.equal(report.output, join(dir, 'net_fp16.onnx'));
  assert.equal(report.tensors.length, 2);
  assert.deepEqual(report.keptNodes, []);
  writeFileSync(join(dir, 'feeds.json'), JSON.stringify({ x: [[1, 1, 1, 1, 1, 1, 1, 1]] }));
  const auto = await run('auto', join(dir, 'net.onnx'), '--feeds', join(dir, 'feeds.json'), '--rtol', '1e-2', '--atol', '1e-2', '--keep-io-types', '--save-block-list', join(dir, 'block.json'), '--json');
  assert.equal(auto.code, 0, auto.stderr);
  const found = JSON.parse(auto.stdout);
  assert.deepEqual([...found.nodeBlockList].sort(), ['div', 'mm']);
  // The summary counts the blocked candidates and every node the result keeps float32 (here Div, by op type).
  const summary = await run('auto', join(dir, 'net.onnx'), '-o', join(dir, 'mixed.onnx'), '--feeds', join(dir, 'feeds.json'), '--rtol', '1e-2', '--atol', '1e-2', '--keep-io-types', '--op-block-list', 'Div');
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stderr, /s; 1 of 1 candidate nodes blocked, 2 nodes kept float32 in all\n/);
  const again = await run('convert', join(dir, 'net.onnx'), '-o', join(dir, 'again.onnx'), '--keep-io-types', '--node-block-list', `@${join(dir, 'block.json')}`, '--json');
  assert.deepEqual(JSON.parse(again.stdout).keptNodes.map((k: { name: string }) => k.name).sort(), ['div', 'mm']);
  writeFileSync(join(dir, 'broken.json'), '["mm",');
  const broken = await run('convert', join(dir, 'net.onnx'), '--node-block-list', `@${join(dir, 'broken.json')}`);
  assert.equal(broken.code, 1, 'a broken file is bad input, not a usage error');
  assert.match(broken.stderr, /^onnx-float16 convert: node block list .*broken\.json: malformed JSON \([^\n]+\)\n$/);
  const usage = await run('auto', join(dir, 'net.onnx'), '--rtol', '1e-2');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give --feeds PATH or --random/);
});

test('--version prints the version from package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const result = await run(flag);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
  }
});

test('each command has its own --help, also as "help COMMAND"', async () => {
  for (const [command, help] of [['convert', CONVERT_HELP], ['auto', AUTO_HELP], ['inspect', INSPECT_HELP]] as const) {
    assert.match(help, new RegExp(`^Usage: onnx-float16 ${command} `));
    for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const result = await run(...argv);
      assert.equal(result.code, 0, argv.join(' '));
      assert.equal(result.stdout, `${help}\n`, argv.join(' '));
    }
  }
  const unknown = await run('help', 'conver');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "conver" \(did you mean convert\?\)/);
});

test('an unknown or misspelt option is a one-line usage error naming the option meant', async () => {
  const cases: [string[], string][] = [
    [['convert', 'm.onnx', '--keep-io-type'], 'onnx-float16 convert: unknown option --keep-io-type (did you mean --keep-io-types?); see "onnx-float16 convert --help"'],
    [['convert', 'm.onnx', '--keep_io_types'], 'onnx-float16 convert: unknown option --keep_io_types (did you mean --keep-io-types?); see "onnx-float16 convert --help"'],
    [['auto', 'm.onnx', '--rtoll', '1'], 'onnx-float16 auto: unknown option --rtoll (did you mean --rtol?); see "onnx-float16 auto --help"'],
    [['inspect', 'm.onnx', '--type'], 'onnx-float16 inspect: unknown option --type (did you mean --types?); see "onnx-float16 inspect --help"'],
    [['convert', 'm.onnx', '--frobnicate'], 'onnx-float16 convert: unknown option --frobnicate; see "onnx-float16 convert --help"'],
    [['convert', 'm.onnx', '-x'], 'onnx-float16 convert: unknown option -x; see "onnx-float16 convert --help"'],
    [['convert', 'm.onnx', '-o'], 'onnx-float16 convert: -o needs a value; see "onnx-float16 convert --help"'],
    [['convert', 'm.onnx', '--to'], 'onnx-float16 convert: --to needs a value; see "onnx-float16 convert --help"'],
    [['inspect', 'm.onnx', '--json=yes'], 'onnx-float16 inspect: --json does not take an argument; see "onnx-float16 inspect --help"'],
  ];
  for (const [argv, message] of cases) {
    const result = await run(...argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.equal(result.stderr, `${message}\n`, argv.join(' '));
    assert.equal(result.stdout, '');
  }
});

test('options with values still parse in every spelling once names are checked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 1, [2])], outputs: [valueInfo('y', 1, [2])] }));
  await saveModel(m, join(dir, 'm.onnx'));
  for (const argv of [['-o', join(dir, 'a.onnx')], [`-o${join(dir, 'b.onnx')}`], [`--output=${join(dir, 'c.onnx')}`], ['--output', join(dir, 'd.onnx'), '--to', 'bf16']]) {
    const result = await run('convert', join(dir, 'm.onnx'), ...argv, '--json');
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    assert.ok(existsSync(JSON.parse(result.stdout).output), argv.join(' '));
  }
});

test('convert writes its report to the stderr it is given, and external data only where the model needs it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  const m = model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 1, [2000])],
      outputs: [valueInfo('y', 1, [2000])],
      initializers: [tensor('w', [2000], new Float32Array(2000).fill(0.5))],
    }),
  );
  await saveModel(m, join(dir, 'inline.onnx'));
  await saveModel(m, join(dir, 'split.onnx'), { externalData: { location: 'split.weights' } });

  const inline = await run('convert', join(dir, 'inline.onnx'));
  assert.equal(inline.code, 0);
  assert.equal(inline.stdout, '');
  assert.match(inline.stderr, /inline\.onnx -> .*inline_fp16\.onnx \(float16\)/);
  assert.equal(existsSync(join(dir, 'inline_fp16.onnx.data')), false, 'a small self-contained model stays one file');

  const split = JSON.parse((await run('convert', join(dir, 'split.onnx'), '--json')).stdout);
  assert.equal(split.externalData, 'split_fp16.onnx.data', 'a model with external data keeps external data');
  assert.equal(split.outputBytes, readFileSync(join(dir, 'split_fp16.onnx')).byteLength + readFileSync(join(dir, 'split_fp16.onnx.data')).byteLength);

  const named = JSON.parse((await run('convert', join(dir, 'inline.onnx'), '-o', join(dir, 'named.onnx'), '--external-data=named.bin', '--json')).stdout);
  assert.equal(named.externalData, 'named.bin');
  assert.equal(readFileSync(join(dir, 'named.bin')).byteLength, 4000, 'the float16 weights');
});

test('convert shows progress for a large model while its one pass reads, converts and writes the weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-'));
  // 144 MiB of float32 weights, so that the output (72 MiB) is above the 64 MiB from which progress shows.
  const side = 6144;
  const weights = new Float32Array(side * side).fill(0.5);
  const input = join(dir, 'large.onnx');
  await saveModel(model(graph({ nodes: [node('MatMul', ['x', 'w'], ['y'])], inputs: [valueInfo('x', 1, [1, side])], outputs: [valueInfo('y', 1, [1, side])], initializers: [tensor('w', [side, side], weights)] })), input);
  const { code, stderr } = await run('convert', input);
  assert.equal(code, 0);
  const lines = stderr.split('\n');
  const passing = lines.filter((l) => l.startsWith(`converting ${input} to ${join(dir, 'large_fp16.onnx')}: `));
  const percents = passing.map((l) => Number(/: (\d+)%/.exec(l)![1]));
  // Plain lines at most every tenth, as the pass writes (in chunks of up to 16 MB), only forward.
  assert.ok(percents.length >= 5 && percents[0] === 0 && percents.at(-1) === 100, `progress from 0 to 100%:\n${passing.join('\n')}`);
  for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! > percents[i - 1]!, `only forward:\n${passing.join('\n')}`);
  assert.match(passing.at(-1)!, /\((75\.\d MB) of \1\)$/, 'ends at the whole output (half the float32 weights)');
});

test('progress redraws one line on a terminal stream and prints tenths elsewhere', () => {
  const terminal = collector(true);
  const tty = new Progress(terminal, 0);
  tty.update('writing', 50, 100);
  tty.update('writing', 100, 100);
  assert.match(terminal.text, /^\rwriting \[#{15}\.{15}\]  50% 50 B \/ 100 B\rwriting \[#{30}\] 100% 100 B \/ 100 B\n$/);
  const pipe = collector(false);
  const plain = new Progress(pipe, 0);
  for (const done of [10, 15, 20, 100]) plain.update('writing', done, 100);
  assert.equal(pipe.text, 'writing: 10% (10 B of 100 B)\nwriting: 20% (20 B of 100 B)\nwriting: 100% (100 B of 100 B)\n');
  const quiet = collector(false);
  new Progress(quiet).update('writing', 1, 100);
  assert.equal(quiet.text, '', 'small jobs show nothing');
});

test('--unknown-names: a misspelt name stops convert and auto (before any run) by default; warn converts and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-names-'));
  const path = join(dir, 'm.onnx');
  await saveModel(
    model(graph({ nodes: [node('Relu', ['x'], ['h'], {}, { name: 'relu1' }), node('Neg', ['h'], ['y'])], inputs: [valueInfo('x', 1, [2])], outputs: [valueInfo('y', 1, [2])] })),
    path,
  );
  const refused = await run('convert', path, '--node-block-list', 'relu_1');
  assert.deepEqual([refused.code, refused.stderr], [1, 'onnx-float16 convert: nodeBlockList names "relu_1", which matches no node name or address; did you mean "relu1"?\n']);
  assert.equal(existsSync(join(dir, 'm_fp16.onnx')), false);

  const warned = await run('convert', path, '--node-block-list', 'relu_1', '--unknown-names', 'warn');
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /^warning: nodeBlockList names "relu_1", which matches no node name or address; did you mean "relu1"\?$/m);
  assert.ok(existsSync(join(dir, 'm_fp16.onnx')));

  copyFileSync(path, join(dir, 'm2.onnx'));
  const batch = await run('convert', path, join(dir, 'm2.onnx'), '--out-dir', join(dir, 'out'), '--keep-io-types=yy', '--unknown-names', 'warn');
  assert.equal(batch.code, 0, batch.stderr);
  assert.equal(batch.stderr.match(/^ {2}warning: keepIoTypes names "yy", which matches no graph input or output; did you mean "y"\?$/gm)?.length, 2, 'a batch warns under each model');

  const auto = await run('auto', path, '--random', '--rtol', '1e-2', '--op-block-list', 'Reluu');
  assert.deepEqual([auto.code, auto.stderr], [1, 'onnx-float16 auto: opBlockList names "Reluu", which matches no operator; did you mean "Relu"?\n'], 'no attempt ran');

  const wrong = await run('convert', path, '--unknown-names', 'ignore');
  assert.deepEqual([wrong.code, wrong.stderr], [2, 'onnx-float16 convert: --unknown-names takes error or warn, got "ignore"; see "onnx-float16 convert --help"\n']);
});

test('auto --unknown-names warn: the search goes on past a misspelt --op-block-list name, warning once', { skip: RUNTIME_SKIP_CLI }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-float16-cli-auto-names-'));
  const path = join(dir, 'm.onnx');
  await saveModel(model(graph({ nodes: [node('Relu', ['x'], ['h']), node('Neg', ['h'], ['y'])], inputs: [valueInfo('x', 1, [2])], outputs: [valueInfo('y', 1, [2])] })), path);
  const result = await run('auto', path, '--random', '--rtol', '1e-2', '--op-block-list', 'Reluu', '--unknown-names', 'warn');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/warning: opBlockList names "Reluu"/g)?.length, 1, result.stderr);
  assert.ok(existsSync(join(dir, 'm_mixed.onnx')));
});
