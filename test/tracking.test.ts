/**
 * Tracking during training (`analyze({ trackEvery })`): a checkpoint every N epochs with loss,
 * accuracies, warm-started top-k eigenvalues and G, without changing the trained model.
 */
import { expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { analyze } from '../src/analysis/analyze.js';

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
