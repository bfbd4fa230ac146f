/**
 * Decision-boundary analysis (src/analysis/): alignment, ε and G against the PyTorch fixtures; the
 * exact input gradient ∇ₓA and the Jacobian norm against central finite differences; the margin
 * search on seeded toy runs; grid maps against the float64 reference.
 *
 * Why the references are independent: the fixtures' alignments, ε and G come from PyTorch autograd
 * per-sample gradients in float64 (materialised, one sample at a time), while the library streams
 * ⟨g, v⟩ and ‖g‖² through wasm GEMMs without forming g. The input gradient is an R-operator pass;
 * it is checked against finite differences of A(x) computed by src/reference (a separate scalar
 * per-sample gradient code) — only function values, no derivative code shared. The Jacobian is
 * checked against finite differences of the reference logits. The margin test checks a property
 * (x_b on the boundary: top-two logit gap ≤ 1e-3 of the logit scale) of models trained in the test
 * itself by a tiny full-batch Adam loop, with v_1 from the dense Hessian path.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AlignmentGradient,
  alignment,
  alignmentGrid,
  alignmentInputGradient,
  generalization,
  generalizationAll,
  generalizationFromProjections,
  normalizedRows,
  generalizationMeasure,
  jacobianNorm,
  margin,
  margins,
  paddedBounds,
  randomDirectionEpsilon,
  topTwoGap,
  type AlignmentResult,
  type GeneralizationResult,
  type MarginResult,
} from '../src/analysis/index.js';
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { gauss } from '../src/data/toy.js';
import { createEngine, type Engine, type Model } from '../src/engine/engine.js';
import { InputError, ShapeError } from '../src/errors.js';
import { denseHessianProjection, denseHessianSpectrum } from '../src/hessian/dense.js';
import { HessianOperator } from '../src/hessian/hessian-operator.js';
import { parseCsv } from '../src/io/csv.js';
import { loadMlp } from '../src/io/safetensors.js';
import { initParameters, mlpSpec, parameterCount, type Activation } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';
import { referenceLogits, referencePerSampleGradient } from '../src/reference/mlp.js';
import { FIXTURE_CASES, loadFixture, relL2 } from './helpers/fixtures.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

function argmax(z: ArrayLike<number>): number {
  let b = 0;
  for (let j = 1; j < z.length; j++) if (z[j]! > z[b]!) b = j;
  return b;
}

function randomData(n: number, d: number, classes: number, seed: number, scale = 1.5): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d).map(() => rng.normal() * scale);
  const y = Int32Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
  return makeDataset(x, y, d, classes);
}

/** A(x) by the float64 reference: cos(∇θ ℓ(x, ŷ), v), ŷ the reference arg-max unless given. */
function referenceAlignment(model: Model, v: ArrayLike<number>, x: ArrayLike<number>, labelAt?: number): number {
  const label = labelAt ?? argmax(referenceLogits(model.spec, model.theta, x));
  const g = referencePerSampleGradient(model.spec, model.theta, x, label);
  return dot(g, v) / (norm(g) * norm(v));
}

