/**
 * The paper's exact data, shipped in src/data/paper.ts.
 *
 * Why the reference is independent: the shipped module is compared bit for bit with the CSV files
 * the paper's own code produced (numpy RandomState draws, torch.randperm split; a copy of
 * ../shared/paper-data in test/fixtures/paper-data), read here with a plain CSV parse — not with
 * the module's decoder. (The presets that run on it: train/recipes.test.ts.)
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { PAPER_DATA, PAPER_DATA_NAMES, loadPaperData, isPaperDataName, type PaperSplits } from '../../src/data/paper.js';
import { InputError } from '../../src/errors.js';
import type { PresetDataOptions, PresetRun, RunPresetOptions } from '../../src/train/recipes.js';
import { bits } from '../helpers/datasets.js';
import { readTestText } from '../helpers/fixtures.js';

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
