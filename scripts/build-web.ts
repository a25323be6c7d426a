// Builds the browser page into dist-web/: a static site (index.html, bundled scripts, styles and
// onnxruntime-web's WebAssembly files), every URL relative, so any static host can serve it.
// Type-checks web/ first; esbuild bundles the page and its Web Worker.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist-web');

const typecheck = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'web/tsconfig.json')], { stdio: 'inherit' });
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'ort'), { recursive: true });
await build({
  entryPoints: { main: join(root, 'web/main.ts'), worker: join(root, 'web/worker.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: true,
  sourcemap: true,
  target: 'chrome113',
  platform: 'browser',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'web', file), join(out, file));
// onnxruntime-web loads its WebAssembly from the site itself (ort.env.wasm.wasmPaths = "ort/"), never from a CDN.
const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
for (const file of readdirSync(ortDist)) {
  if (/^ort-wasm-simd-threaded\.asyncify\.(wasm|mjs)$/.test(file)) copyFileSync(join(ortDist, file), join(out, 'ort', file));
}
console.log(`built ${out}`);
