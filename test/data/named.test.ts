/**
 * The datasets known by name (src/data/named.ts): each name gives the splits its documentation
 * states — the toy sets split as the paper's code splits them, Iris 120/30 standardised on the
 * training split — drawn and cut by the seed. The references are the split sizes written out here
 * and the toy generator and Iris loader themselves (toy.test.ts, iris.test.ts), not this module.
 * ('mnist' needs the optional `mnist` package and is covered by mnist.test.ts's subset checks.)
 */
import { describe, expect, it } from 'vitest';
import { loadNamedData } from '../../src/data/named.js';
import { generateToy } from '../../src/data/toy.js';
import { InputError } from '../../src/errors.js';

/** Sorted rows of a dataset (features then label), to compare sets of samples regardless of order. */
const rows = (d: { x: Float32Array; y: Int32Array; n: number; d: number }): string[] =>
  Array.from({ length: d.n }, (_, i) => `${Array.from(d.x.subarray(i * d.d, (i + 1) * d.d)).join(',')}:${d.y[i]}`).sort();

describe('loadNamedData', () => {
  it('a toy name: its generator drawn with the seed, cut into the paper\'s split sizes', async () => {
    const s = await loadNamedData('moons', 3);
    expect(s.name).toBe('moons');
    expect([s.train.n, s.test!.n, s.val!.n]).toEqual([100, 40, 60]);
    const all = generateToy('moons', { seed: 3 });
    expect([...rows(s.train), ...rows(s.test!), ...rows(s.val!)].sort()).toEqual(rows(all));
    expect(rows((await loadNamedData('moons', 3)).train)).toEqual(rows(s.train));
    expect(rows((await loadNamedData('moons', 4)).train)).not.toEqual(rows(s.train));
  });

  it('iris: 120 training and 30 test samples, standardised on the training split, no validation split', async () => {
    const s = await loadNamedData('iris', 0);
    expect(s.name).toBe('iris (standardised)');
    expect([s.train.n, s.test!.n, s.val]).toEqual([120, 30, null]);
    for (let j = 0; j < 4; j++) {
      let mean = 0;
      for (let i = 0; i < 120; i++) mean += s.train.x[i * 4 + j]! / 120;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
    }
  });

  it('an unknown name is an InputError listing the names', async () => {
    await expect(loadNamedData('mnsit', 0)).rejects.toThrow(InputError);
    await expect(loadNamedData('mnsit', 0)).rejects.toThrow(/^unknown dataset 'mnsit' \(expected iris, mnist, gauss, .*, or a CSV file through the CLI\)$/);
  });
});
