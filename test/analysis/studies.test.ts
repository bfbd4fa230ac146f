/**
 * The seed papers' studies (src/analysis/studies.ts) at a small budget: each runs its levels as
 * compare groups, and every finding's verdict is recomputed here from the runs' own records (the
 * outlier counts, the dense spectra, the training losses, test accuracies), so a finding that said
 * something the numbers do not is caught. The full-budget results are in docs/studies.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spearman } from '../../src/analysis/compare.js';
import { BULK_ZERO, LR_BATCH_TARGET_LOSS, study, studyRuns, type StudyReport } from '../../src/analysis/studies.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { InputError } from '../../src/errors.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
});
afterAll(async () => {
  await engine.close();
});

function finding(r: StudyReport, id: string) {
  const f = r.study.findings.find((x) => x.id === id);
  expect(f, id).toBeDefined();
  return f!;
}

describe('studies', () => {
  it('width: four widths on gauss; outlier and bulk findings match the runs\' spectra', async () => {
    const r = await study(engine, 'width', { budget: 0.02, seeds: [0] });
    expect(r.study.levels.map((l) => l.factors.width)).toEqual([6, 12, 24, 48]);
    expect(r.reports.map((a) => a.model.sizes)).toEqual([6, 12, 24, 48].map((w) => [2, w, w, 3]));
    const e = r.reports.map((a) => a.spectrum.eigenvalues);
    const gaps = e.map((l) => Math.max(l[1]! / l[2]!, l[2]! / l[3]!));
    expect(r.study.measures.map((m) => m.classGap)).toEqual(gaps);
    expect(finding(r, 'gap-after-classes').holds).toBe(gaps.every((g) => g >= 2));
    const outliers = r.reports.map((a) => a.spectrum.outliers.count);
    expect(finding(r, 'outliers-fixed').holds).toBe(outliers.every((c) => c === outliers[0]));
    expect(finding(r, 'outliers-vs-classes').holds).toBe(outliers.every((c) => c === 2 || c === 3));
    // the bulk share from each run's dense spectrum
    const shares = r.reports.map((a) => {
      const all = a.spectrum.dense!.eigenvalues;
      return all.filter((x) => Math.abs(x) <= BULK_ZERO * a.spectrum.eigenvalues[0]!).length / all.length;
    });
    expect(r.study.measures.map((m) => m.bulkShare)).toEqual(shares);
    const rho = spearman(r.reports.map((a) => a.model.parameters), shares);
    expect(finding(r, 'bulk-grows').holds).toBe(rho === null ? null : rho > 0);
    expect(r.study.measures.map((m) => m.p)).toEqual(r.reports.map((a) => a.model.parameters));
  });

  it('data: K blobs for K = 2 … 8 and three noise levels; the findings follow the outlier counts and λ_max', async () => {
    const r = await study(engine, 'data', { budget: 0.02, seeds: [3] });
    const levels = r.study.levels.map((l) => [l.factors.classes, l.factors.noise]);
    expect(levels).toEqual([[2, 1], [3, 1], [4, 1], [6, 1], [8, 1], [4, 0.5], [4, 2]]);
    expect(r.reports.map((a) => a.data.classes)).toEqual([2, 3, 4, 6, 8, 4, 4]);
    expect(r.reports.map((a) => a.data.n.train)).toEqual([100, 150, 200, 300, 400, 200, 200]);
    const out = r.reports.map((a) => a.spectrum.outliers.count);
    const rho = spearman([2, 3, 4, 6, 8], out.slice(0, 5));
    expect(finding(r, 'outliers-follow-classes').holds).toBe(rho === null ? null : rho > 0);
    expect(finding(r, 'outliers-vs-classes').holds).toBe([2, 3, 4, 6, 8].every((K, i) => out[i]! >= K - 1 && out[i]! <= K));
    const gaps = [2, 3, 4, 6, 8].map((K, i) => {
      const l = r.reports[i]!.spectrum.eigenvalues;
      return Math.max(l[K - 2]! / l[K - 1]!, l[K - 1]! / l[K]!);
    });
    expect(finding(r, 'gap-after-classes').holds).toBe(gaps.every((g) => g >= 2));
    const noise = [5, 2, 6].map((i) => r.reports[i]!.spectrum.lambdaMax.value);
    const rn = spearman([0.5, 1, 2], noise);
    expect(finding(r, 'separability').holds).toBe(rn === null ? null : rn > 0);
    // the seed draws the data: another seed, other points
    const other = studyRuns('data', { seeds: [4] })[0]!.data as { train: { x: Float32Array } };
    expect((studyRuns('data', { seeds: [3] })[0]!.data as { train: { x: Float32Array } }).train.x).not.toEqual(other.train.x);
  });

  it('lr-batch: a 3 × 3 grid on the same points, each run trained to the target loss or warned about; the ranking findings are compare\'s ρ', async () => {
    const warnings: string[] = [];
    const r = await study(engine, 'lr-batch', { budget: 0.05, seeds: [0], onWarning: (m) => warnings.push(m) });
    expect(r.study.levels.map((l) => [l.factors.lr, l.factors.batch])).toEqual([0.05, 0.1, 0.2].flatMap((lr) => [8, 32, 128].map((b) => [lr, b])));
    const first = r.reports[0]!.data;
    for (const a of r.reports) {
      expect(a.settings.targetLoss).toBe(LR_BATCH_TARGET_LOSS);
      expect(a.data.n).toEqual(first.n);
      expect(a.data.points).toEqual(first.points);
    }
    const reached = r.reports.filter((a) => a.evaluation.train.loss <= LR_BATCH_TARGET_LOSS * (1 + 1e-6)).length;
    const stopped = r.reports.filter((a) => a.training![0]!.record.stoppedEarly).length;
    // a run reaches the target by stopping at it (or exactly at its last epoch)
    expect(reached).toBeGreaterThanOrEqual(stopped);
    expect(finding(r, 'same-loss').holds).toBe(reached === 9);
    expect(warnings.filter((w) => w.includes('did not reach the target loss')).length).toBe(9 - reached);
    for (const [id, key] of [['lambda-max-ranks', 'lambdaMax'], ['G-ranks', 'G'], ['margin-ranks', 'margin'], ['trace-ranks', 'trace']] as const) {
      const rho = r.spearman[key];
      const sign = key === 'margin' ? 1 : -1;
      expect(finding(r, id).holds).toBe(rho === null ? null : sign * rho >= 0.5);
    }
    const sharp = spearman(r.study.levels.map((l) => l.factors.lr! / l.factors.batch!), r.rows.map((row) => row.lambdaMax));
    expect(finding(r, 'sharpness-vs-lr-batch').holds).toBe(sharp === null ? null : sharp < 0);
  });

  it('bad study names, budgets and seeds are InputErrors before any run', () => {
    expect(() => studyRuns('depth' as never)).toThrow(InputError);
    expect(() => studyRuns('depth' as never)).toThrow(/unknown study 'depth' \(studies: width, data, lr-batch\)/);
    expect(() => studyRuns('width', { budget: 0 })).toThrow(/budget must be a finite number > 0/);
    expect(() => studyRuns('width', { seeds: [] })).toThrow(/seeds must be a non-empty array/);
    expect(() => studyRuns('width', { seeds: [1.5] })).toThrow(InputError);
    expect(studyRuns('width', { seeds: [0, 1] }).map((r) => r.label)).toEqual([0, 1].flatMap((s) => [6, 12, 24, 48].map((w) => `width ${w}, seed ${s}`)));
  });
});
