/**
 * The package as users install it: built from this checkout into a scratch copy, packed with
 * `npm pack --dry-run`, then resolved the way TypeScript resolves it for Node and for browsers.
 * Source maps are not shipped (the build writes none), so nothing points at sources left out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
  scripts: Record<string, string>;
};

let packageDir = '';
let packed: string[] = [];

before(() => {
  packageDir = join(mkdtempSync(join(tmpdir(), 'onnx-float16-pack-')), 'onnx-float16');
  mkdirSync(packageDir);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'bin']) cpSync(join(ROOT, entry), join(packageDir, entry), { recursive: true });
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(packageDir, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageDir, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  packed = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
});

test('a git install or npm pack builds dist first (prepare)', () => {
  assert.match(manifest.scripts.prepare ?? '', /npm run build/);
  assert.match(manifest.scripts.build!, /tsc -p tsconfig\.build\.json/);
});

test('npm pack ships the license, the built entries with their types and the CLI, and no source maps or tests', () => {
  for (const file of ['LICENSE', 'README.md', 'package.json', 'bin/onnx-float16.js', 'dist/cli/main.js']) assert.ok(packed.includes(file), file);
  for (const entry of ['index', 'node', 'low-level']) {
    assert.ok(packed.includes(`dist/${entry}.js`), entry);
    assert.ok(packed.includes(`dist/${entry}.d.ts`), entry);
  }
  assert.deepEqual(packed.filter((path) => path.endsWith('.map')), []);
  assert.deepEqual(packed.filter((path) => /\.test\./.test(path)), []);
  assert.deepEqual(packed.filter((path) => !/^(dist|bin)\//.test(path) && !['LICENSE', 'README.md', 'package.json'].includes(path)), []);
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} onnx-float16 contributors\n/);
});

test('every file the exports map names is in the package, package.json included', () => {
  const targets: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  assert.ok(manifest.exports['./package.json']);
  assert.ok(targets.length >= 9);
  for (const target of targets) assert.ok(packed.includes(target), target);
});

test('TypeScript resolves the root to the Node types in Node and to the browser types under the browser condition', () => {
  const consumer = join(dirname(packageDir), 'consumer');
  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  symlinkSync(packageDir, join(consumer, 'node_modules', 'onnx-float16'), 'dir');
  const resolveFrom = (specifier: string, options: ts.CompilerOptions) => {
    const found = ts.resolveModuleName(specifier, join(consumer, 'app.ts'), options, ts.sys).resolvedModule?.resolvedFileName;
    return found === undefined ? undefined : found.slice(found.lastIndexOf('dist/'));
  };
  const node: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
  const bundler: ts.CompilerOptions = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
  assert.equal(resolveFrom('onnx-float16', node), 'dist/node.d.ts');
  assert.equal(resolveFrom('onnx-float16', { ...bundler, customConditions: ['browser'] }), 'dist/index.d.ts');
  assert.equal(resolveFrom('onnx-float16', bundler), 'dist/index.d.ts', 'a bundler without the node condition gets the browser-safe types');
  assert.equal(resolveFrom('onnx-float16/low-level', { ...bundler, customConditions: ['browser'] }), 'dist/low-level.d.ts');
  assert.equal(resolveFrom('onnx-float16/low-level', node), 'dist/low-level.d.ts');
});

test('the packed CLI runs from dist and reports the package version', () => {
  // The dependencies an install would bring, borrowed from this checkout.
  symlinkSync(join(ROOT, 'node_modules'), join(packageDir, 'node_modules'), 'dir');
  const result = spawnSync(process.execPath, [join(packageDir, 'bin/onnx-float16.js'), '--version'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `${manifest.version}\n`);
});
