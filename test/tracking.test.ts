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
  const plain = await analyze(engine, base);
  expect(tracked.tracking.map((t) => t.epoch)).toEqual([10, 20, 30]);
  for (const t of tracked.tracking) {
    expect(t.eigenvalues).toHaveLength(3);
    expect(t.G).toBeGreaterThanOrEqual(0);
    expect(t.G).toBeLessThanOrEqual(1);
    expect(t.testAccuracy).not.toBeNull();
  }
  // the last checkpoint is the final model: its eigenvalues equal the report's (same seed)
  expect(tracked.tracking[2]!.trainLoss).toBeCloseTo(tracked.evaluation.train.loss, 12);
  expect(tracked.evaluation).toEqual(plain.evaluation);
  expect(tracked.spectrum.eigenvalues).toEqual(plain.spectrum.eigenvalues);
});
