/**
 * Node-side helpers for tests that drive Debian's Chromium through playwright-core (with
 * `executablePath`, never a downloaded browser) against pages served from this repository by a
 * small static server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
/** Path of a usable Chromium, or undefined. */
export const chromiumPath = CANDIDATES.find((p): p is string => !!p && existsSync(p));
export const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** Whether browser tests can run; under CI a missing browser is an error, elsewhere a loud skip. */
export function browserAvailable(): boolean {
  if (chromiumPath) return true;
  if (inCi) throw new Error('Chromium not found: browser tests are mandatory under CI=true');
  console.warn('!!! BROWSER TESTS SKIPPED: Chromium not found (install Debian\'s `chromium`)');
  return false;
}

/** Launches headless Chromium with flags that keep it off the network. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.css': 'text/css', '.csv': 'text/csv', '.safetensors': 'application/octet-stream', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** A static file server for the repository on 127.0.0.1 (random port). */
export async function serveRepo(root = repoRoot): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
      if (!file.startsWith(root)) throw new Error('outside root');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}
