/**
 * Also: the per-layer spectra of 784-128-128-10 (n = 1000; each layer's top 5 and trace, the
 * Hutchinson diagonal) against the whole model's spectrum (top 5, λ_max, trace; no density) on the
 * same session: `curvature.per-layer.<case>`.
 *
 * Group `curvature`: one product of each curvature operator of a session — the Hessian (H·v), the
 * generalized Gauss–Newton matrix (G·v: R-forward, then a plain backward of H_ℓ·J v) and the
 * empirical Fisher (F·v: the per-sample products, then a weighted gradient pass) — in one thread,
 * on the paper's model and on 784-128-128-10 (n = 1000). Records `curvature.<case>.<op>`, each
 * against the H·v measured in the same run (ratio = H·v time / its time: above 1 is cheaper).
 */
import { createEngine } from '../src/engine/engine.js';
import { layerBlocks } from '../src/hessian/block.js';
import { perLayerSpectrum } from '../src/hessian/per-layer.js';
import { hessianSpectrum } from '../src/hessian/spectrum.js';
import type { CurvatureName } from '../src/engine/session.js';
import { gaussianVector } from '../src/model/rng.js';
import { caseData, caseModel, MLP_CASES } from './cases.js';
import { timeMedianAsync, timeRecord, type BenchRecord } from './harness.js';

const CASES = ['paper-2-100-100-3.n150', 'mnist-784-128-128-10.n1000'];
const OPERATORS: readonly CurvatureName[] = ['hessian', 'ggn', 'fisher'];

export async function curvatureBench(records: BenchRecord[]): Promise<void> {
  const engine = await createEngine({ threads: 1 });
  try {
    for (const id of CASES) {
      const c = MLP_CASES.find((m) => m.id === id)!;
      const data = caseData(c);
      const model = await caseModel(engine, c, data);
      const session = await engine.session(model, data);
      const v = gaussianVector(1, session.p);
      const out = new Float64Array(session.p);
      const seconds = new Map<CurvatureName, number>();
      // two alternating passes over the operators; the smaller median of each is kept
      for (let round = 0; round < 2; round++) {
        for (const name of round === 0 ? OPERATORS : [...OPERATORS].reverse()) {
          const op = session.curvature(name);
          const t = await timeMedianAsync(() => op.matvec(v, out), { warmup: 2, repeats: 9, minSeconds: 0.1 });
          seconds.set(name, Math.min(seconds.get(name) ?? Infinity, t));
        }
      }
      const hv = seconds.get('hessian')!;
      for (const name of OPERATORS) {
        records.push(timeRecord(`curvature.${id}.${name}`, seconds.get(name)!, name === 'hessian' ? undefined : { seconds: hv, against: 'H·v, this run' },
          `p = ${session.p}, n = ${data.n}, one thread, median of 9 (the smaller of two alternating rounds)`));
      }
      if (id.startsWith('mnist')) {
        let t = performance.now();
        await hessianSpectrum(session.hessian(), { k: 5, density: false, dense: false, seed: 0 });
        const whole = (performance.now() - t) / 1000;
        t = performance.now();
        const layers = await perLayerSpectrum(session.hessian(), layerBlocks(model.spec), { k: 5, seed: 0 });
        const perLayer = (performance.now() - t) / 1000;
        records.push(timeRecord(`curvature.per-layer.${id}`, perLayer, { seconds: whole, against: 'the whole model: top 5, λ_max, trace (no density)' },
          `${layers.blocks.length} layers: top 5 and Hutch++ trace each, Hutchinson diagonal (30 probes); every block product is one whole H·v`));
      }
      await session.close();
    }
  } finally {
    await engine.close();
  }
}
