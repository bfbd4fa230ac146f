// dist/ for Node and browsers from tsc's output in build/tsc (tsc type-checks and emits; rollup
// bundles). Every dependency is bundled, so dist/index.js works from a static file server with no
// import map, in Node, and in bundlers. Node-only modules are reached only through dynamic
// import() inside the Node adapters, never at load time on the browser path.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
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

const external = (id) => id.startsWith('node:');

export default [
  {
    input: {
      index: 'build/tsc/index.js',
      worker: 'build/tsc/engine/worker.js',
      cli: 'build/tsc/cli/main.js',
    },
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      // flat: the worker is found as new URL('./worker.js', import.meta.url) from any chunk
      chunkFileNames: '[name]-[hash].js',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    external,
    plugins: [nodeResolve({ browser: false, preferBuiltins: true }), executableCli],
  },
  {
    input: 'build/tsc/index.d.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    external,
    plugins: [dts()],
  },
];
