/**
 * Tests of src/reference/mlp.ts: the float64 executable spec that every other test trusts.
 *
 * Why the checks here are independent of the code they test:
 * - the PyTorch fixtures were computed by autograd (double backward for Hv, the full Hessian by
 *   torch.autograd.functional.hessian and LAPACK eigvalsh), not by an R-operator;
 * - central finite differences use only the loss (or gradient) values, never derivative formulas;
 * - the softmax-regression Hessian is the closed form mean (diag p − ppᵀ) ⊗ x̃x̃ᵀ, written out here.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { InputError, ResourceError, ShapeError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { ACTIVATIONS, initParameters, layerSlices, mlpSpec, parameterCount, type MlpSpec } from '../../src/model/mlp.js';
import { float64Activation } from '../../src/model/activations.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';
import {
  referenceEvaluate,
  referenceGradient,
  referenceHessian,
  referenceHvp,
  referenceInputGradient,
  referenceLogits,
  referenceLoss,
  referencePerSampleGradient,
} from '../../src/reference/mlp.js';
import { FIXTURE_CASES, loadFixture, relL2 } from '../helpers/fixtures.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe.each(FIXTURE_CASES.map((c) => [c]))('PyTorch float64 fixture %s', (name) => {
  const setup = async () => {
    const fx = await loadFixture(name);
    const model = loadMlp(fx.model, { source: `${name}/model.safetensors` });
    const data = parseCsv(fx.csv, { source: `${name}/data.csv` });
    return { ...fx, ...model, data };
  };

  it('loss, accuracy, predictions, logit margins and gradient', async () => {
    const { ref, spec, theta, data } = await setup();
    expect(parameterCount(spec)).toBe(ref.p);
    expect(relErr(referenceLoss(spec, theta, data), ref.loss)).toBeLessThan(1e-12);
    const ev = referenceEvaluate(spec, theta, data);
    expect(relErr(ev.loss, ref.loss)).toBeLessThan(1e-12);
    expect(ev.accuracy).toBe(ref.accuracy);
    expect(Array.from(ev.predicted)).toEqual(ref.predicted_labels);
    expect(relErr(ev.gradNorm, ref.grad_norm)).toBeLessThan(1e-10);
    const C = ref.num_classes;
    const margins = Array.from({ length: data.n }, (_, i) => {
      const z = Array.from(ev.logits.subarray(i * C, (i + 1) * C)).sort((a, b) => b - a);
      return z[0]! - z[1]!;
    });
    expect(relL2(margins, ref.logit_margin)).toBeLessThan(1e-12);
    expect(relL2(referenceLogits(spec, theta, data.x.subarray(0, data.d)), Array.from(ev.logits.subarray(0, C)))).toBe(0);
    expect(relL2(referenceGradient(spec, theta, data), ref.grad)).toBeLessThan(1e-10);
  });

  it('Hv of the fixture direction', async () => {
    const { ref, spec, theta, data } = await setup();
    expect(relL2(gaussianVector(12345, ref.p), ref.hvp.v)).toBeLessThan(1e-15);
    expect(relL2(referenceHvp(spec, theta, data, ref.hvp.v), ref.hvp.Hv)).toBeLessThan(1e-9);
  });

  it('per-sample gradient norms with the predicted label', async () => {
    const { ref, spec, theta, data } = await setup();
    const norms = ref.predicted_labels.map((yHat, i) => {
      const g = referencePerSampleGradient(spec, theta, data.x.subarray(i * data.d, (i + 1) * data.d), yHat);
      return Math.hypot(...g);
    });
    expect(relL2(norms, ref.per_sample_grad_norm)).toBeLessThan(1e-10);
  });

  it('dense Hessian: trace and Σλ² (= ‖H‖_F²) against the PyTorch eigenvalues', async () => {
    const { ref, spec, theta, data } = await setup();
    const p = ref.p;
    const H = referenceHessian(spec, theta, data);
    let trace = 0;
    let frob2 = 0;
    for (let i = 0; i < p; i++) trace += H[i * p + i]!;
    for (let i = 0; i < H.length; i++) frob2 += H[i]! * H[i]!;
    const sumSq = ref.hessian_eigenvalues_desc.reduce((s, l) => s + l * l, 0);
    const sumEig = ref.hessian_eigenvalues_desc.reduce((s, l) => s + l, 0);
    expect(relErr(trace, ref.hessian_trace)).toBeLessThan(1e-9);
    expect(relErr(trace, sumEig)).toBeLessThan(1e-9);
    expect(relErr(frob2, sumSq)).toBeLessThan(1e-9);
    for (let i = 0; i < p; i += 17) for (let j = 0; j < p; j += 13) expect(H[i * p + j]).toBe(H[j * p + i]);
  });
});

/** A small seeded classification problem: n samples of N(0, 1.5²) features, labels uniform. */
function smallData(d: number, classes: number, n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = Array.from({ length: n * d }, () => 1.5 * rng.normal());
  const y = Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
  return makeDataset(x, y, d, classes);
}

