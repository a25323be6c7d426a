/**
 * One fuzz case, a pure function of (seed, index): a model from the corpus, mutated, written to
 * the case's folder (sometimes with external data, a symbolic link and a file outside the
 * folder to tempt hostile references), and the CLI commands to run on it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { loadModel } from '../../src/io/load-model.js';
import { saveModel } from '../../src/io/save-model.js';
import { ModelProtoSchema, TensorProtoSchema } from '../../src/proto/onnx.js';
import { graph, model, node, tensor, valueInfo } from '../../test/model-builder.js';
import { npyFile, zipFile } from '../../test/numpy-files.js';
import { BYTE_MUTATIONS, MODEL_MUTATIONS, mutateModel, type ByteMutation, type ModelMutation } from './mutate.js';
import { Random } from './random.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TESTDATA = '/usr/share/libonnx-testdata/data';

/** The models mutated: real models (../shared/models, examples/) and libonnx-testdata, in a fixed order. */
export function corpus(): { real: string[]; testdata: string[] } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(dir, f)) : []);
  const real = [...list(join(ROOT, '../shared/models')), ...list(join(ROOT, 'examples'))];
  const testdata: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'model.onnx') testdata.push(path);
    }
  };
  if (existsSync(TESTDATA)) walk(TESTDATA);
  return { real, testdata };
}

export interface PreparedCase {
  description: string;
  /** CLI commands, run in order; outputs of `convert` are checked with `inspect --types`. */
  commands: string[][];
  /** Output files of the commands (their change is expected). */
  outputs: string[];
  /** Folders whose files must stay byte-identical, except `outputs`. */
  watched: string[];
}

const BYTE_KINDS = Object.keys(BYTE_MUTATIONS) as ByteMutation[];
const MODEL_KINDS = Object.keys(MODEL_MUTATIONS) as ModelMutation[];

