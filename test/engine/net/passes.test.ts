/**
 * The per-chunk passes of a dense MLP (src/engine/net/passes.ts) run on their own, one chunk of
 * all samples in float64: forward's loss sum, backward's gradient sums (overwritten, then added
 * to) and the R-passes' Hv sums against the scalar float64 reference (src/reference/mlp.ts, itself
 * checked against PyTorch and finite differences), which shares no code with the GEMM kernels,
 * the R-operator or the buffer layout. DenseNet, which chunks and caches around them: dense-net.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../../src/data/dataset.js';
import { Arena } from '../../../src/engine/arena.js';
import { LayerVector, NetBuffers } from '../../../src/engine/net/buffers.js';
import { NetKernels } from '../../../src/engine/net/kernels.js';
import { Passes } from '../../../src/engine/net/passes.js';
import { loadKernels } from '../../../src/engine/wasm.js';
import { ACTIVATIONS, initParameters, mlpSpec, parameterCount } from '../../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../../src/model/rng.js';
import { referenceGradient, referenceHvp, referenceLoss } from '../../../src/reference/mlp.js';
import { relL2 } from '../../helpers/fixtures.js';

describe('Passes (f64, one chunk of 23 samples)', () => {
  it.each(ACTIVATIONS)('%s 3-6-5-3: forward, backward and the R-passes give n × the reference loss, gradient and Hv', async (activation) => {
    const k = (await loadKernels('simd128')).exports;
    const arena = new Arena(k);
    const spec = mlpSpec([3, 6, 5, 3], activation);
    const p = parameterCount(spec);
    const theta = initParameters(spec, 4).map((t) => 2 * t);
    const rng = new Rng(8);
    const n = 23;
    const data = makeDataset(Float32Array.from({ length: n * 3 }, () => rng.normal() * 1.5), Int32Array.from({ length: n }, (_, i) => i % 3), 3, 3);
    const b = new NetBuffers(arena, spec, data, { es: 8, chunk: n, cacheBytes: 2 ** 24, workBytes: k.gemmWorkspaceBytes(), what: 'a test net' });
    b.setParameters(theta);
    const passes = new Passes(new NetKernels(k, 'f64', activation, b.work), b);

    const lossSum = passes.forward(b.x.at(0), b.labels, n, 0);
    expect(Math.abs(lossSum - n * referenceLoss(spec, theta, data)) / lossSum).toBeLessThan(1e-13);

    const g = arena.f64(p);
    passes.backward(b.x.at(0), n, 0, { sums: new LayerVector(g, 8), into: 'set' });
    const expected = referenceGradient(spec, theta, data).map((x) => n * x);
    expect(relL2(arena.viewF64(g, p), expected)).toBeLessThan(1e-12);
    passes.backward(b.x.at(0), n, 0, { sums: new LayerVector(g, 8), into: 'add' });
    expect(relL2(arena.viewF64(g, p), expected.map((x) => 2 * x))).toBeLessThan(1e-12);

    const v = gaussianVector(3, p);
    b.setDirection(v);
    const hv = arena.f64(p);
    passes.rPass(b.x.at(0), n, 0, new LayerVector(hv, 8));
    expect(relL2(arena.viewF64(hv, p), referenceHvp(spec, theta, data, v).map((x) => n * x))).toBeLessThan(1e-12);
  });
});
