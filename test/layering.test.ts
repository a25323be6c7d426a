/**
 * The structure of src/, read from every file's imports:
 *
 * 1. Layers import only downward: numeric → proto → ir → schema → convert → mixed → entries
 *    (index.ts, node.ts, low-level.ts) → cli. Beside the chain: runtime (onnxruntime adapters,
 *    feeds) sits on proto; io (Node files) on proto and runtime; inspect on schema. dtype.ts,
 *    errors.ts and closest-name.ts are the ground every layer stands on. The CLI imports only the entries: it is a
 *    client of the public API. Tests follow their folder's rule and may also use test/ helpers.
 * 2. The browser-safe core (everything except io, cli, node.ts, runtime/node-runtime.ts and
 *    mixed/node-auto.ts) imports no `node:` module, no package but the runtime dependencies, and
 *    no Node-only file, so the browser entries (index.ts, low-level.ts) bundle for the web.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '..');
const SRC = join(ROOT, 'src');

type Layer = 'ground' | 'numeric' | 'proto' | 'ir' | 'schema' | 'convert' | 'mixed' | 'runtime' | 'io' | 'inspect' | 'entries' | 'cli';

const BELOW_CONVERT: Layer[] = ['ground', 'numeric', 'proto', 'ir', 'schema'];
/** The layers each layer may import besides itself. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  ground: [],
  numeric: ['ground'],
  proto: ['ground', 'numeric'],
  ir: ['ground', 'numeric', 'proto'],
  schema: ['ground', 'numeric', 'proto', 'ir'],
  convert: BELOW_CONVERT,
  mixed: [...BELOW_CONVERT, 'convert', 'runtime'],
  runtime: ['ground', 'numeric', 'proto'],
  io: ['ground', 'numeric', 'proto', 'runtime'],
  inspect: BELOW_CONVERT,
  entries: ['ground', 'numeric', 'proto', 'ir', 'schema', 'convert', 'mixed', 'runtime', 'io', 'inspect'],
  cli: ['entries'],
};

const GROUND_FILES = ['dtype.ts', 'errors.ts', 'closest-name.ts'];
const NODE_ONLY_FILES = ['node.ts', 'runtime/node-runtime.ts', 'mixed/node-auto.ts'];
const NODE_ONLY_FOLDERS = ['io', 'cli'];
const RUNTIME_DEPENDENCIES = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

function layerOf(file: string): Layer {
  const path = relative(SRC, file).split(sep).join('/');
  if (GROUND_FILES.includes(path.replace(/\.test\.ts$/, '.ts'))) return 'ground';
  if (path === 'index.ts' || path === 'node.ts' || path === 'low-level.ts') return 'entries';
  const folder = path.split('/')[0]!;
  if (!(folder in MAY_IMPORT)) throw new Error(`${path}: src/${folder} is in no layer; add it to test/layering.test.ts`);
  return folder as Layer;
}

function isNodeOnly(file: string): boolean {
  const path = relative(SRC, file).split(sep).join('/');
  return NODE_ONLY_FILES.includes(path) || NODE_ONLY_FOLDERS.includes(path.split('/')[0]!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, statically or with import(). */
export function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[1]!);
  for (const match of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[1]!);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

/**
 * Imports that run against the layers today, each to be fixed in its owner's file (a fixed one
 * must leave this list: the test fails on a stale entry too).
 */
const KNOWN_VIOLATIONS: string[] = [];

const FILES = sourceFiles(SRC);
const isTest = (file: string) => file.endsWith('.test.ts');

test('import extraction sees multi-line, type-only, side-effect and dynamic imports', () => {
  const source = [
    "import {\n  a,\n  b,\n} from './multi.js';",
    "import type { T } from '../types.js';",
    "export { c } from './re-export.js';",
    "export * from './star.js';",
    "import './side-effect.js';",
    'const m = await import("onnxruntime-node");',
    "const text = 'not an import from \"x\"';",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), ['../types.js', './multi.js', './re-export.js', './side-effect.js', './star.js', 'onnxruntime-node'].sort());
});

test('every import in src/ runs down the layers (or stays in its own layer)', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const file of FILES) {
    const from = layerOf(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      checked++;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!target.startsWith(SRC + sep)) {
        if (isTest(file) && relative(ROOT, target).startsWith(`test${sep}`)) continue;
        violations.push(`${relative(ROOT, file)} imports ${specifier}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && !MAY_IMPORT[from].includes(to)) violations.push(`${relative(ROOT, file)} (${from}) imports ${relative(ROOT, target)} (${to})`);
    }
  }
  assert.deepEqual(violations, KNOWN_VIOLATIONS);
  assert.ok(checked > 300, `${checked} imports checked`);
});

test('the browser-safe core imports no node: module, no Node-only file and no package but the runtime dependencies', () => {
  const violations: string[] = [];
  const core = FILES.filter((file) => !isTest(file) && !isNodeOnly(file));
  for (const file of core) {
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (isNodeOnly(target)) violations.push(`${relative(ROOT, file)} imports the Node-only ${relative(ROOT, target)}`);
      } else if (!RUNTIME_DEPENDENCIES.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
        violations.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
  }
  assert.deepEqual(violations, []);
  const entries = core.map((file) => relative(SRC, file));
  assert.ok(entries.includes('index.ts') && entries.includes('low-level.ts'), 'both browser entries are core');
  assert.ok(core.length > 50, `${core.length} core files checked`);
});