/** −log softmax(z)_label by a plain max-shifted logsumexp (written here, not imported). */
function crossEntropy(z: ArrayLike<number>, label: number): number {
  const m = Math.max(...Array.from(z));
  const lse = m + Math.log(Array.from(z).reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - z[label]!;
}

/** θ from the PyTorch-style init, doubled so the nonlinearities are exercised, in float64. */
function smallTheta(spec: MlpSpec, seed: number): Float64Array {
  return Float64Array.from(initParameters(spec, seed), (t) => 2 * t);
}

/** Smallest |pre-activation| of any hidden unit over the data (ReLU FD is valid only away from 0). */
function minHiddenPreactivation(spec: MlpSpec, theta: Float64Array, data: Dataset): number {
  let min = Infinity;
  const act = float64Activation(spec.activation);
  const layers = layerSlices(spec);
  for (let s = 0; s < data.n; s++) {
    let a = Array.from(data.x.subarray(s * data.d, (s + 1) * data.d));
    for (const layer of layers.slice(0, -1)) {
      const z = Array.from({ length: layer.outputs }, (_, o) => {
        let v = theta[layer.bias + o]!;
        for (let i = 0; i < layer.inputs; i++) v += theta[layer.weight + o * layer.inputs + i]! * a[i]!;
        return v;
      });
      for (const v of z) min = Math.min(min, Math.abs(v));
      a = z.map(act.f);
    }
  }
  return min;
}

describe.each(ACTIVATIONS.map((a) => [a]))('finite differences, 3-5-4-3 %s net', (activation) => {
  // h = 1e-5 in float64: truncation O(h²) ≈ 1e-10, rounding ε/h ≈ 1e-11, so 1e-6 relative is honest slack.
  const h = 1e-5;
  const tol = 1e-6;
  const spec = mlpSpec([3, 5, 4, 3], activation);
  const p = parameterCount(spec);
  const theta = smallTheta(spec, 7);
  const data = smallData(3, 3, 12, 11);
  const shifted = (t: Float64Array, dir: ArrayLike<number>, s: number) => t.map((v, j) => v + s * dir[j]!);

  if (activation === 'relu') {
    it('the data stays clear of ReLU kinks (so the differences below are valid)', () => {
      // a step of h moves a pre-activation by about h·(‖x‖ + 1)·‖W‖ ≲ 10h
      expect(minHiddenPreactivation(spec, theta, data)).toBeGreaterThan(100 * h);
    });
  }

  it('gradient = central difference of the loss', () => {
    const g = referenceGradient(spec, theta, data);
    const fd = new Float64Array(p);
    const e = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      e[j] = 1;
      fd[j] = (referenceLoss(spec, shifted(theta, e, h), data) - referenceLoss(spec, shifted(theta, e, -h), data)) / (2 * h);
      e[j] = 0;
    }
    expect(relL2(g, fd)).toBeLessThan(tol);
  });

  it('Hv = central difference of the gradient; dense H agrees with Hv', () => {
    const H = referenceHessian(spec, theta, data);
    for (const seed of [1, 2]) {
      const v = gaussianVector(seed, p);
      const hv = referenceHvp(spec, theta, data, v);
      const gp = referenceGradient(spec, shifted(theta, v, h), data);
      const gm = referenceGradient(spec, shifted(theta, v, -h), data);
      const fd = gp.map((a, j) => (a - gm[j]!) / (2 * h));
      expect(relL2(hv, fd)).toBeLessThan(tol);
      const Hv = Array.from({ length: p }, (_, i) => v.reduce((s, vj, j) => s + H[i * p + j]! * vj, 0));
      expect(relL2(Hv, hv)).toBeLessThan(1e-13);
    }
  });

  it('input gradient = central difference of the per-sample loss in x', () => {
    for (let s = 0; s < 4; s++) {
      const x = Float64Array.from(data.x.subarray(s * 3, s * 3 + 3));
      for (let label = 0; label < 3; label++) {
        const one = (xx: Float64Array) => crossEntropy(referenceLogits(spec, theta, xx), label);
        const gx = referenceInputGradient(spec, theta, x, label);
        const fd = Array.from(x, (_, i) => {
          const xp = Float64Array.from(x);
          const xm = Float64Array.from(x);
          xp[i] = x[i]! + h;
          xm[i] = x[i]! - h;
          return (one(xp) - one(xm)) / (2 * h);
        });
        // a ReLU sample whose hidden units are all off has ∇ₓℓ = 0 exactly, and so has the difference
        if (fd.every((v) => v === 0)) expect(Array.from(gx)).toEqual([0, 0, 0]);
        else expect(relL2(gx, fd)).toBeLessThan(tol);
      }
    }
  });

  it('mean of per-sample gradients = gradient', () => {
    const mean = new Float64Array(p);
    for (let s = 0; s < data.n; s++) {
      const g = referencePerSampleGradient(spec, theta, data.x.subarray(s * 3, s * 3 + 3), data.y[s]!);
      for (let j = 0; j < p; j++) mean[j] = mean[j]! + g[j]! / data.n;
    }
    expect(relL2(mean, referenceGradient(spec, theta, data))).toBeLessThan(1e-14);
  });
});

