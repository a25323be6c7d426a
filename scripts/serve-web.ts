// Serves dist-web/ on 127.0.0.1 (`npm run web`), with the headers that make the page
// cross-origin isolated (so onnxruntime-web may use threads). Also used by the browser tests.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Starts a static server for `folder`; resolves to { server, url } once listening. */
export function serveStatic(folder: string, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(folder, path.endsWith('/') ? `${path}index.html` : path));
    let size: number;
    try {
      if (!file.startsWith(normalize(folder) + sep)) throw new Error('outside');
      size = statSync(file).size;
    } catch {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const folder = join(fileURLToPath(new URL('..', import.meta.url)), 'dist-web');
  try {
    statSync(join(folder, 'index.html'));
  } catch {
    console.error('dist-web/ is not built: run npm run build:web first');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await serveStatic(folder, port);
  console.log(`onnx-float16 page: ${url} (Ctrl+C to stop)`);
}
