/**
 * `analyze` (src/analysis/analyze.ts) beyond the recorded digests: the kernel precision it is
 * given reaches every stage, because every stage computes on the one session it opens.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { createEngine } from '../src/engine/engine.js';
import { parseCsv } from '../src/io/csv.js';
import { loadMlp } from '../src/io/safetensors.js';
import { readTestFile, readTestText } from './helpers/fixtures.js';

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
