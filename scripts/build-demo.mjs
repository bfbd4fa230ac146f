#!/usr/bin/env node
// Builds the playground page into dist/demo/: esbuild bundles demo/main.ts (the page),
// demo/analysis-worker.ts (the page's module Worker, which imports the library from src/) and
// src/engine/worker.ts (the library's pool worker) as ES modules with code splitting, so the
// library's `new URL('./worker.js', import.meta.url)` resolves to dist/demo/worker.js from any
// chunk; then copies demo/index.html. Everything is local: the page works offline once loaded.
// Usage: node scripts/build-demo.mjs [--outdir DIR]   (also importable: buildDemo({ outdir }))
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the demo; returns the output directory and the files written. */
export async function buildDemo({ outdir = join(root, 'dist/demo'), minify = true } = {}) {
  if (!existsSync(join(root, 'src/engine/kernels.generated.ts'))) {
    // the wasm kernels are inlined from a generated module (npm run build:wasm)
    const r = spawnSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build-demo: building the wasm kernels failed');
  }
  const { build } = await import('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      main: 'demo/main.ts',
      'analysis-worker': 'demo/analysis-worker.ts',
      worker: 'src/engine/worker.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // no external: src/ reaches Node's modules only through `#platform`, whose package.json
    // `imports` entry gives this browser build src/engine/adapter-browser.ts (condition `default`)
    // flat, like dist/: the library finds its worker as new URL('./worker.js', import.meta.url) from any chunk
    chunkNames: '[name]-[hash]',
    minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'demo/index.html'), join(outdir, 'index.html'));
  return { outdir, files: Object.keys(result.metafile.outputs) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const t0 = performance.now();
  const { outdir, files } = await buildDemo(i > 0 ? { outdir: resolve(process.argv[i + 1]) } : {});
  console.log(`demo built into ${outdir} (${files.length} files, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
