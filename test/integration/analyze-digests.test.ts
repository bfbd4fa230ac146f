/**
 * Bitwise guard for refactors: `analyze` on the two PyTorch fixture models (given model, all
 * stages: spectrum with the dense path, alignment, G over all p, ε, margin, Jacobian, grid for the
 * 2-D case) and on a preset trained at a small budget (tracking on) must give exactly the numbers
 * it gave when these digests were recorded. A digest is the SHA-256 of the result's JSON with the
 * wall-clock fields (`seconds`) removed; JSON writes every double so that it reads back to the
 * same bits, so equal digests mean equal bits. Recorded before the Session restructuring (issue
 * "one bound handle"); a change that is meant to alter results must say so and re-record them.
 * Re-recorded for issue 18, which added `data.split`, `data.files` and `warnings`: with those three
 * fields removed, the iris, preset and tracking records hashed to the digests recorded before; the
 * moons (tanh) record differed only in its margin, from the concurrent switch of the float64
 * activations (src/model/activations.ts) to detmath's exp and tanh.
 */
import { describe, expect, it } from 'vitest';
import { analyze, createEngine, loadMlp, parseCsv, type AnalysisReport } from '../../src/index.js';
import { readTestFile, readTestText } from '../helpers/fixtures.js';

const WALL_CLOCK = new Set(['seconds']);

async function digest(report: AnalysisReport): Promise<string> {
  const json = JSON.stringify(report, (key, value: unknown) => (WALL_CLOCK.has(key) ? undefined : value));
  const bytes = new TextEncoder().encode(json);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fixtureRun(name: string, gridRes: number): Promise<AnalysisReport> {
  const engine = await createEngine({ threads: 1 });
  try {
    const model = loadMlp(await readTestFile(`fixtures/${name}/model.safetensors`));
    const train = parseCsv(await readTestText(`fixtures/${name}/data.csv`));
    const report = await analyze(engine, { model, data: { train, name }, top: 3, gridRes, seed: 3 });
    // the stages the digest covers did run
    expect(report.generalization.all).not.toBeNull();
    expect(report.margin).not.toBeNull();
    expect(report.grid === null).toBe(gridRes === 0);
    return report;
  } finally {
    await engine.close();
  }
}

const EXPECTED = {
  iris: 'f972af064e7789887e648018c8ae1930356295e396d8cf453799cc5081be3973',
  moons: '64e737f712e56dfdc704b0a115a9f9976544fb33ae7fe4ded1510443f27735db',
  tracking: 'a501bb8cbea7c23ac32607a5550a5da71df18c0486981a98565aa93f18cce286',
  preset: '62e5a7ec535594d2982325363aaa2029d6642dd5ea92eb6d017aa4f76322c4c6',
};

describe('analyze gives the recorded bits', () => {
  it('iris 4-16-3 relu fixture, given model, every stage', async () => {
    expect(await digest(await fixtureRun('iris_4-16-3_relu', 0))).toBe(EXPECTED.iris);
  });
  it('moons 2-16-16-2 tanh fixture, given model, every stage with a 12×12 grid', async () => {
    expect(await digest(await fixtureRun('moons_2-16-16-2_tanh', 12))).toBe(EXPECTED.moons);
  });
  it('the gauss-normal preset at 2% of its budget, on two threads (dense path off: p = 10,703)', async () => {
    const engine = await createEngine({ threads: 2, poolThreshold: 0 });
    try {
      const report = await analyze(engine, { preset: 'gauss-normal', budget: 0.02, top: 3, gridRes: 10, seed: 1, dense: false });
      expect(report.margin).not.toBeNull();
      expect(report.grid).not.toBeNull();
      expect(await digest(report)).toBe(EXPECTED.preset);
    } finally {
      await engine.close();
    }
  });
  it('moons trained here with tracking every 10 epochs, on two threads', async () => {
    const engine = await createEngine({ threads: 2, poolThreshold: 0 });
    try {
      const report = await analyze(engine, { data: 'moons', hidden: [16, 16], epochs: 40, trackEvery: 10, top: 3, gridRes: 8, seed: 2 });
      expect(report.tracking.length).toBe(4);
      expect(report.generalization.all).not.toBeNull();
      expect(await digest(report)).toBe(EXPECTED.tracking);
    } finally {
      await engine.close();
    }
  });
});