/** JSON round trip equals the record, and the record is frozen. */
function expectJsonRecord(r: object): void {
  expect(Object.isFrozen(r)).toBe(true);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  it('alignment matches PyTorch: entries (well-separated eigenvectors) within 2e-3, mean |A| within 1e-3', async () => {
    const { model: bytes, csv, ref } = await loadFixture(name);
    const model = loadMlp(bytes);
    const data = parseCsv(csv);
    const engine = await getEngine();
    const res = await alignment(engine, model, data, ref.top10_eigenvectors);
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
    const truth = await alignment(engine, model, data, ref.top10_eigenvectors.slice(0, 1), { labels: 'true', precision: 'f64' });
    for (let x = 0; x < ref.n; x++) {
      if (data.y[x] === ref.predicted_labels[x]) expect(Math.abs(truth.values[0]![x]! - ref.alignment[0]![x]!)).toBeLessThan(1e-6);
    }
  });

  it('ε from 100 random directions (seed 1000) reproduces the fixture; G for k = C and k = 10 matches', async () => {
    const { model: bytes, csv, ref } = await loadFixture(name);
    const model = loadMlp(bytes);
    const data = parseCsv(csv);
    const engine = await getEngine();
    const eps = await randomDirectionEpsilon(engine, model, data, { directions: 100, seed: 1000 });
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
      const res = await generalization(engine, model, data, ref.top10_eigenvectors.slice(0, k), { directions: 100, seed: 1000 });
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

describe('alignment edge cases', () => {
  it('a sample whose float32 gradient vanishes gets A = 0 and is counted', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([1, 3], 'identity');
    // logits (200x, 0, 0): at x = 1 the float32 softmax is exactly one-hot, so g = 0
    const model: Model = { spec, theta: Float32Array.from([200, 0, 0, 0, 0, 0]) };
    const data = makeDataset([1, 0.01], [0, 0], 1, 3);
    const res = await alignment(engine, model, data, [gaussianVector(1, 6)]);
    expect(res.gradNorm[0]).toBe(0);
    expect(res.values[0]![0]).toBe(0);
    expect(res.gradNorm[1]).toBeGreaterThan(0);
    expect(res.zeroGradientSamples).toBe(1);
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
    const spectrum = await denseHessianSpectrum(HessianOperator.create(engine, model, data), { vectors: p });
    const all = await generalizationAll(engine, model, data, spectrum, { seed: 5 });
    expect(all.over).toBe('all p eigenvectors (dense)');
    expect(all.k).toBe(p);
    expect(all.m).toHaveLength(p);
    expect(all.epsilon.directions).toBe(5);
    // G counts the m_i above ε
    expect(all.aligned).toBe(all.m.filter((m) => m > all.epsilon.value).length);
    // m_i agrees with a direct alignment call
    const direct = await alignment(engine, model, data, spectrum.eigenvectors.slice(0, 3));
    for (let i = 0; i < 3; i++) expect(Math.abs(direct.meanAbs[i]! - all.m[i]!)).toBeLessThan(1e-12);
    const maxAbs = await generalization(engine, model, data, spectrum.eigenvectors.slice(0, 4), { statistic: 'maxAbs', epsilon: 0.5 });
    expect(maxAbs.variant).toBe('maxAbs');
    expect(maxAbs.epsilon).toMatchObject({ value: 0.5, method: 'fixed', directions: 0, seed: null });
    for (let i = 0; i < 3; i++) expect(Math.abs(maxAbs.m[i]! - direct.maxAbs[i]!)).toBeLessThan(1e-12);
    expect(maxAbs.G).toBe(maxAbs.m.filter((m) => m > 0.5).length / 4);
    await expect(generalization(engine, model, data, spectrum.eigenvectors.slice(0, 4), { over: 'all' })).rejects.toThrow(ShapeError);
  });

  it('over all p eigenvectors from projections (Ĝ·Q)·S equals the same from the eigenvectors', async () => {
    // f64 kernels, so both routes see the same per-sample gradients to rounding
    const engine = await createEngine({ threads: 1, precision: 'f64' });
    const spec = mlpSpec([2, 6, 3], 'relu');
    const model: Model = { spec, theta: initParameters(spec, 4) };
    const data = randomData(50, 2, 3, 8);
    const p = parameterCount(spec);
    const op = HessianOperator.create(engine, model, data);
    const spectrum = await denseHessianSpectrum(op, { vectors: p });
    const fromVectors = await generalizationAll(engine, model, data, spectrum, { seed: 5 });
    const session = await engine.session(model, data);
    const rows = normalizedRows(await session.perSampleGradients(), data.n, p);
    const { spectrum: values, projections } = await denseHessianProjection(op, rows);
    expect(values.eigenvalues).toEqual(spectrum.eigenvalues);
    expect(values.eigenvectors).toEqual([]);
    const fromProjections = await generalizationFromProjections(engine, model, data, projections, { seed: 5 });
    for (let t = 0; t < p; t++) expect(Math.abs(fromProjections.m[t]! - fromVectors.m[t]!)).toBeLessThan(1e-12);
    expect(fromProjections.epsilon).toEqual(fromVectors.epsilon);
    expect(fromProjections.G).toBe(fromVectors.G);
    expect(fromProjections.over).toBe('all p eigenvectors (dense)');
    await expect(generalizationFromProjections(engine, model, data, projections.subarray(1), {})).rejects.toThrow(ShapeError);
    await session.close();
    await engine.close();
    await expect(generalization(engine, model, data, [new Float64Array(p - 1)])).rejects.toThrow(ShapeError);
    await expect(alignment(engine, model, data, [new Float64Array(p)])).rejects.toThrow(InputError);
  });
});

describe('exact input gradient ∇ₓA (R-operator) vs central finite differences of the reference', () => {
  const cases: { activation: Activation; sizes: number[] }[] = [
    { activation: 'tanh', sizes: [3, 8, 6, 3] },
    { activation: 'gelu', sizes: [4, 7, 5, 4] },
    { activation: 'relu', sizes: [3, 9, 7, 3] },
    { activation: 'sigmoid', sizes: [2, 6, 2] },
  ];
  it.each(cases)('$activation $sizes', ({ activation, sizes }) => {
    const spec = mlpSpec(sizes, activation);
    const theta = initParameters(spec, 21);
    for (let i = 0; i < theta.length; i++) theta[i]! *= 2;
    const model: Model = { spec, theta };
    const v = gaussianVector(9, parameterCount(spec));
    const ev = AlignmentGradient.forModel(model, v);
    const d = sizes[0]!;
    const rng = new Rng(4);
    const h = 1e-5;
    let checked = 0;
    for (let trial = 0; trial < 40 && checked < 6; trial++) {
      const x = Float64Array.from({ length: d }, () => rng.normal());
      // away from kinks (ReLU) and from label flips within the stencil
      if (topTwoGap(referenceLogits(spec, theta, x)) < 1e-2) continue;
      if (activation === 'relu' && minHiddenPreactivation(model, x) < 1e-3) continue;
      const grad = new Float64Array(d);
      const A = ev.evaluate(x, grad);
      expect(Math.abs(A - referenceAlignment(model, v, x))).toBeLessThan(1e-12);
      const fd = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        fd[j] = (referenceAlignment(model, v, xp) - referenceAlignment(model, v, xm)) / (2 * h);
      }
      expect(relL2(grad, fd)).toBeLessThan(1e-6);
      // the logit-gap gradient used by the boundary projection
      const gg = new Float64Array(d);
      ev.logitGap(x, gg);
      const fg = Float64Array.from({ length: d }, (_, j) => {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        const a = argmax(referenceLogits(spec, theta, x));
        const b = ev.runnerUp;
        const gap = (y: Float64Array): number => {
          const z = referenceLogits(spec, theta, y);
          return z[a]! - z[b]!;
        };
        return (gap(xp) - gap(xm)) / (2 * h);
      });
      expect(relL2(gg, fg)).toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    // the JSON convenience agrees with the evaluator
    const x0 = Float64Array.from({ length: d }, (_, j) => 0.3 * (j + 1));
    const rec = alignmentInputGradient(model, v, x0);
    const g0 = new Float64Array(d);
    expect(rec.alignment).toBe(ev.evaluate(x0, g0));
    expect(rec.gradient).toEqual(Array.from(g0));
    expectJsonRecord(rec);
  });
});

function minHiddenPreactivation(model: Model, x: ArrayLike<number>): number {
  // pre-activations of hidden layers, recomputed from the parameters (spec layout: weight then bias)
  const sizes = model.spec.sizes;
  let a = Array.from(x);
  let off = 0;
  let min = Infinity;
  for (let l = 1; l < sizes.length; l++) {
    const nin = sizes[l - 1]!;
    const nout = sizes[l]!;
    const z = Array.from({ length: nout }, (_, o) => {
      let s = model.theta[off + nin * nout + o]!;
      for (let i = 0; i < nin; i++) s += model.theta[off + o * nin + i]! * a[i]!;
      return s;
    });
    off += nin * nout + nout;
    if (l < sizes.length - 1) {
      for (const v of z) min = Math.min(min, Math.abs(v));
      a = z.map((v) => Math.max(v, 0));
    }
  }
  return min;
}

/** Full-batch Adam on the engine's gradient: a small trained classifier for the margin tests. */
async function trainToy(engine: Engine, seed: number, sizes: number[], activation: Activation, steps = 300): Promise<{ model: Model; data: Dataset }> {
  const data = gauss({ seed, n: 150 });
  const spec = mlpSpec(sizes, activation);
  const theta = Float64Array.from(initParameters(spec, seed));
  const net = engine.net({ spec, theta: Float32Array.from(theta) }, data);
  const p = theta.length;
  const g = new Float64Array(p);
  const m = new Float64Array(p);
  const s = new Float64Array(p);
  const lr = 0.01;
  for (let t = 1; t <= steps; t++) {
    net.setParameters(theta);
    net.gradientSums(g);
    for (let i = 0; i < p; i++) {
      const gi = g[i]! / data.n;
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      s[i] = 0.999 * s[i]! + 0.001 * gi * gi;
      theta[i]! -= (lr * m[i]! / (1 - 0.9 ** t)) / (Math.sqrt(s[i]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return { model: { spec, theta: Float32Array.from(theta) }, data };
}

async function topEigenvector(engine: Engine, model: Model, data: Dataset): Promise<readonly number[]> {
  const spec = await denseHessianSpectrum(HessianOperator.create(engine, model, data), { vectors: 1 });
  return spec.eigenvectors[0]!;
}

describe('margin', () => {
  it('x_b lands on the decision boundary in ≥ 9 of 10 seeded toy runs (boundary-ascent, the default)', async () => {
    const engine = await getEngine();
    let onBoundary = 0;
    const results: MarginResult[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const { model, data } = await trainToy(engine, seed, [2, 16, 16, 3], seed % 2 === 0 ? 'tanh' : 'relu');
      const v1 = await topEigenvector(engine, model, data);
      const res = await margin(engine, model, data, v1, { seed });
      results.push(res);
      if (res.logitGap <= 1e-3 * res.logitScale) onBoundary++;
      // the reported gap is the reference's at x_b
      expect(Math.abs(topTwoGap(referenceLogits(model.spec, model.theta, res.xb)) - res.logitGap)).toBeLessThan(1e-9 * res.logitScale);
      expect(res.margin).toBe(Math.min(res.distanceToMax, res.distanceToMin));
      expect(res.xtMax.alignment).toBeGreaterThanOrEqual(res.xtMin.alignment);
      expect(res.finalAbsAlignment).toBe(Math.max(...res.starts.map((r) => r.absAlignment)));
      // on the boundary the arg-max is a tie at rounding level: compare with the label the search used
      expect(Math.abs(Math.abs(referenceAlignment(model, v1, res.xb, res.predicted)) - res.finalAbsAlignment)).toBeLessThan(1e-9);
      expect(res.starts).toHaveLength(7);
    }
    expect(onBoundary).toBeGreaterThanOrEqual(9);
    expectJsonRecord(results[0]!);
    expect(results[0]!.method).toBe('boundary-ascent');
  });

  it('free-ascent and paper-sgd are named options with their own settings; margins() runs per eigenvector', async () => {
    const engine = await getEngine();
    const { model, data } = await trainToy(engine, 3, [2, 12, 3], 'tanh', 200);
    const spectrum = await denseHessianSpectrum(HessianOperator.create(engine, model, data), { vectors: 2 });
    const free = await margin(engine, model, data, spectrum.eigenvectors[0]!, { method: 'free-ascent', maxSteps: 300 });
    expect(free.method).toBe('free-ascent');
    expect(free.settings.boundaryTolerance).toBeNull();
    expect(free.starts.every((r) => r.steps <= 300)).toBe(true);
    const paper = await margin(engine, model, data, spectrum.eigenvectors[0]!, { method: 'paper-sgd', maxSteps: 200, starts: 2 });
    expect(paper.settings).toMatchObject({ fromTrainingPoints: false, startDistribution: 'standard-normal', learningRate: 0.01, weightDecay: 1e-3, target: null, patience: null });
    expect(paper.starts).toHaveLength(2);
    expect(paper.starts.every((r) => r.steps === 200 && r.origin === 'random')).toBe(true);
    const both = await margins(engine, model, data, spectrum.eigenvectors, { indices: [0, 1], maxSteps: 200, starts: 1 });
    expect(both.map((r) => r.eigenvector)).toEqual([0, 1]);
    await expect(margin(engine, model, data, spectrum.eigenvectors[0]!, { starts: 0, fromTrainingPoints: false })).rejects.toThrow(InputError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(margin(engine, model, data, spectrum.eigenvectors[0]!, { signal: aborted.signal })).rejects.toThrow('aborted');
  });
});

describe('Jacobian norm of the logits', () => {
  it.each(['reverse', 'forward'] as const)('%s mode equals central differences of the reference logits', (mode) => {
    const spec = mlpSpec([3, 7, 5, 4], 'tanh');
    const theta = initParameters(spec, 2);
    const model: Model = { spec, theta };
    const data = randomData(12, 3, 4, 3);
    const res = jacobianNorm(model, data, { mode });
    expect(res.mode).toBe(mode);
    expect(res.passesPerSample).toBe(mode === 'reverse' ? 4 : 3);
    const h = 1e-6;
    const fd = Array.from({ length: data.n }, (_, i) => {
      const x = Float64Array.from(data.x.subarray(3 * i, 3 * i + 3));
      let s = 0;
      for (let j = 0; j < 3; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        const zp = referenceLogits(spec, theta, xp);
        const zm = referenceLogits(spec, theta, xm);
        for (let c = 0; c < 4; c++) s += ((zp[c]! - zm[c]!) / (2 * h)) ** 2;
      }
      return Math.sqrt(s);
    });
    expect(relL2(res.values, fd)).toBeLessThan(1e-7);
    expect(Math.abs(res.mean - fd.reduce((a, b) => a + b, 0) / fd.length)).toBeLessThan(1e-6 * res.mean);
    expectJsonRecord(res);
  });

  it('auto picks min(C, d) passes; both modes agree on a relu net', () => {
    const spec = mlpSpec([5, 8, 2], 'relu');
    const model: Model = { spec, theta: initParameters(spec, 1) };
    const data = randomData(20, 5, 2, 1);
    const auto = jacobianNorm(model, data);
    expect(auto.mode).toBe('reverse');
    const fwd = jacobianNorm(model, data, { mode: 'forward' });
    expect(relL2(fwd.values, auto.values)).toBeLessThan(1e-13);
    const wide = mlpSpec([2, 6, 5], 'gelu');
    expect(jacobianNorm({ spec: wide, theta: initParameters(wide, 1) }, randomData(5, 2, 5, 2)).mode).toBe('forward');
  });
});

describe('grid maps', () => {
  it('shapes, bounds, class map vs reference arg-max, alignment vs the evaluator, reconstruction', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([2, 10, 3], 'tanh');
    const model: Model = { spec, theta: initParameters(spec, 8) };
    for (let i = 0; i < model.theta.length; i++) model.theta[i]! *= 3;
    const data = randomData(30, 2, 3, 4);
    const p = parameterCount(spec);
    const vs = [gaussianVector(1, p), gaussianVector(2, p)];
    const res = await alignmentGrid(engine, model, data, vs, { res: 24, eigenvalues: [2, 0.5] });
    const m = 24 * 24;
    expect(res.xs).toHaveLength(24);
    expect(res.ys).toHaveLength(24);
    expect(res.alignment).toHaveLength(2);
    expect(res.alignment[0]).toHaveLength(m);
    expect(res.predicted).toHaveLength(m);
    expect(res.boundary).toHaveLength(m);
    expect(res.bounds).toEqual(paddedBounds(data, 0.1));
    expect(Math.max(...res.boundary!)).toBeCloseTo(1, 12);
    expect(Math.min(...res.boundary!)).toBeGreaterThanOrEqual(0);
    const ev = AlignmentGradient.forModel(model, vs[1]!);
    let checked = 0;
    for (const [ix, iy] of [[0, 0], [5, 17], [23, 23], [12, 3], [20, 9], [1, 22]] as const) {
      const idx = iy * 24 + ix;
      const pt = [res.xs[ix]!, res.ys[iy]!];
      const z = referenceLogits(spec, model.theta, pt);
      if (topTwoGap(z) < 1e-3) continue;
      checked++;
      expect(res.predicted[idx]).toBe(argmax(z));
      expect(Math.abs(res.alignment[1]![idx]! - ev.evaluate(pt))).toBeLessThan(1e-4);
      const want = (2 * Math.abs(res.alignment[0]![idx]!) + 0.5 * Math.abs(res.alignment[1]![idx]!));
      const max = Math.max(...Array.from({ length: m }, (_, i) => 2 * Math.abs(res.alignment[0]![i]!) + 0.5 * Math.abs(res.alignment[1]![i]!)));
      expect(res.boundary![idx]).toBeCloseTo(want / max, 12);
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    expectJsonRecord(res);
    const signed = await alignmentGrid(engine, model, data, vs, { res: 8, eigenvalues: [2, 0.5], reconstruction: 'weighted-signed', bounds: { xMin: -1, xMax: 1, yMin: -2, yMax: 2 } });
    expect(signed.reconstruction).toBe('weighted-signed');
    expect(signed.xs[0]).toBe(-1);
    expect(signed.ys[7]).toBe(2);
    expect(Math.max(...signed.boundary!)).toBeCloseTo(1, 12);
    const none = await alignmentGrid(engine, model, data, vs.slice(0, 1), { res: 4 });
    expect(none.boundary).toBeNull();
    await expect(alignmentGrid(engine, model, data, vs, { res: 4, eigenvalues: [1] })).rejects.toThrow(ShapeError);
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
