/**
 * The training loop (src/train/train.ts).
 *
 * Why the references are independent: the loop's full-batch trajectory is compared with the mean
 * gradient + optimizer.step called by hand; the rest checks behaviour (accuracy reached,
 * determinism, early stop, errors, cancellation, records). Cancellation is measured in progress
 * reports after the abort, not in milliseconds (test/helpers/abort.ts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { gauss } from '../../src/data/toy.js';
import { createEngine, type Engine, type Model } from '../../src/engine/engine.js';
import { AbortError, InputError, NumericalError } from '../../src/errors.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { adam, sgd, train, trainingRecord, type TrainProgress, type TrainResult } from '../../src/train/index.js';
import { abortAfter, bigProblem } from '../helpers/abort.js';

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

  it('stopAtLoss stops after the first epoch whose training loss is at or below the target, on the same trajectory', async () => {
    const engine = await getEngine();
    // the unstopped run's training loss after every epoch, from its checkpoints
    const losses: number[] = [];
    const thetas: Float32Array[] = [];
    await train(engine, model, data, {
      ...options, epochs: 30, checkpointEvery: 1,
      onCheckpoint: ({ model: m }) => {
        losses.push(evaluate(engine, m, data).loss);
        thetas.push(Float32Array.from(m.theta));
      },
    });
    // a target between two epochs' losses: the first epoch at or below it is where training stops
    const first = 12;
    const target = losses[first - 1]!;
    const expected = losses.findIndex((l) => l <= target) + 1;
    expect(expected).toBeGreaterThan(1);
    const s = await train(engine, model, data, { ...options, epochs: 30, stopAtLoss: target });
    expect(s.epochs).toBe(expected);
    expect(s.stoppedEarly).toBe(true);
    expect(s.model.theta).toEqual(thetas[expected - 1]);
    expect(evaluate(engine, s.model, data).loss).toBeLessThanOrEqual(target);
    // a target never reached: every epoch runs
    const never = await train(engine, model, data, { ...options, epochs: 5, stopAtLoss: 0 });
    expect(never.epochs).toBe(5);
    expect(never.stoppedEarly).toBe(false);
    for (const bad of [-0.1, Number.NaN, Infinity, '0.1' as unknown as number]) {
      await expect(train(engine, model, data, { ...options, epochs: 1, stopAtLoss: bad })).rejects.toThrow(/stopAtLoss must be a finite number/);
    }
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

describe('the training data may be tiny', () => {
  it('one sample, batch larger than n', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([2, 3], 'identity');
    const r = await train(engine, { spec, theta: initParameters(spec, 0) }, makeDataset([1, 2], [1], 2, 3), { epochs: 2, batchSize: 8, lr: 0.1 });
    expect(r.batchSize).toBe(1);
    expect(r.steps).toBe(2);
  });
});

it('training rejects promptly and the next training call succeeds', async () => {
  const engine = await createEngine({ threads: 1 });
  const { model, data } = bigProblem();
  let reportsAfter = 0;
  const { error, lag } = await abortAfter(150, (signal, fired) => train(engine, model, data, {
    epochs: 10_000, batchSize: 32, lr: 0.01, signal, onProgress: () => { if (fired()) reportsAfter++; },
  }));
  expect(error).toBeInstanceOf(AbortError);
  // training checks the signal before every mini-batch: no epoch completes after the abort
  expect(reportsAfter, 'progress reports after the abort').toBeLessThanOrEqual(1);
  console.log(`training rejected ${lag.toFixed(0)} ms after the abort`);
  const ok = await train(engine, model, data, { epochs: 1, batchSize: 500, lr: 0.01 });
  expect(ok.epochs).toBe(1);
});
