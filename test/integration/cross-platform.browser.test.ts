/**
 * Same inputs and kernel build → bitwise-identical loss, gradient and Hv, and dense eigenpairs
 * (f64 runs), in Node and in Chromium.
 * The Node side runs in a child process started by the `nodeDigest` browser command
 * (vitest.config.ts); both sides run test/helpers/digest.ts.
 */
import { describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { relaxedSimdSupported } from '../../src/engine/wasm.js';
import { computeDigests } from '../helpers/digest.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    nodeDigest(build: string, precision: string): Promise<string>;
  }
}

describe('Node and Chromium give the same bits', () => {
  it('Chromium validates the relaxed-SIMD build (auto picks it here)', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });

  it.each([
    ['simd128', 'f32'],
    ['simd128', 'f64'],
    ['relaxed', 'f32'],
    ['relaxed', 'f64'],
  ] as const)('build %s, precision %s', async (build, precision) => {
    const browser = await computeDigests(build, precision);
    const node = JSON.parse(await commands.nodeDigest(build, precision)) as Record<string, string>;
    expect(Object.keys(browser).length).toBe(precision === 'f64' ? 9 : 6);
    expect(browser).toEqual(node);
  });
});