describe('softmax regression: closed-form Hessian', () => {
  it('H = mean over samples of (diag p − ppᵀ) ⊗ x̃x̃ᵀ, x̃ = [x; 1]', () => {
    const d = 3;
    const C = 4;
    const spec = mlpSpec([d, C], 'relu'); // no hidden layer, so the activation is unused
    const theta = smallTheta(spec, 3);
    const data = smallData(d, C, 10, 5);
    const p = parameterCount(spec);
    const want = new Float64Array(p * p);
    // index of weight (c, i) is c·d + i; bias c is C·d + c — the bias acts as input i = d with x̃_d = 1
    const idx = (c: number, i: number) => (i < d ? c * d + i : C * d + c);
    for (let s = 0; s < data.n; s++) {
      const xt = [...data.x.subarray(s * d, (s + 1) * d), 1];
      const z = referenceLogits(spec, theta, xt.slice(0, d));
      const m = Math.max(...z);
      const e = Array.from(z, (v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const pr = e.map((v) => v / sum);
      for (let c = 0; c < C; c++) {
        for (let c2 = 0; c2 < C; c2++) {
          const a = (c === c2 ? pr[c]! : 0) - pr[c]! * pr[c2]!;
          for (let i = 0; i <= d; i++) {
            for (let i2 = 0; i2 <= d; i2++) want[idx(c, i) * p + idx(c2, i2)] += (a * xt[i]! * xt[i2]!) / data.n;
          }
        }
      }
    }
    expect(relL2(referenceHessian(spec, theta, data), want)).toBeLessThan(1e-14);
  });
});

describe('input checks', () => {
  const spec = mlpSpec([3, 5, 3], 'tanh');
  const theta = smallTheta(spec, 1);
  const data = smallData(3, 3, 6, 2);
  it('wrong θ, v, x lengths are ShapeErrors; bad labels are InputErrors', () => {
    expect(() => referenceLoss(spec, theta.subarray(1), data)).toThrow(ShapeError);
    expect(() => referenceHvp(spec, theta, data, new Float64Array(3))).toThrow(/direction v has 3 entries/);
    expect(() => referenceLogits(spec, theta, [1, 2])).toThrow(ShapeError);
    expect(() => referenceLoss(spec, theta, smallData(4, 3, 6, 2))).toThrow(ShapeError);
    expect(() => referenceInputGradient(spec, theta, [1, 2, 3], 3)).toThrow(InputError);
    expect(() => referenceGradient(spec, theta, smallData(3, 4, 6, 2))).toThrow(/label 3 of sample 3/);
    expect(() => referenceLoss(spec, theta.map((t, i) => (i === 4 ? NaN : t)), data)).toThrow(/parameter 4 is NaN/);
  });
  it('the dense Hessian refuses an oversized model', () => {
    expect(() => referenceHessian(spec, theta, data, { maxParameters: 10 })).toThrow(ResourceError);
  });
});
