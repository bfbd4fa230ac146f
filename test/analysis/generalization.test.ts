/**
 * ε from random directions and the generalization measure G (src/analysis/generalization.ts)
 * against the PyTorch fixtures; G over all p eigenvectors from the eigenvectors and from the
 * dense path's projections (Ĝ·Q)·S.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  alignment,
  generalization,
  generalizationAll,
  generalizationFromProjections,
  normalizedRows,
  generalizationMeasure,
  randomDirectionEpsilon,
} from '../../src/analysis/index.js';
import { createEngine, type Model } from '../../src/engine/engine.js';
import { InputError, ShapeError } from '../../src/errors.js';
import { denseHessianProjection, denseHessianSpectrum } from '../../src/hessian/dense.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { FIXTURE_CASES, loadFixture, relL2 } from '../helpers/fixtures.js';
import { bound, closeSessions, expectJsonRecord, getEngine, randomData } from '../helpers/analysis.js';

afterEach(closeSessions);

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  it('ε from 100 random directions (seed 1000) reproduces the fixture; G for k = C and k = 10 matches', async () => {
    const { model: bytes, csv, ref } = await loadFixture(name);
    const model = loadMlp(bytes);
    const data = parseCsv(csv);
    const engine = await getEngine();
    const eps = await randomDirectionEpsilon(await bound(model, data), { directions: 100, seed: 1000 });
    expect(eps.directions).toBe(100);
    expect(eps.seed).toBe(1000);
    expect(Math.abs(eps.value - ref.epsilon.value) / ref.epsilon.value).toBeLessThan(0.1);
    // in fact the same directions, so ~exact
    expect(Math.abs(eps.value - ref.epsilon.value) / ref.epsilon.value).toBeLessThan(1e-4);
    const perDirection = ref.epsilon.per_direction_mean_abs as number[];
    expect(relL2(eps.perDirection, perDirection)).toBeLessThan(1e-4);

    const C = ref.num_classes;
    for (const k of [C, 10]) {
      const refG = ref.G[String(k)]!;
      const res = await generalization(await bound(model, data), ref.top10_eigenvectors.slice(0, k), { directions: 100, seed: 1000 });
      expect(res.over).toBe(`top-k = ${k}`);
      expect(res.variant).toBe('meanAbs');
      expect(res.k).toBe(k);
      expect(res.epsilon.method).toBe('random-directions');
      // every eigenvector the reference calls clearly above or below ε is called the same here
      let clear = 0;
      for (let i = 0; i < k; i++) {
        const mRef = ref.mean_abs_alignment[i]!;
        if (Math.abs(mRef - ref.epsilon.value) < 2e-3) continue;
        clear++;
        expect(res.m[i]! > res.epsilon.value).toBe(mRef > ref.epsilon.value);
      }
      if (clear === k) expect(res.G).toBe(refG);
      expect(res['G_at_1e-6']).toBe(1);
      expectJsonRecord(res);
    }
  });
});

describe('generalization measure G', () => {
  it('counts m > ε by default and m ≥ ε with the paper\'s comparison; ε may be a record', () => {
    const m = [0.5, 0.1, 0.2, 0.05];
    expect(generalizationMeasure(m, 0.1)).toBe(0.5);
    expect(generalizationMeasure(m, 0.1, { comparison: '>=' })).toBe(0.75);
    expect(generalizationMeasure(m, 1e-6)).toBe(1);
    expect(() => generalizationMeasure([], 0.1)).toThrow(InputError);
    expect(() => generalizationMeasure(m, Number.NaN)).toThrow(InputError);
  });

  it('over all p eigenvectors (dense path) is labelled as such; maxAbs and a fixed ε are named options', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([2, 5, 3], 'tanh');
    const model: Model = { spec, theta: initParameters(spec, 3) };
    const data = randomData(40, 2, 3, 7);
    const p = parameterCount(spec);
    const spectrum = await denseHessianSpectrum((await bound(model, data)).hessian(), { vectors: p });
    const all = await generalizationAll(await bound(model, data), spectrum, { seed: 5 });
    expect(all.over).toBe('all p eigenvectors (dense)');
    expect(all.k).toBe(p);
    expect(all.m).toHaveLength(p);
    expect(all.epsilon.directions).toBe(5);
    // G counts the m_i above ε
    expect(all.aligned).toBe(all.m.filter((m) => m > all.epsilon.value).length);
    // m_i agrees with a direct alignment call
    const direct = await alignment(await bound(model, data), spectrum.eigenvectors.slice(0, 3));
    for (let i = 0; i < 3; i++) expect(Math.abs(direct.meanAbs[i]! - all.m[i]!)).toBeLessThan(1e-12);
    const maxAbs = await generalization(await bound(model, data), spectrum.eigenvectors.slice(0, 4), { statistic: 'maxAbs', epsilon: 0.5 });
    expect(maxAbs.variant).toBe('maxAbs');
    expect(maxAbs.epsilon).toMatchObject({ value: 0.5, method: 'fixed', directions: 0, seed: null });
    for (let i = 0; i < 3; i++) expect(Math.abs(maxAbs.m[i]! - direct.maxAbs[i]!)).toBeLessThan(1e-12);
    expect(maxAbs.G).toBe(maxAbs.m.filter((m) => m > 0.5).length / 4);
    await expect(generalization(await bound(model, data), spectrum.eigenvectors.slice(0, 4), { over: 'all' })).rejects.toThrow(ShapeError);
  });

  it('over all p eigenvectors from projections (Ĝ·Q)·S equals the same from the eigenvectors', async () => {
    // f64 kernels, so both routes see the same per-sample gradients to rounding
    const engine = await createEngine({ threads: 1, precision: 'f64' });
    const spec = mlpSpec([2, 6, 3], 'relu');
    const model: Model = { spec, theta: initParameters(spec, 4) };
    const data = randomData(50, 2, 3, 8);
    const p = parameterCount(spec);
    const session = await engine.session(model, data);
    const op = session.hessian();
    const spectrum = await denseHessianSpectrum(op, { vectors: p });
    const fromVectors = await generalizationAll(session, spectrum, { seed: 5 });
    const rows = normalizedRows(await session.perSampleGradients(), data.n, p);
    const { spectrum: values, projections } = await denseHessianProjection(op, rows);
    expect(values.eigenvalues).toEqual(spectrum.eigenvalues);
    expect(values.eigenvectors).toEqual([]);
    const fromProjections = await generalizationFromProjections(session, projections, { seed: 5 });
    for (let t = 0; t < p; t++) expect(Math.abs(fromProjections.m[t]! - fromVectors.m[t]!)).toBeLessThan(1e-12);
    expect(fromProjections.epsilon).toEqual(fromVectors.epsilon);
    expect(fromProjections.G).toBe(fromVectors.G);
    expect(fromProjections.over).toBe('all p eigenvectors (dense)');
    await expect(generalizationFromProjections(await bound(model, data), projections.subarray(1), {})).rejects.toThrow(ShapeError);
    await session.close();
    await engine.close();
    await expect(generalization(await bound(model, data), [new Float64Array(p - 1)])).rejects.toThrow(ShapeError);
    await expect(alignment(await bound(model, data), [new Float64Array(p)])).rejects.toThrow(InputError);
  });
});
