/**
 * The row-batched alignment evaluator (src/engine/alignment-batch.ts) against its documented
 * contract: every value a row gets — ŷ, A(x), ∇ₓA(x), the logit gap h(x) with its runner-up and
 * ∇ₓh(x) — equals, bit for bit, what AlignmentGradient (src/analysis/input-gradient.ts, itself
 * checked against finite differences of the float64 reference) computes for that input alone,
 * whichever rows are evaluated together and in whatever order. On both kernel builds.
 */
import { describe, expect, it } from 'vitest';
import { AlignmentGradient } from '../../src/analysis/input-gradient.js';
import { BatchAlignmentGradient } from '../../src/engine/alignment-batch.js';
import { compileKernels, relaxedSimdSupported, type KernelBuild } from '../../src/engine/wasm.js';
import { InputError, ShapeError } from '../../src/errors.js';
import { ACTIVATIONS, initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

describe.each(BUILDS)('BatchAlignmentGradient (%s kernels)', (build) => {
  it.each(ACTIVATIONS)('%s 3-7-5-4: each row equals AlignmentGradient on its input alone, bit for bit', async (activation) => {
    const spec = mlpSpec([3, 7, 5, 4], activation);
    const theta = initParameters(spec, 6).map((t) => 2 * t);
    const v = gaussianVector(2, parameterCount(spec));
    const rng = new Rng(9);
    const xs = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.normal() * 2));
    const batch = new BatchAlignmentGradient(await compileKernels(build), spec, theta, v, 6);
    xs.forEach((x, r) => batch.setInput(r, x));
    // rows out of order and in two groups: no row's result depends on the others
    for (const rows of [[4, 0, 2], [5, 1, 3]]) {
      batch.forward(rows, rows.length);
      batch.evaluate(rows, rows.length);
      for (const r of rows) {
        const single = new AlignmentGradient(spec, theta, v);
        const grad = new Float64Array(3);
        expect(batch.alignment[r]).toBe(single.evaluate(xs[r]!, grad));
        expect(batch.predicted[r]).toBe(single.predicted);
        expect(Array.from(batch.gradient(r))).toEqual(Array.from(grad));
        expect(Array.from(batch.logits(r))).toEqual(Array.from(single.logits));
      }
      for (const r of rows) batch.gap(r);
      batch.gapGradients(rows, rows.length);
      for (const r of rows) {
        const single = new AlignmentGradient(spec, theta, v);
        const gapGrad = new Float64Array(3);
        expect(batch.gap(r)).toBe(single.logitGap(xs[r]!, gapGrad));
        expect(batch.runnerUp[r]).toBe(single.runnerUp);
        expect(Array.from(batch.gapGradient(r))).toEqual(Array.from(gapGrad));
      }
    }
  });

  it('refuses inputs and settings that do not fit, naming them', async () => {
    const spec = mlpSpec([2, 3, 2], 'tanh');
    const p = parameterCount(spec);
    const kernels = await compileKernels(build);
    const batch = new BatchAlignmentGradient(kernels, spec, initParameters(spec, 1), gaussianVector(1, p), 2);
    expect(() => batch.setInput(0, [1, 2, 3])).toThrow(new ShapeError('input has 3 features, but the model expects d = 2'));
    expect(() => batch.setInput(0, [1, NaN])).toThrow(new InputError('input feature 1 is NaN (must be finite)'));
    expect(() => new BatchAlignmentGradient(kernels, spec, initParameters(spec, 1), new Float64Array(p), 2)).toThrow(new InputError('the direction is the zero vector'));
    expect(() => new BatchAlignmentGradient(kernels, spec, initParameters(spec, 1), gaussianVector(1, p), 0)).toThrow(new InputError('capacity must be an integer ≥ 1, got 0'));
  });
});
