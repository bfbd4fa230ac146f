#!/usr/bin/env node
// Serves the built playground (dist/demo/, see scripts/build-demo.mjs) on 127.0.0.1 only.
// Usage: node scripts/serve-demo.mjs [--port N] [--dir DIR]   (default port 8080, or $PORT; 0 = any free port)
// Also importable: serveDir(dir, port) → { url, close }.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm',
};

/** Serves the files under `dir` on 127.0.0.1:`port` (0: any free port). */
export async function serveDir(dir = join(root, 'dist/demo'), port = 0) {
  const base = resolve(dir);
  await stat(join(base, 'index.html')).catch(() => {
    throw new Error(`serve-demo: ${join(base, 'index.html')} not found; build the page first: npm run build:demo`);
  });
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = join(base, path.endsWith('/') || path.endsWith(sep) ? join(path, 'index.html') : path);
      if (file !== base && !file.startsWith(base + sep)) throw new Error('outside the served directory');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;
  return { url, close: () => new Promise((ok) => server.close(() => ok())) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  try {
    const { url } = await serveDir(arg('--dir') ?? join(root, 'dist/demo'), Number(arg('--port') ?? process.env.PORT ?? 8080));
    console.log(`hessian-lens playground: ${url}  (Ctrl-C stops)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
