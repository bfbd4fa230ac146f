/**
 * Runs the paper's toy presets at full budget and writes docs/paper-results.json plus a markdown
 * table for docs/paper-results.md: top eigenvalues, outliers, G, margin, accuracies.
 * Usage: node --experimental-wasm-relaxed-simd --import tsx scripts/paper-results.ts [preset…]
 */
import { writeFile } from 'node:fs/promises';
import { createEngine } from '../src/engine/engine.js';
import { analyze } from '../src/analysis/analyze.js';
import { PRESET_NAMES } from '../src/train/recipes.js';

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [...PRESET_NAMES];
const engine = await createEngine({ threads: 1 });
const rows: Record<string, unknown>[] = [];
for (const preset of names) {
  const t0 = performance.now();
  const r = await analyze(engine, { preset, seed: 0, gridRes: 0, onProgress: (p) => { if (p.stage !== 'train' || (p.fraction ?? 0) === 0) process.stderr.write(`${preset}: ${p.stage} ${p.detail ?? ''}\n`); } });
  const seconds = (performance.now() - t0) / 1000;
  const row = {
    preset,
    seconds: +seconds.toFixed(1),
    trainAccuracy: r.evaluation.train.accuracy,
    testAccuracy: r.evaluation.test?.accuracy ?? null,
    trainLoss: r.evaluation.train.loss,
    top: r.spectrum.eigenvalues.slice(0, 7),
    outliers: r.spectrum.outliers.count,
    outlierRule: r.spectrum.outliers.rule,
    G_topK: r.generalization.topK.G,
    G_all: r.generalization.all?.G ?? null,
    epsilon: r.generalization.topK.epsilon.value,
    margin: r.margin?.margin ?? null,
    norm: r.model.norm,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  await writeFile(new URL('../docs/paper-results.json', import.meta.url), `${JSON.stringify(rows, null, 2)}\n`);
}
await engine.close();
