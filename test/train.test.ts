/**
 * Training: optimizers, the training loop, recipes and presets.
 *
 * Why the references are independent: the optimizer trajectories are compared with numbers
 * computed outside this code base — torch.optim's documented update rules written out as scalar
 * float64 Python (the SGD and Nesterov rows also by hand on paper; see the comments); the loop's
 * full-batch trajectory is compared with the mean gradient + optimizer.step called by hand; the
 * rest checks behaviour (accuracy reached, determinism, early stop, errors, cancellation, records).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { gauss } from '../src/data/toy.js';
import { createEngine, type Engine, type Model } from '../src/engine/engine.js';
import { AbortError, InputError, NumericalError, ShapeError } from '../src/errors.js';
import { initParameters, mlpSpec } from '../src/model/mlp.js';
import {
  PRESETS,
  PRESET_NAMES,
  adam,
  adversarialInit,
  largeNorm,
  parameterNorm,
  randomLabelRecipe,
  runPreset,
  sgd,
  train,
  trainingRecord,
  type Optimizer,
  type TrainProgress,
  type TrainResult,
} from '../src/train/index.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());

/** Mean loss and accuracy over `data`, in this thread (engine.net, the handle training uses). */
function evaluate(engine: Engine, model: Model, data: Dataset): { loss: number; accuracy: number } {
  const s = engine.net(model, data).forwardSums();
  return { loss: s.lossSum / s.n, accuracy: s.correct / s.n };
}

/** Mean gradient over `data`, in this thread. */
function meanGradient(engine: Engine, model: Model, data: Dataset): Float64Array {
  const net = engine.net(model, data);
  const g = new Float64Array(net.p);
  const s = net.gradientSums(g);
  for (let i = 0; i < g.length; i++) g[i]! /= s.n;
  return g;
}

/** Runs an optimizer for the given gradients from θ0 and returns θ after each step. */
function trajectory(opt: Optimizer, theta0: number[], grads: number[][]): number[][] {
  const theta = Float32Array.from(theta0);
  return grads.map((g) => {
    opt.step(theta, Float64Array.from(g));
    return Array.from(theta);
  });
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) => row.forEach((v, i) => expect(Math.abs(v - expected[k]![i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[k]![i]!)))));
}

describe('optimizers follow torch.optim step by step', () => {
  it('SGD with momentum and weight decay', () => {
    // lr 0.1, μ 0.9, wd 0.01, g = (0.5, 0.25) every step, θ0 = (1, −2):
    // 1: d = g + wd·θ = (0.51, 0.23) = v; θ = (0.949, −2.023)
    // 2: d = (0.50949, 0.22977); v = 0.9·v + d = (0.96849, 0.43677); θ = (0.852151, −2.066677)
    // 3: d = (0.50852151, 0.22933323); v = (1.38016251, 0.62242623); θ = (0.714134749, −2.128919623)
    const opt = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const g = [0.5, 0.25];
    expectClose(trajectory(opt, [1, -2], [g, g, g]), [
      [0.949, -2.023],
      [0.852151, -2.066677],
      [0.714134749, -2.128919623],
    ]);
    expect(opt.steps).toBe(3);
    expect(opt.config).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: false });
  });

  it('SGD with Nesterov momentum', () => {
    // lr 0.1, μ 0.9, θ0 = 0; v₁ = g₁, d = g + μ·v:
    // 1: v = (1, −1), d = (1.9, −1.9), θ = (−0.19, 0.19)
    // 2: v = (1.4, 1.1), d = (1.76, 2.99), θ = (−0.366, −0.109)
    // 3: v = (0.26, 0.99), d = (−0.766, 0.891), θ = (−0.2894, −0.1981)
    const opt = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
    expectClose(trajectory(opt, [0, 0], [[1, -1], [0.5, 2], [-1, 0]]), [
      [-0.19, 0.19],
      [-0.366, -0.109],
      [-0.2894, -0.1981],
    ]);
  });

  it('plain SGD is θ − lr·g', () => {
    expectClose(trajectory(sgd({ lr: 0.5 }), [1, 2], [[2, -2], [1, 0]]), [[0, 3], [-0.5, 3]]);
  });

  it('Adam with bias correction (and with L2 weight decay)', () => {
    const grads = [[1, -2], [0.5, 1], [-0.25, 0.125]];
    // step 1 is lr·sign(g) up to ε: m̂ = g, ŝ = g²
    expectClose(trajectory(adam({ lr: 0.1 }), [0.5, -0.5], grads), [
      [0.400000001, -0.4000000005],
      [0.3067820382981611, -0.37336629670243154],
      [0.25041590149632964, -0.35637922929587884],
    ]);
    expectClose(trajectory(adam({ lr: 0.1, weightDecay: 0.1 }), [0.5, -0.5], grads), [
      [0.4000000009523809, -0.4000000004878049],
      [0.3063723610659885, -0.37089514609880114],
      [0.24689646781017113, -0.35089525460216986],
    ]);
    expect(adam().config).toEqual({ type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  });

  it('reset() forgets the state; bad hyper-parameters and shapes are typed errors', () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9 });
    const a = trajectory(opt, [0, 0], [[1, -1]]);
    opt.reset();
    expect(trajectory(opt, [0, 0], [[1, -1]])).toEqual(a);
    expect(() => opt.step(new Float32Array(3), new Float64Array(3))).toThrow(ShapeError);
    expect(() => opt.step(new Float32Array(2), new Float64Array(3))).toThrow(ShapeError);
    expect(() => sgd({ lr: -1 })).toThrow(InputError);
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(/momentum > 0/);
    expect(() => adam({ betas: [0.9, 1] })).toThrow(/betas\[1\]/);
  });
});

