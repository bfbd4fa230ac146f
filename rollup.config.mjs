// dist/ from tsc's output in build/tsc (tsc type-checks and emits; rollup bundles), in two
// variants that differ only in the platform adapter bound to the source's `#platform` import:
//   dist/       browsers and bundlers (package.json `exports` condition `default`): adapter-browser,
//               no `node:` specifier anywhere (the build fails if one slips in);
//   dist/node/  Node (condition `node`): adapter-node, and the CLI (dist/cli.js) on top of it.
// Each variant's worker (dist/worker.js, dist/node/worker.js) is one self-contained file, so a
// bundler's worker format (Vite's iife) holds it, and it can be copied next to a bundle alone.
// Every dependency is bundled: dist/index.js works from a static file server with no import map.
import { chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dts } from 'rollup-plugin-dts';

/**
 * Makes the CLI executable. npm sets the mode when it links a bin, but `npx hessian-lens` in this
 * repository reuses that link after a rebuild, and a freshly written dist/cli.js (mode 644) then
 * fails with "Permission denied".
 */
const executableCli = {
  name: 'executable-cli',
  async writeBundle(options, bundle) {
    for (const [file, chunk] of Object.entries(bundle)) {
      if (chunk.type === 'chunk' && chunk.name === 'cli') await chmod(join(options.dir, file), 0o755);
    }
  },
};

/** Binds `#platform` to one adapter; in the browser variant, refuses any `node:` import. */
function platform(name) {
  return {
    name: `platform-${name}`,
    resolveId(id, importer) {
      if (id === '#platform') return resolve(`build/tsc/engine/adapter-${name}.js`);
      if (name === 'browser' && id.startsWith('node:')) this.error(`${importer} imports '${id}': the browser build must not mention node:*`);
      return null;
    },
  };
}

/** dist/node/*.d.ts: the Node variant has the browser variant's API, so its types are those. */
const nodeDeclarations = {
  name: 'node-declarations',
  generateBundle() {
    for (const entry of ['index', 'report']) {
      this.emitFile({ type: 'asset', fileName: `node/${entry}.d.ts`, source: `export * from '../${entry}.js';\n` });
    }
  },
};

const plugins = (name) => [platform(name), nodeResolve({ browser: name === 'browser', preferBuiltins: name === 'node' })];
const external = (id) => id.startsWith('node:');
const worker = (dir, name) => ({
  input: 'build/tsc/engine/worker.js',
  output: { file: `${dir}/worker.js`, format: 'es' },
  external,
  plugins: plugins(name),
});

export default [
  {
    input: { index: 'build/tsc/index.js', report: 'build/tsc/report/index.js' },
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: plugins('browser'),
  },
  worker('dist', 'browser'),
  {
    input: { 'node/index': 'build/tsc/index.js', 'node/report': 'build/tsc/report/index.js', cli: 'build/tsc/cli/main.js' },
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      // the Node adapter finds its worker as new URL('./worker.js', import.meta.url): its chunk sits in dist/node/
      chunkFileNames: 'node/[name]-[hash].js',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    external,
    plugins: [...plugins('node'), executableCli, nodeDeclarations],
  },
  worker('dist/node', 'node'),
  {
    input: { index: 'build/tsc/index.d.ts', report: 'build/tsc/report/index.d.ts' },
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'types-[hash].d.ts' },
    external,
    plugins: [dts()],
  },
];
