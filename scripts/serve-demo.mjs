#!/usr/bin/env node
// Serves the built playground (dist/demo/, see scripts/build-demo.mjs) on 127.0.0.1 only.
// Usage: node scripts/serve-demo.mjs [--port N] [--dir DIR]   (default port 8080, or $PORT; 0 = any free port)
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = resolve(arg('--dir') ?? join(root, 'dist/demo'));
const port = Number(arg('--port') ?? process.env.PORT ?? 8080);

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm',
};

try {
  await stat(join(dir, 'index.html'));
} catch {
  console.error(`serve-demo: ${join(dir, 'index.html')} not found; build the page first: npm run build:demo`);
  process.exit(1);
}

const server = createServer(async (req, res) => {
  try {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path.endsWith('/') || path === sep ? join(path, 'index.html') : path);
    if (file !== dir && !file.startsWith(dir + sep)) throw new Error('outside the served directory');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`hessian-lens playground: http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/  (Ctrl-C stops)`);
});