describe('train', () => {
  const spec = mlpSpec([2, 16, 3], 'relu');
  const data = gauss({ seed: 5 });
  const model: Model = { spec, theta: initParameters(spec, 1) };
  const options = { epochs: 40, lr: 0.05, batchSize: 32, seed: 3 } as const;

  it('reaches > 95% training accuracy with a decreasing loss, deterministically per seed', async () => {
    const engine = await getEngine();
    const a = await train(engine, model, data, options);
    const b = await train(engine, model, data, options);
    const c = await train(engine, model, data, { ...options, seed: 4 });
    const full = evaluate(engine, a.model, data);
    expect(full.accuracy).toBeGreaterThan(0.95);
    expect(a.curve.loss.at(-1)!).toBeLessThan(0.5 * a.curve.loss[0]!);
    expect(a.steps).toBe(40 * Math.ceil(300 / 32));
    expect(a.epochs).toBe(40);
    expect(a.stoppedEarly).toBe(false);
    expect(a.curve.epoch).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(a.curve.loss.length).toBe(40);
    expect(a.curve.accuracy.length).toBe(40);
    expect(a.curve.evalEpoch).toBeUndefined();
    expect(new Uint32Array(a.model.theta.buffer)).toEqual(new Uint32Array(b.model.theta.buffer));
    expect(trainingRecord(a)).toEqual(trainingRecord(b));
    expect(Array.from(c.model.theta)).not.toEqual(Array.from(a.model.theta));
    expect(Array.from(model.theta)).toEqual(Array.from(initParameters(spec, 1))); // input untouched
  });

  it('full-batch training equals the mean gradient + optimizer.step by hand, bit for bit', async () => {
    const engine = await getEngine();
    const small = gauss({ seed: 2, n: 30 });
    const r = await train(engine, model, small, { epochs: 3, optimizer: sgd({ lr: 0.1, momentum: 0.5 }) });
    const theta = Float32Array.from(model.theta);
    const opt = sgd({ lr: 0.1, momentum: 0.5 });
    for (let k = 0; k < 3; k++) opt.step(theta, meanGradient(engine, { spec, theta }, small));
    expect(Array.from(r.model.theta)).toEqual(Array.from(theta));
    expect(r.steps).toBe(3);
    expect(r.batchSize).toBe(30);
  });

  it('Adam trains too; mini-batches keep the last partial batch', async () => {
    const engine = await getEngine();
    const r = await train(engine, model, data, { epochs: 5, optimizer: 'adam', lr: 0.01, batchSize: 64 });
    expect(r.optimizer.type).toBe('adam');
    expect(r.steps).toBe(5 * 5); // 300 = 4·64 + 44
    expect(r.curve.loss.at(-1)!).toBeLessThan(r.curve.loss[0]!);
  });

  it('evaluations and validation curves; stopAtFullAccuracy stops early', async () => {
    const engine = await getEngine();
    const r = await train(engine, model, data, { ...options, epochs: 10, evaluateEvery: 3, validation: gauss({ seed: 6, n: 60 }) });
    expect(r.curve.evalEpoch).toEqual([3, 6, 9, 10]);
    expect(r.curve.fullLoss!.length).toBe(4);
    expect(r.curve.valAccuracy!.length).toBe(4);
    const last = evaluate(engine, r.model, data);
    expect(r.curve.fullLoss!.at(-1)!).toBeCloseTo(last.loss, 12);
    const easy = gauss({ seed: 7, noise: 0.4 });
    const s = await train(engine, model, easy, { ...options, epochs: 500, stopAtFullAccuracy: true });
    expect(s.stoppedEarly).toBe(true);
    expect(s.epochs).toBeLessThan(500);
    expect(s.curve.epoch.length).toBe(s.epochs);
    expect((evaluate(engine, s.model, easy)).accuracy).toBe(1);
    const json = JSON.parse(JSON.stringify(trainingRecord(r))) as unknown;
    expect(json).toEqual(trainingRecord(r));
  });

  it('an exploding learning rate throws NumericalError naming the epoch and the learning rate', async () => {
    const engine = await getEngine();
    const deep = mlpSpec([2, 16, 16, 3], 'relu');
    const run = train(engine, { spec: deep, theta: initParameters(deep, 1) }, gauss({ seed: 1, n: 60 }), { epochs: 20, lr: 1e6, batchSize: 16 });
    await expect(run).rejects.toThrow(NumericalError);
    await expect(run).rejects.toThrow(/epoch 1\b.*learning rate/);
  });

  it('bad options are InputErrors', async () => {
    const engine = await getEngine();
    await expect(train(engine, model, data, { epochs: -1 })).rejects.toThrow(InputError);
    await expect(train(engine, model, data, { epochs: 1, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(train(engine, model, data, { epochs: 1, optimizer: sgd(), lr: 0.1 })).rejects.toThrow(/lr cannot be combined/);
    await expect(train(engine, model, data, { epochs: 1, optimizer: 'adam', momentum: 0.9 })).rejects.toThrow(/SGD options/);
  });

  it('an abort from a progress callback rejects with AbortError; the engine stays usable', async () => {
    const engine = await getEngine();
    const controller = new AbortController();
    const seen: TrainProgress[] = [];
    const run = train(engine, model, data, {
      ...options,
      epochs: 100_000,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.epoch >= 1) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(AbortError);
    expect(seen.length).toBe(1);
    const after = await train(engine, model, data, { ...options, epochs: 2 });
    expect(after.epochs).toBe(2);
  });

  it('an abort from a timer rejects promptly (no epoch completes after it), and progress flows meanwhile', async () => {
    const engine = await getEngine();
    const controller = new AbortController();
    let abortedAt = 0;
    let reports = 0;
    let reportsAfter = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 400);
    const run = train(engine, { spec: mlpSpec([2, 64, 64, 3], 'relu'), theta: initParameters(mlpSpec([2, 64, 64, 3], 'relu'), 1) }, data, {
      ...options,
      epochs: 1_000_000,
      signal: controller.signal,
      onProgress: () => {
        reports++;
        if (abortedAt > 0) reportsAfter++;
      },
    });
    await expect(run).rejects.toThrow(AbortError);
    expect(abortedAt).toBeGreaterThan(0);
    // measured in work, not milliseconds (the machine may be busy): the signal is checked before every mini-batch
    expect(reportsAfter).toBeLessThanOrEqual(1);
    expect(reports).toBeGreaterThanOrEqual(2);
    expect((await train(engine, model, data, { ...options, epochs: 1 })).steps).toBe(10);
  });

  it('public types', () => {
    expectTypeOf(train).returns.resolves.toEqualTypeOf<TrainResult>();
    expectTypeOf<TrainResult['curve']['loss']>().toEqualTypeOf<readonly number[]>();
    expectTypeOf<TrainResult['model']['theta']>().toEqualTypeOf<Float32Array>();
  });
});

describe('recipes', () => {
  const spec = mlpSpec([2, 16, 3], 'relu');
  const data = gauss({ seed: 5, n: 90 });

  it('largeNorm rescales the default init to the exact norm', () => {
    const big = mlpSpec([2, 100, 100, 3], 'relu');
    const m = largeNorm(big, 3, 42.5);
    expect(Math.abs(parameterNorm(m.theta) - 42.5) / 42.5).toBeLessThan(1e-6);
    const base = initParameters(big, 3);
    const ratio = m.theta[17]! / base[17]!;
    expect(ratio).toBeCloseTo(42.5 / parameterNorm(base), 5);
    expect(() => largeNorm(big, 3, 0)).toThrow(InputError);
  });

  it('random labels and adversarial init', async () => {
    const engine = await getEngine();
    const model = { spec, theta: initParameters(spec, 2) };
    const r = await randomLabelRecipe(engine, model, data, { epochs: 3, lr: 0.05, batchSize: 16, labelSeed: 9 });
    expect(Array.from(r.randomData.y)).not.toEqual(Array.from(data.y));
    expect(Array.from(r.randomData.y).sort()).toEqual(Array.from(data.y).sort());
    const phases = new Set<string | undefined>();
    const adv = await adversarialInit(engine, model, data, {
      randomEpochs: 3,
      trueEpochs: 2,
      lr: 0.05,
      batchSize: 16,
      labelSeed: 9,
      onProgress: (p) => phases.add(p.phase),
    });
    expect(Array.from(adv.randomLabels.model.theta)).toEqual(Array.from(r.model.theta));
    expect(adv.trueLabels.epochs).toBe(2);
    expect(adv.model).toBe(adv.trueLabels.model);
    expect([...phases]).toEqual(['random-labels', 'true-labels']);
  });
});

describe('presets', () => {
  it('the table holds the paper\'s numbers', () => {
    expect(PRESET_NAMES).toEqual([
      'gauss-normal', 'gauss-adversarial', 'gauss-large-norm', 'checkerboard-linear', 'checkerboard-wide-margin',
      'hierarchical-normal', 'hierarchical-merged', 'circles-normal', 'moons-normal', 'iris',
    ]);
    const g = PRESETS['gauss-normal'];
    expect(g.model.sizes).toEqual([2, 100, 100, 3]);
    expect(g.optimizer.lr).toBe(0.02);
    expect(g.batchSize).toBe(64);
    expect(g.phases[0]!.epochs).toBe(2000);
    expect(g.data.split).toEqual({ train: 150, test: 60, val: 90 });
    expect(PRESETS['gauss-adversarial'].phases.map((p) => p.epochs)).toEqual([300_000, 20_000]);
    expect(PRESETS['gauss-large-norm'].phases.at(-1)!.epochs).toBe(1000);
    expect(PRESETS.iris.model.sizes).toEqual([4, 50, 50, 3]);
    expect(PRESETS.iris.batchSize).toBe('full');
    expect(PRESETS.iris.optimizer.lr).toBe(0.01);
    // the same "normal" recipe on the other 2-D sets; the paper's points where they are shipped
    for (const [name, classes, paper] of [['hierarchical-normal', 4, true], ['hierarchical-merged', 2, true], ['circles-normal', 2, false], ['moons-normal', 2, false]] as const) {
      const q = PRESETS[name];
      expect([q.model.sizes, q.optimizer.lr, q.batchSize, q.phases.map((ph) => ph.epochs), q.data.paper]).toEqual([[2, 100, 100, classes], 0.02, 64, [2000], paper]);
    }
    expect(PRESETS['hierarchical-merged'].data.merge).toEqual([[0, 1], [2, 3]]);
  });

  it('gauss-normal and checkerboard-wide-margin at a tiny budget', async () => {
    const engine = await getEngine();
    const run = await runPreset(engine, 'gauss-normal', { budget: 0.005, seed: 1 });
    expect(run.preset).toBe('gauss-normal');
    expect([run.data.train.n, run.data.test.n, run.data.val!.n]).toEqual([150, 60, 90]);
    expect(run.model.spec.sizes).toEqual([2, 100, 100, 3]);
    expect(run.training.length).toBe(1);
    expect(run.training[0]!.training.epochs).toBe(10);
    expect(run.training[0]!.training.steps).toBe(30);
    expect(run.training[0]!.training.curve.valLoss!.length).toBe(10);
    expect(run.evaluation.test.accuracy).toBeGreaterThan(0.8);
    expect(JSON.parse(JSON.stringify(run.training))).toEqual(run.training);
    const wide = await runPreset(engine, 'checkerboard-wide-margin', { budget: 0.005 });
    expect(wide.training.map((t) => [t.phase, t.source])).toEqual([['noisy', 'checkerboard-noisy'], ['linear', 'checkerboard-linear']]);
    expect(wide.training[1]!.initialNorm).toBe(wide.training[0]!.training.model.norm);
  });

  it('gauss-adversarial, gauss-large-norm (run and given norm) and iris at a tiny budget', async () => {
    const engine = await getEngine();
    const phases: string[] = [];
    const adv = await runPreset(engine, 'gauss-adversarial', { budget: 0.0002, onProgress: (p) => phases.push(p.phase) });
    expect(adv.training.map((t) => [t.phase, t.training.epochs])).toEqual([['random-labels', 60], ['true-labels', 4]]);
    expect(phases[0]).toBe('random-labels');
    expect(phases.at(-1)).toBe('true-labels');
    const ln = await runPreset(engine, 'gauss-large-norm', { budget: 0.0002 });
    expect(ln.training.map((t) => t.phase)).toEqual(['random-labels', 'large-norm']);
    expect(ln.targetNorm).toBe(ln.training[0]!.training.model.norm);
    expect(Math.abs(ln.training[1]!.initialNorm - ln.targetNorm!) / ln.targetNorm!).toBeLessThan(1e-6);
    const given = await runPreset(engine, 'gauss-large-norm', { budget: 0.01, targetNorm: 30 });
    expect(given.training.map((t) => t.phase)).toEqual(['large-norm']);
    expect(Math.abs(given.training[0]!.initialNorm - 30) / 30).toBeLessThan(1e-6);
    const iris = await runPreset(engine, 'iris', { budget: 0.01 });
    expect([iris.data.train.n, iris.data.test.n, iris.data.val]).toEqual([120, 30, null]);
    expect(iris.training[0]!.training.batchSize).toBe(120);
    expect(iris.training[0]!.training.steps).toBe(10);
    await expect(runPreset(engine, 'nope')).rejects.toThrow(/unknown preset/);
    await expect(runPreset(engine, 'iris', { targetNorm: 3 })).rejects.toThrow(InputError);
  });

  it('a preset run can be aborted', async () => {
    const engine = await getEngine();
    const controller = new AbortController();
    const run = runPreset(engine, 'gauss-normal', { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow(AbortError);
  });
});

describe('the training data may be tiny', () => {
  it('one sample, batch larger than n', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([2, 3], 'identity');
    const r = await train(engine, { spec, theta: initParameters(spec, 0) }, makeDataset([1, 2], [1], 2, 3), { epochs: 2, batchSize: 8, lr: 0.1 });
    expect(r.batchSize).toBe(1);
    expect(r.steps).toBe(2);
  });
});
