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
import { AbortError } from '../../src/errors.js';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { readTestFile, readTestText } from '../helpers/fixtures.js';
import { randomData } from '../helpers/analysis.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { symmetricEigen } from '../../src/hessian/dense.js';
import { operatorMatrix } from '../../src/hessian/operator.js';
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

describe('analyze: per-layer spectra, the outlier decomposition, a target loss', () => {
  const spec = mlpSpec([2, 8, 8, 3], 'tanh');
  const model = { spec, theta: initParameters(spec, 4) };
  const train = randomData(60, 2, 3, 2);
  const base = { model, data: { train }, top: 4, seed: 1, margin: false, gridRes: 0, precision: 'f64' } as const;

  it('perLayer: each layer\'s top eigenvalues are those of its diagonal block of H, and the exact diagonal is diag(H)', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const r = await analyze(engine, { ...base, perLayer: true, density: false });
      const session = await engine.session(model, train, { precision: 'f64' });
      const H = await operatorMatrix(session.hessian());
      await session.close();
      const p = spec.sizes.reduce((s, n, i, a) => (i === 0 ? 0 : s + (a[i - 1]! + 1) * n), 0);
      expect(r.layers!.operator).toBe('hessian');
      expect(r.layers!.blocks.map((b) => b.tensors)).toEqual([['0.weight', '0.bias'], ['2.weight', '2.bias'], ['4.weight', '4.bias']]);
      expect(r.layers!.blocks.reduce((s, b) => s + b.size, 0)).toBe(p);
      // the dense path ran (p = 131), so the diagonal is exact
      expect(r.layers!.diagonal.method).toBe('exact');
      r.layers!.diagonal.values.forEach((d, j) => expect(Math.abs(d - H[j * p + j]!)).toBeLessThan(1e-12));
      let offset = 0;
      for (const block of r.layers!.blocks) {
        const m = block.size;
        const sub = new Float64Array(m * m);
        for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) sub[i * m + j] = H[(offset + i) * p + offset + j]!;
        const exact = await symmetricEigen(sub, m, { vectors: false });
        const scale = Math.abs(exact.eigenvalues[0]!);
        block.eigenvalues.forEach((l, i) => expect(Math.abs(l - exact.eigenvalues[i]!)).toBeLessThan(1e-6 * scale));
        let trace = 0;
        for (let i = 0; i < m; i++) trace += sub[i * m + i]!;
        expect(Math.abs(block.trace.estimate - trace)).toBeLessThanOrEqual(Math.max(4 * block.trace.stderr, 1e-9 * Math.abs(trace)));
        const diag = Array.from({ length: m }, (_, i) => sub[i * m + i]!);
        expect(block.diagonal.min).toBe(Math.min(...diag));
        expect(block.diagonal.max).toBe(Math.max(...diag));
        offset += m;
      }
      const plain = await analyze(engine, { ...base, density: false });
      expect('layers' in plain).toBe(false);
      expect('decomposition' in plain).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('decompose: each top eigenvalue of H is its GGN part plus its residual part; the GGN\'s top-k are its own; its density comes with density', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const r = await analyze(engine, { ...base, decompose: true, density: true, dense: false });
      const d = r.decomposition!;
      const lambda1 = r.spectrum.eigenvalues[0]!;
      expect(d.shares.map((s) => s.eigenvalue)).toEqual(r.spectrum.eigenvalues);
      for (const s of d.shares) expect(Math.abs(s.ggn + s.residual - s.eigenvalue)).toBeLessThan(1e-6 * lambda1);
      const session = await engine.session(model, train, { precision: 'f64' });
      const G = await operatorMatrix(session.gaussNewton());
      await session.close();
      const exact = await symmetricEigen(G, Math.sqrt(G.length), { vectors: false });
      d.ggnEigenvalues.forEach((l, i) => expect(Math.abs(l - exact.eigenvalues[i]!)).toBeLessThan(1e-6 * exact.eigenvalues[0]!));
      expect(d.outliers.hessian).toBe(r.spectrum.outliers.count);
      expect(d.ggnDensity!.grid.length).toBe(d.ggnDensity!.values.length);
      // the GGN is positive semi-definite: its density has no mass far below zero
      expect(Math.min(...d.ggnDensity!.nodes.flat())).toBeGreaterThan(-1e-6 * exact.eigenvalues[0]!);
      const noDensity = await analyze(engine, { ...base, decompose: true, density: false, dense: false });
      expect(noDensity.decomposition!.ggnDensity).toBeNull();
      expect(noDensity.decomposition!.shares).toEqual(d.shares);
    } finally {
      await engine.close();
    }
  });

  it('targetLoss stops training at the first epoch at or below it and is recorded; one never reached is warned about', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const run = { data: 'gauss', hidden: [8], epochs: 400, lr: 0.1, batchSize: 32, top: 2, density: false, dense: false, margin: false, gridRes: 0 } as const;
      const reached = await analyze(engine, { ...run, targetLoss: 0.3 });
      const record = reached.training![0]!.record;
      expect(record.epochs).toBeLessThan(400);
      expect(record.stoppedEarly).toBe(true);
      expect(reached.evaluation.train.loss).toBeLessThanOrEqual(0.3);
      expect(reached.settings.targetLoss).toBe(0.3);
      expect(reached.warnings.some((w) => w.includes('target loss'))).toBe(false);
      const warned: string[] = [];
      const never = await analyze(engine, { ...run, epochs: 3, targetLoss: 1e-6, onWarning: (m) => warned.push(m) });
      expect(never.training![0]!.record.epochs).toBe(3);
      expect(warned.find((w) => w.startsWith('training did not reach the target loss 0.000001 in 3 epochs'))).toBeDefined();
    } finally {
      await engine.close();
    }
  });

  it('bad combinations are InputErrors before any training', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      await expect(analyze(engine, { ...base, decompose: true, operator: 'ggn' })).rejects.toThrow(/decompose .* needs operator 'hessian', not 'ggn'/);
      await expect(analyze(engine, { preset: 'gauss-normal', targetLoss: 0.1 })).rejects.toThrow(/targetLoss stops training that runs here; a preset/);
      await expect(analyze(engine, { ...base, targetLoss: 0.1 })).rejects.toThrow(/targetLoss stops training, but a model was given/);
      await expect(analyze(engine, { data: 'gauss', targetLoss: -1 })).rejects.toThrow(/targetLoss must be a finite number ≥ 0/);
      await expect(analyze(engine, { ...base, perLayer: 'yes' as never })).rejects.toThrow(/perLayer must be true or false/);
    } finally {
      await engine.close();
    }
  });
});

