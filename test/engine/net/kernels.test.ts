/**
 * The activation codes cross the wasm boundary by name: assembly/activations.ts exports each code
 * as the global ACT_<NAME>, and the engine's ACTIVATION_CODE table (src/engine/net/kernels.ts) must
 * give every activation of src/model/mlp.ts the same number. Independent because the two tables are
 * written in two languages and compared here through the compiled module's exports, in each build.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_CODE } from '../../../src/engine/net/kernels.js';
import { loadKernels, relaxedSimdSupported, type KernelBuild } from '../../../src/engine/wasm.js';
import { ACTIVATIONS } from '../../../src/model/mlp.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

describe.each(BUILDS)('kernel build %s', (build) => {
  it('exports ACT_<NAME> for exactly the activations the model accepts, with ACTIVATION_CODE\'s numbers', async () => {
    const exports = (await loadKernels(build)).exports as unknown as Record<string, unknown>;
    const wasmCodes = Object.fromEntries(
      Object.keys(exports)
        .filter((name) => name.startsWith('ACT_'))
        .map((name) => {
          const global = exports[name];
          expect(global).toBeInstanceOf(WebAssembly.Global);
          return [name.slice(4).toLowerCase(), (global as WebAssembly.Global).value as number];
        }),
    );
    expect(wasmCodes).toEqual({ ...ACTIVATION_CODE });
    expect(Object.keys(ACTIVATION_CODE).sort()).toEqual([...ACTIVATIONS].sort());
    expect(new Set(Object.values(ACTIVATION_CODE)).size).toBe(ACTIVATIONS.length);
  });
});
