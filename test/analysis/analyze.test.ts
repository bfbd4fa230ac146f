/**
 * `analyze` (src/analysis/analyze.ts) beyond the recorded digests (test/integration/analyze-digests.test.ts):
 * the kernel precision it is given reaches every stage, because every stage computes on the one
 * session it opens; tracking during training (`trackEvery`): a checkpoint every N epochs with loss,
 * accuracies, warm-started top-k eigenvalues and G, without changing the trained model; and the
 * memory estimate before training (docs/errors.md R12): a run whose estimate exceeds the budget is
 * refused before any training, naming the estimate, its parts and the limit, and a run whose
 * estimate is exactly the budget runs (the budget it passes at is read back from the refusal's
 * own message, test/helpers/memory.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { readTestFile, readTestText } from '../helpers/fixtures.js';
import { randomData } from '../helpers/analysis.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { estimateOf, GIB, refusal } from '../helpers/memory.js';

describe('analyze', () => {
  it('precision f64 reaches alignment and G alike (their m_i and mean |A_i| are the same numbers)', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const model = loadMlp(await readTestFile('fixtures/iris_4-16-3_relu/model.safetensors'));
      const train = parseCsv(await readTestText('fixtures/iris_4-16-3_relu/data.csv'));
      const run = (precision: 'f32' | 'f64') => analyze(engine, { model, data: { train }, top: 3, precision, margin: false, dense: false, density: false, seed: 1 });
      const f64 = await run('f64');
      const f32 = await run('f32');
      expect(f64.settings.precision).toBe('f64');
      for (let i = 0; i < 3; i++) {
        expect(f64.generalization.topK.m[i]).toBe(f64.alignment.meanAbs[i]);
        expect(f32.generalization.topK.m[i]).toBe(f32.alignment.meanAbs[i]);
      }
      // and the precision did change the numbers (the check above is not vacuous)
      expect(f64.alignment.meanAbs[0]).not.toBe(f32.alignment.meanAbs[0]);
    } finally {
      await engine.close();
    }
  });
});

it('records checkpoints every N epochs and leaves the training run unchanged', async () => {
  const engine = await createEngine({ threads: 1 });
  const base = { data: 'gauss', hidden: [16, 16], epochs: 30, lr: 0.05, batchSize: 32, seed: 3, top: 3, density: false, margin: false, gridRes: 0 } as const;
  const tracked = await analyze(engine, { ...base, trackEvery: 10 });
  const withMargin = await analyze(engine, { ...base, margin: true, trackEvery: 15 });
  expect(withMargin.tracking.map((t) => t.epoch)).toEqual([15, 30]);
  for (const t of withMargin.tracking) expect(t.margin).toBeGreaterThan(0);
  // the last checkpoint is the final model; its v1 comes from a warm-started Lanczos, so its
  // margin agrees with the report's to the eigenvector's tolerance, not bit for bit
  expect(Math.abs(withMargin.tracking[1]!.margin! - withMargin.margin!.margin) / withMargin.margin!.margin).toBeLessThan(1e-3);
  const plain = await analyze(engine, base);
  expect(tracked.tracking.map((t) => t.epoch)).toEqual([10, 20, 30]);
  for (const t of tracked.tracking) {
    expect(t.eigenvalues).toHaveLength(3);
    expect(t.G).toBeGreaterThanOrEqual(0);
    expect(t.G).toBeLessThanOrEqual(1);
    expect(t.testAccuracy).not.toBeNull();
    expect(t.margin).toBeNull();
  }
  // the last checkpoint is the final model: its eigenvalues equal the report's (same seed)
  expect(tracked.tracking[2]!.trainLoss).toBeCloseTo(tracked.evaluation.train.loss, 12);
  expect(tracked.evaluation).toEqual(plain.evaluation);
  expect(tracked.spectrum.eigenvalues).toEqual(plain.spectrum.eigenvalues);
});

describe('analyze: the estimate before training', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  const rows = (n: number, d: number, classes: number) => {
    const x = new Float32Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 13) / 13 - 0.5;
    return makeDataset(x, Int32Array.from({ length: n }, (_, i) => i % classes), d, classes);
  };

  it('784-4096-4096-3 (p = 20,008,963, the MNIST 0/1/7 net of issue 20) is refused before training, naming the estimate and the limit', async () => {
    const stages: string[] = [];
    const e = await refusal(() => analyze(engine, { data: { train: rows(30, 784, 3) }, hidden: [4096, 4096], epochs: 1, memoryBudget: 8 * GIB, onProgress: (p) => stages.push(p.stage) }));
    expect(e.message).toMatch(/^analyze \(a 784-4096-4096-3 MLP, p = 20,008,963, 30 training samples\) needs an estimated \d+\.\d\d GiB \(\d+ bytes\) at its peak \(data .*θ .*session net .*Lanczos basis of up to 200 vectors .*\), more than the memory budget of 8\.00 GiB \(the memoryBudget option\); use a smaller model/);
    expect(stages).not.toContain('train');
  });

  it('a 1000000-10-2 model on 10 rows is refused before training', async () => {
    const stages: string[] = [];
    const e = await refusal(() => analyze(engine, { data: { train: rows(10, 1_000_000, 2) }, hidden: [10], epochs: 1, memoryBudget: 8 * GIB, onProgress: (p) => stages.push(p.stage) }));
    expect(e.message).toMatch(/^analyze \(a 1000000-10-2 MLP, p = 10,000,032, 10 training samples\) needs an estimated .*Lanczos basis of up to 200 vectors.*more than the memory budget of 8\.00 GiB/);
    expect(stages).not.toContain('train');
  });

  it('an analysis whose estimate is exactly the budget is not refused; one byte less is', async () => {
    const options = { data: { train: rows(24, 2, 3) }, hidden: [6], epochs: 2, top: 2, gridRes: 4, margin: false } as const;
    const estimate = estimateOf(await refusal(() => analyze(engine, { ...options, memoryBudget: 1 })));
    const r = await analyze(engine, { ...options, memoryBudget: estimate });
    expect(r.spectrum.eigenvalues).toHaveLength(2);
    await refusal(() => analyze(engine, { ...options, memoryBudget: estimate - 1 }));
  });
});

describe('analyze over another curvature operator', () => {
  it('operator ggn: the spectrum comes from the Gauss–Newton matrix (Lanczos on Session.gaussNewton agrees), and the record says so', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const spec = mlpSpec([2, 8, 3], 'tanh');
      const model = { spec, theta: initParameters(spec, 4) };
      const train = randomData(60, 2, 3, 2);
      const options = { model, data: { train }, top: 3, seed: 1, dense: false, density: false, margin: false, gridRes: 0 } as const;
      const report = await analyze(engine, { ...options, operator: 'ggn' });
      expect(report.settings.operator).toBe('ggn');
      const hessianReport = await analyze(engine, options);
      expect(hessianReport.settings.operator).toBeUndefined();
      const session = await engine.session(model, train);
      const eig = await lanczos(session.gaussNewton(), { k: 3, seed: 1 });
      report.spectrum.eigenvalues.forEach((l, i) => expect(Math.abs(l - eig.eigenvalues[i]!)).toBeLessThan(1e-4 * Math.abs(eig.eigenvalues[0]!)));
      expect(report.spectrum.eigenvalues).not.toEqual(hessianReport.spectrum.eigenvalues);
      await session.close();
      await expect(analyze(engine, { ...options, operator: 'hess' as never })).rejects.toThrow(/operator must be one of hessian, ggn, fisher, residual, got 'hess'/);
    } finally {
      await engine.close();
    }
  });
});
