/**
 * Bitwise guard for refactors: `analyze` on the two PyTorch fixture models (given model, all
 * stages: spectrum with the dense path, alignment, G over all p, ε, margin, Jacobian, grid for the
 * 2-D case) and on a preset trained at a small budget (tracking on) must give exactly the numbers
 * it gave when these digests were recorded. A digest is the SHA-256 of the result's JSON with the
 * wall-clock fields (`seconds`) removed; JSON writes every double so that it reads back to the
 * same bits, so equal digests mean equal bits. Recorded before the Session restructuring (issue
 * "one bound handle"); a change that is meant to alter results must say so and re-record them.
 */
import { describe, expect, it } from 'vitest';
import { analyze, createEngine, loadMlp, parseCsv, type AnalysisReport } from '../src/index.js';
import { readTestFile, readTestText } from './helpers/fixtures.js';

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
  iris: '191c47de14936ac31aaf76eabaf90928c509ff8035dc5e56aa20aae42dd73c8c',
  moons: '29778908085e071e6a75753f539b4b4963579ae8a5a9412cd78aa8a399376a75',
  tracking: '828839bec6bc4c8d8af1ad4ffaaadb83e5125ee05089870d5fa8621eb6c3b671',
  preset: '67da3ad288bea30a45871328a92da665b45c59759394686d4e7d48b332271b87',
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