describe('analyze: the per-layer and decomposition stages report progress and stop on abort', () => {
  it('the overall fraction never decreases through them; an abort inside either rejects with AbortError and the engine still analyses', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const spec = mlpSpec([2, 8, 8, 3], 'tanh');
      const model = { spec, theta: initParameters(spec, 4) };
      const train = randomData(60, 2, 3, 2);
      const options = { model, data: { train }, top: 3, seed: 1, margin: false, gridRes: 0, dense: false, perLayer: true, decompose: true } as const;
      const seen: { stage: string; overall: number }[] = [];
      const full = await analyze(engine, { ...options, onProgress: (p) => seen.push({ stage: p.stage, overall: p.overall }) });
      expect(seen.some((p) => p.stage === 'per-layer')).toBe(true);
      expect(seen.some((p) => p.stage === 'decompose')).toBe(true);
      seen.forEach((p, i) => expect(p.overall).toBeGreaterThanOrEqual(i > 0 ? seen[i - 1]!.overall : 0));
      expect(seen.at(-1)!.overall).toBe(1);
      for (const stage of ['per-layer', 'decompose']) {
        const controller = new AbortController();
        const run = analyze(engine, { ...options, signal: controller.signal, onProgress: (p) => { if (p.stage === stage) controller.abort(); } });
        await expect(run).rejects.toThrow(AbortError);
      }
      const again = await analyze(engine, options);
      expect(again.layers).toEqual(full.layers);
      expect(again.decomposition).toEqual(full.decomposition);
    } finally {
      await engine.close();
    }
  });
});
