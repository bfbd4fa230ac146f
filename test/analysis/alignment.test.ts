/**
 * Alignments A_i(x) = cos(g(x), v_i) (src/analysis/alignment.ts) against the PyTorch fixtures,
 * whose per-sample gradients come from float64 autograd one sample at a time, while the library
 * streams ⟨g, v⟩ and ‖g‖² through wasm GEMMs without forming g; and the zero-gradient edge case.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  alignment,
  margin,
  type AlignmentResult,
  type GeneralizationResult,
  type MarginResult,
} from '../../src/analysis/index.js';
import { makeDataset } from '../../src/data/dataset.js';
import type { Model } from '../../src/engine/engine.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { mlpSpec } from '../../src/model/mlp.js';
import { gaussianVector } from '../../src/model/rng.js';
import { FIXTURE_CASES, loadFixture, relL2 } from '../helpers/fixtures.js';
import { bound, closeSessions, expectJsonRecord, getEngine } from '../helpers/analysis.js';

afterEach(closeSessions);

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  it('alignment matches PyTorch: entries (well-separated eigenvectors) within 2e-3, mean |A| within 1e-3', async () => {
    const { model: bytes, csv, ref } = await loadFixture(name);
    const model = loadMlp(bytes);
    const data = parseCsv(csv);
    const engine = await getEngine();
    const res = await alignment(await bound(model, data), ref.top10_eigenvectors);
    expect(res.schema).toBe('hessian-lens/alignment@1');
    expect(res.k).toBe(10);
    expect(res.n).toBe(ref.n);
    expect(res.predicted).toEqual(ref.predicted_labels);
    expect(relL2(res.gradNorm, ref.per_sample_grad_norm)).toBeLessThan(1e-4);
    let compared = 0;
    for (let i = 0; i < 10; i++) {
      expect(Math.abs(res.meanAbs[i]! - ref.mean_abs_alignment[i]!)).toBeLessThan(1e-3);
      if (ref.top10_relative_gaps[i]! < 1e-2) continue;
      compared++;
      let worst = 0;
      for (let x = 0; x < ref.n; x++) worst = Math.max(worst, Math.abs(res.values[i]![x]! - ref.alignment[i]![x]!));
      expect(worst).toBeLessThan(2e-3);
      const maxAbs = Math.max(...ref.alignment[i]!.map(Math.abs));
      expect(Math.abs(res.maxAbs[i]! - maxAbs)).toBeLessThan(2e-3);
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    expect(res.zeroGradientSamples).toBe(0);
    expectJsonRecord(res);
    // true labels give another (documented) quantity: equal wherever the prediction is right
    const truth = await alignment(await bound(model, data, { precision: 'f64' }), ref.top10_eigenvectors.slice(0, 1), { labels: 'true' });
    for (let x = 0; x < ref.n; x++) {
      if (data.y[x] === ref.predicted_labels[x]) expect(Math.abs(truth.values[0]![x]! - ref.alignment[0]![x]!)).toBeLessThan(1e-6);
    }
  });

});

describe('alignment edge cases', () => {
  it('a sample whose float32 gradient vanishes gets A = 0 and is counted', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([1, 3], 'identity');
    // logits (200x, 0, 0): at x = 1 the float32 softmax is exactly one-hot, so g = 0
    const model: Model = { spec, theta: Float32Array.from([200, 0, 0, 0, 0, 0]) };
    const data = makeDataset([1, 0.01], [0, 0], 1, 3);
    const res = await alignment(await bound(model, data), [gaussianVector(1, 6)]);
    expect(res.gradNorm[0]).toBe(0);
    expect(res.values[0]![0]).toBe(0);
    expect(res.gradNorm[1]).toBeGreaterThan(0);
    expect(res.zeroGradientSamples).toBe(1);
  });
});

describe('public types', () => {
  it('records are plain JSON shapes', () => {
    expectTypeOf<AlignmentResult['values']>().toEqualTypeOf<readonly (readonly number[])[]>();
    expectTypeOf<GeneralizationResult['G_at_1e-6']>().toBeNumber();
    expectTypeOf<MarginResult['xb']>().toEqualTypeOf<readonly number[]>();
    expectTypeOf(margin).returns.resolves.toMatchTypeOf<MarginResult>();
  });
});