/** Writes case `index` of `seed` under `dir` and returns what to run. */
export async function prepareCase(seed: number, index: number, dir: string, models = corpus()): Promise<PreparedCase> {
  const rng = Random.forCase(seed, index);
  const caseDir = join(dir, 'm');
  const outDir = join(dir, 'out');
  const outside = join(dir, 'outside');
  for (const d of [caseDir, outDir, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret.bin'), new Uint8Array(4096).fill(7));
  symlinkSync(join(outside, 'secret.bin'), join(caseDir, 'link.bin'));
  const watched = [caseDir, outside];
  if (rng.chance(0.12)) return prepareAutoCase(rng, caseDir, outDir, watched);

  const source = models.real.length > 0 && rng.chance(0.25) ? rng.pick(models.real) : rng.pick(models.testdata.length > 0 ? models.testdata : models.real);
  let bytes: Uint8Array = readFileSync(source);
  const applied: string[] = [];
  for (let n = rng.chance(0.2) ? 2 : 1; n > 0; n--) {
    if (rng.chance(0.45)) {
      const kind = rng.pick(BYTE_KINDS);
      bytes = BYTE_MUTATIONS[kind](bytes, rng);
      applied.push(kind);
    } else {
      const kind = rng.pick(MODEL_KINDS);
      const mutated = mutateModel(bytes, kind, rng, { linkName: 'link.bin', outsideRelative: relative(caseDir, join(outside, 'secret.bin')) });
      if (mutated) {
        bytes = mutated;
        applied.push(kind);
      }
    }
  }
  const modelPath = join(caseDir, 'model.onnx');
  let dataFile: string | undefined;
  writeFileSync(modelPath, bytes);
  if (rng.chance(0.2)) {
    // Re-save with external data where the mutated model still loads.
    try {
      const loaded = await loadModel(modelPath);
      const staged = join(caseDir, 'staged.onnx');
      await saveModel(loaded, staged, { externalData: { location: 'weights.bin', sizeThreshold: 16 } });
      writeFileSync(modelPath, readFileSync(staged));
      dataFile = 'weights.bin';
      applied.push('externalData');
    } catch {
      // not loadable: keep it embedded
    }
  }
  const out = join(outDir, 'out.onnx');
  const convert = rng.pick([
    ['convert', modelPath, '-o', out],
    ['convert', modelPath, '-o', out, '--keep-io-types'],
    ['convert', modelPath, '-o', out, '--to', 'bfloat16'],
    ['convert', modelPath, '-o', out, '--external-data'],
    ['convert', modelPath, '-o', out, '--to', 'bfloat16', '--keep-io-types', '--external-data'],
    ['convert', modelPath, '-o', modelPath],
    ['convert', modelPath, '-o', join(caseDir, 'out.onnx'), `--external-data=${dataFile ?? 'model.onnx'}`],
  ]);
  const inspect = rng.pick([['inspect', modelPath], ['inspect', '--types', modelPath], ['inspect', '--json', modelPath]]);
  const inPlace = convert[3] === modelPath;
  const outputs = inPlace ? [modelPath, join(caseDir, 'model.onnx.data'), ...(dataFile ? [join(caseDir, dataFile)] : [])] : [];
  return {
    description: `${source.startsWith(ROOT) ? relative(ROOT, source) : source} mutated by ${applied.join('+') || 'nothing'}`,
    commands: [inspect, convert],
    outputs,
    watched: inPlace ? watched : [caseDir, outside],
  };
}

/** `auto` on a small model, with a mutated feed file (.npy, .npz, test-data .pb, JSON) or --random. */
function prepareAutoCase(rng: Random, caseDir: string, outDir: string, watched: string[]): PreparedCase {
  const m = model(
    graph({
      nodes: [node('Mul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
      inputs: [valueInfo('x', 1, [1, 8])],
      outputs: [valueInfo('y', 1, [1, 8])],
      initializers: [tensor('w', [8], [0.5, -1, 2, 3, -4, 5, 6, 1e-3])],
    }),
  );
  const modelPath = join(caseDir, 'small.onnx');
  writeFileSync(modelPath, toBinary(ModelProtoSchema, m));
  {
    const kind = rng.pick(['npy', 'npz', 'pb', 'json', 'random'] as const);
    const values = new Float32Array(8).map(() => rng.next() * 2 - 1);
    let feed: Uint8Array;
    let feedPath = join(caseDir, `feeds.${kind}`);
    if (kind === 'npy' || kind === 'npz') {
      const npy = npyFile(rng.pick(['<f4', '<f8', '|O', '<i8', '>f4', '<c8']), rng.pick([[1, 8], [8], [1, 1000000], [2 ** 40]]), new Uint8Array(values.buffer));
      feed = kind === 'npy' ? npy : zipFile(rng.pick(['x.npy', 'y.npy', '../x.npy']), npy, { declaredSize: rng.chance(0.3) ? rng.pick([0, 2 ** 31, 2 ** 32 - 1]) : npy.length });
    } else if (kind === 'pb') {
      feedPath = join(caseDir, 'test_data_set_0');
      mkdirSync(feedPath);
      const t = create(TensorProtoSchema, { name: 'x', dims: [1n, 8n], dataType: 1, rawData: new Uint8Array(values.buffer) });
      feed = toBinary(TensorProtoSchema, t);
    } else {
      feed = new TextEncoder().encode(JSON.stringify(rng.chance(0.5) ? { x: [Array.from(values)] } : { x: { type: rng.pick(['float32', 'int64', 'string']), dims: [1, 8], data: Array.from(values) } }));
    }
    if (kind !== 'random' && rng.chance(0.7)) feed = rng.pick([BYTE_MUTATIONS.byteFlip, BYTE_MUTATIONS.truncate])(feed, rng);
    if (kind === 'pb') writeFileSync(join(feedPath, 'input_0.pb'), feed);
    else if (kind !== 'random') writeFileSync(feedPath, feed);
    const feeds = kind === 'random' ? ['--random', '--seed', String(rng.int(100))] : ['--feeds', feedPath];
    return {
      description: `auto with ${kind} feeds`,
      commands: [['auto', modelPath, '-o', join(outDir, 'auto.onnx'), ...feeds, '--rtol', '0.01', '--atol', '0.001']],
      outputs: [],
      watched,
    };
  }
}



/** sha256 of every file under `dirs` (following the folder tree, not links). */
export function hashFiles(dirs: readonly string[]): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) hashes.set(path, createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  dirs.forEach(walk);
  return hashes;
}
