/**
 * DenseNet's cache rows (src/engine/dense-net.ts). The reference is a fresh net: whatever ran
 * before, an Hv must give the bits of a net that has run nothing but that Hv at the same θ. (The
 * passes themselves against the float64 reference: engine.test.ts and net/passes.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { curvatureElementsPerSample, DenseNet } from '../../src/engine/dense-net.js';
import { loadKernels } from '../../src/engine/wasm.js';
import { initParameters, mlpSpec, parameterCount, type Activation } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';

function randomData(n: number, d: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d).map(() => rng.normal() * 1.5);
  const y = Int32Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
  return makeDataset(x, y, d, classes);
}

describe.each<Activation>(['tanh', 'relu', 'gelu'])('DenseNet cache rows (%s)', (activation) => {
  it.each([['every sample', undefined], ['some chunks', 2.5], ['no chunk', 0]] as const)(
    'an Hv after any other pass gives the bits of a fresh net (%s cached)', async (_, chunksCached) => {
      const kernels = await loadKernels('simd128');
      const spec = mlpSpec([3, 7, 5, 3], activation);
      const p = parameterCount(spec);
      const data = randomData(150, 3, 3, 4);
      const chunkSize = 32;
      const chunkBytes = curvatureElementsPerSample(spec) * 4 * chunkSize;
      const options = { chunkSize, cacheBytes: chunksCached === undefined ? undefined : chunksCached * chunkBytes };
      const thetas = [initParameters(spec, 1), initParameters(spec, 2)];
      const v = gaussianVector(5, p);
      const fresh = (theta: Float32Array): number[] => {
        const net = new DenseNet(kernels, spec, data, options);
        net.setParameters(theta);
        const out = new Float64Array(p);
        net.hvpSums(v, out);
        return Array.from(out);
      };
      const expected = thetas.map(fresh);
      const net = new DenseNet(await loadKernels('simd128'), spec, data, options);
      const hv = (): number[] => {
        const out = new Float64Array(p);
        net.hvpSums(v, out);
        return Array.from(out);
      };
      const passes: [string, () => void][] = [
        ['forward', () => net.forwardSums()],
        ['gradient', () => net.gradientSums(new Float64Array(p))],
        ['mini-batch gradient', () => net.gradientSumsOn([5, 140, 7, 7, 33], new Float64Array(p))],
        ['per-sample products (predicted)', () => net.perSampleProducts([v])],
        ['per-sample gradients (predicted)', () => net.perSampleGradients()],
        ['per-sample gradients (true)', () => net.perSampleGradients('true')],
        ['Hv along another direction', () => net.hvpSums(gaussianVector(6, p), new Float64Array(p))],
      ];
      for (const [t, theta] of thetas.entries()) {
        net.setParameters(theta);
        expect(hv(), `first Hv at θ${t}`).toEqual(expected[t]);
        for (const [name, pass] of passes) {
          pass();
          expect(hv(), `Hv at θ${t} after ${name}`).toEqual(expected[t]);
        }
      }
    });
});
