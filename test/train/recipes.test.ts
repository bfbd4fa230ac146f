/**
 * Training recipes and presets (src/train/recipes.ts), and the data the presets run on.
 *
 * Why the references are independent: the preset table is compared with the paper's numbers
 * written out here; what the presets train on is compared bit for bit with the paper's shipped
 * sets (src/data/paper.ts, itself checked against the paper's CSV files in data/paper.test.ts) or
 * with a fresh draw made here; a preset's random-label phase with a direct `train` on the paper's
 * random labels. The rest checks behaviour (norms, phases, budgets, errors, cancellation).
 */
import { describe, expect, it } from 'vitest';
import { loadPaperData, type PaperDataName } from '../../src/data/paper.js';
import { gauss, generateToy } from '../../src/data/toy.js';
import { randomLabels, split } from '../../src/data/transform.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { AbortError, InputError } from '../../src/errors.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import {
  PRESETS,
  PRESET_NAMES,
  adversarialInit,
  largeNorm,
  parameterNorm,
  presetData,
  randomLabelRecipe,
  runPreset,
  train,
} from '../../src/train/index.js';
import { bits, same } from '../helpers/datasets.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());

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

describe('the presets run on it', () => {
  const paper = (name: PaperDataName, labels: 'true' | 'random' = 'true') => loadPaperData(name, { labels });

  it('by default: gauss, checkerboard and hierarchical presets use the paper\'s points and its random labels', () => {
    for (const name of ['gauss-normal', 'gauss-adversarial', 'gauss-large-norm'] as const) {
      const d = presetData(PRESETS[name].data);
      same(d.train, paper('gauss').train);
      same(d.test, paper('gauss').test);
      same(d.val!, paper('gauss').val);
      same(presetData(PRESETS[name].data, { labels: 'random' }).train, paper('gauss', 'random').train);
    }
    same(presetData(PRESETS['checkerboard-linear'].data).train, paper('checkerboard-linear').train);
    same(presetData(PRESETS['checkerboard-wide-margin'].data, { source: 'checkerboard-noisy' }).train, paper('checkerboard-noisy').train);
    same(presetData(PRESETS['hierarchical-normal'].data).val!, paper('hierarchical').val);
    // the 2-class hierarchical set merges {0,1} → 0 and {2,3} → 1 of the paper's labels
    const merged = presetData(PRESETS['hierarchical-merged'].data);
    expect(bits(merged.train)).toEqual(bits(paper('hierarchical').train));
    expect(Array.from(merged.train.y)).toEqual(Array.from(paper('hierarchical').train.y, (c) => c >> 1));
    expect(merged.test.classes).toBe(2);
  });

  it('a data seed draws afresh; circles and moons are our draws; Iris takes no data seed', () => {
    const g = PRESETS['gauss-normal'].data;
    const fresh = presetData(g, { dataSeed: 7 });
    const drawn = split(generateToy('gauss', { seed: 7 }), g.split, 42, { stratify: false });
    same(fresh.train, drawn.train);
    same(fresh.val!, drawn.val!);
    same(presetData(g, { dataSeed: 7, labels: 'random' }).train, split(randomLabels(generateToy('gauss', { seed: 7 }), 28), g.split, 42, { stratify: false }).train);
    const c = PRESETS['circles-normal'].data;
    expect(c.paper).toBe(false);
    same(presetData(c).train, split(generateToy('circles', { seed: 42 }), { train: 100, test: 40, val: 60 }, 42, { stratify: false }).train);
    expect(presetData(PRESETS['moons-normal'].data).train.n).toBe(100);
    expect(() => presetData(PRESETS.iris.data, { dataSeed: 1 })).toThrow(InputError);
    expect(() => presetData(g, { dataSeed: 1.5 })).toThrow(InputError);
  });

  it('runPreset trains on the paper\'s data, its random-label phase on the paper\'s random labels', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const adv = await runPreset(engine, 'gauss-adversarial', { budget: 1e-5, seed: 3 });
      expect(adv.dataSeed).toBeNull();
      same(adv.data.train, paper('gauss').train);
      expect(adv.training.map((t) => [t.phase, t.labels, t.training.epochs])).toEqual([['random-labels', 'random', 3], ['true-labels', 'true', 1]]);
      // the random-label phase, redone by hand on the paper's random labels: the same θ
      const spec = mlpSpec([2, 100, 100, 3], 'relu');
      const direct = await train(engine, { spec, theta: initParameters(spec, 3) }, paper('gauss', 'random').train, { epochs: 3, optimizer: 'sgd', lr: 0.02, batchSize: 64, seed: 3 });
      expect(adv.training[0]!.training.model.norm).toBe(parameterNorm(direct.model.theta));
      const fresh = await runPreset(engine, 'gauss-normal', { budget: 0.0005, dataSeed: 7 });
      expect(fresh.dataSeed).toBe(7);
      same(fresh.data.train, presetData(PRESETS['gauss-normal'].data, { dataSeed: 7 }).train);
      await expect(runPreset(engine, 'iris', { dataSeed: 1 })).rejects.toThrow(InputError);
    } finally {
      await engine.close();
    }
  });
});
