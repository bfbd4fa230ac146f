/**
 * The paper's exact data, shipped in src/data/paper.ts, and the presets that run on it.
 *
 * Why the reference is independent: the shipped module is compared bit for bit with the CSV files
 * the paper's own code produced (numpy RandomState draws, torch.randperm split; a copy of
 * ../shared/paper-data in test/fixtures/paper-data), read here with a plain CSV parse — not with
 * the module's decoder. The preset checks then compare what the presets train on with those same
 * shipped sets, and a preset's random-label phase with a direct `train` on the paper's random labels.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { PAPER_DATA, PAPER_DATA_NAMES, isPaperDataName, loadPaperData, type PaperDataName, type PaperSplits } from '../src/data/paper.js';
import { generateToy } from '../src/data/toy.js';
import { randomLabels, split } from '../src/data/transform.js';
import { createEngine } from '../src/engine/engine.js';
import { InputError } from '../src/errors.js';
import { initParameters, mlpSpec } from '../src/model/mlp.js';
import { PRESETS, parameterNorm, presetData, runPreset, type PresetDataOptions, type PresetRun, type RunPresetOptions } from '../src/train/recipes.js';
import { train } from '../src/train/train.js';
import { readTestText } from './helpers/fixtures.js';

const PARTS = ['train', 'test', 'val'] as const;

/** One fixture CSV: the values as written (float64 numbers) and the labels. */
async function readCsv(name: string, part: string): Promise<{ x: number[]; y: number[] }> {
  const lines = (await readTestText(`fixtures/paper-data/${name}.${part}.csv`)).trim().split('\n');
  expect(lines[0]).toBe('x1,x2,label');
  const x: number[] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const [a, b, c] = line.split(',');
    x.push(Number(a), Number(b));
    y.push(Number(c));
  }
  return { x, y };
}

/** The float32 bit patterns of a dataset's features. */
const bits = (d: Dataset): number[] => Array.from(new Uint32Array(d.x.buffer, d.x.byteOffset, d.x.length));
const same = (a: Dataset, b: Dataset): void => {
  expect(bits(a)).toEqual(bits(b));
  expect(Array.from(a.y)).toEqual(Array.from(b.y));
  expect([a.n, a.d, a.classes]).toEqual([b.n, b.d, b.classes]);
};

describe('the shipped paper data', () => {
  it.each(PAPER_DATA_NAMES.flatMap((name) => (['true', 'random'] as const).map((labels) => [name, labels] as const)))(
    '%s, %s labels, equals the paper\'s CSV files bit for bit',
    async (name, labels) => {
      const shipped = loadPaperData(name, { labels });
      const file = labels === 'true' ? name : `${name}-random-labels`;
      for (const part of PARTS) {
        const csv = await readCsv(file, part);
        const d = shipped[part];
        expect(d.n).toBe(PAPER_DATA[name].split[part]);
        expect(d.d).toBe(2);
        expect(d.classes).toBe(PAPER_DATA[name].classes);
        // every written value is a float32 number, and the shipped one has its bits
        for (const v of csv.x) expect(Math.fround(v)).toBe(v);
        expect(bits(d)).toEqual(Array.from(new Uint32Array(Float32Array.from(csv.x).buffer)));
        expect(Array.from(d.y)).toEqual(csv.y);
      }
    },
  );

  it('random labels: the same points and split, the labels permuted over the whole set', () => {
    for (const name of PAPER_DATA_NAMES) {
      const t = loadPaperData(name);
      const r = loadPaperData(name, { labels: 'random' });
      const all = (s: typeof t, f: (d: Dataset) => number[]): number[] => PARTS.flatMap((p) => f(s[p]));
      expect(all(r, bits)).toEqual(all(t, bits));
      const labels = (s: typeof t): number[] => all(s, (d) => Array.from(d.y));
      expect(labels(r).sort()).toEqual(labels(t).sort());
      // not a permutation within the training split: its class counts change
      const counts = (d: Dataset): number[] => Array.from({ length: d.classes }, (_, c) => d.y.filter((v) => v === c).length);
      expect(counts(r.train)).not.toEqual(counts(t.train));
    }
  });

  it('provenance, names and errors', () => {
    expect(PAPER_DATA_NAMES).toEqual(['gauss', 'hierarchical', 'checkerboard-linear', 'checkerboard-noisy']);
    expect(PAPER_DATA.gauss).toMatchObject({ seed: 42, labelSeed: 28, splitSeed: 42, classes: 3, split: { train: 150, test: 60, val: 90 } });
    expect(PAPER_DATA.hierarchical).toMatchObject({ seed: 34, labelSeed: 34, classes: 4, split: { train: 150, test: 60, val: 90 } });
    expect(PAPER_DATA['checkerboard-noisy']).toMatchObject({ seed: 41, labelSeed: 28, classes: 2, split: { train: 200, test: 80, val: 120 } });
    expect(isPaperDataName('circles')).toBe(false);
    expect(() => loadPaperData('circles')).toThrow(InputError);
    expect(() => loadPaperData('gauss', { labels: 'shuffled' as 'true' })).toThrow(InputError);
    // a fresh object per call: callers cannot change the shipped data for the next one
    expect(loadPaperData('gauss').train.x).not.toBe(loadPaperData('gauss').train.x);
  });

  it('public types', () => {
    expectTypeOf(loadPaperData).returns.toEqualTypeOf<PaperSplits>();
    expectTypeOf<PaperSplits['val']>().toEqualTypeOf<Dataset>();
    expectTypeOf<PresetDataOptions['dataSeed']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RunPresetOptions['dataSeed']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<PresetRun['dataSeed']>().toEqualTypeOf<number | null>();
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
