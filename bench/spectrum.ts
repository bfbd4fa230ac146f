/**
 * Group `spectrum`: the exact dense path (issue 3) — p Hv products assemble H, then the f64
 * symmetric eigen-decomposition (Householder + implicit QL, src/hessian/dense.ts) — on
 * 2-h-h-3 ReLU nets over the paper's 150 gauss samples, with h chosen so p ≈ 1000, 2000 (and
 * ≈ 4000 when BENCH_DENSE_4000=1: that one takes about a minute, mostly the decomposition).
 * The reference assembles H with the plain-TS reference (`referenceHessian`, timed on a
 * subsample and scaled) and adds the same decomposition time, since both paths share it.
 * Lanczos top-10 on the paper model and on 784-128-128-10 (issue 3's other lines) is in `users`.
 */
import { createEngine } from '../src/engine/engine.js';
import { denseHessianSpectrum } from '../src/hessian/dense.js';
import { initParameters, mlpSpec, parameterCount } from '../src/model/mlp.js';
import { referenceHessian } from '../src/reference/mlp.js';
import { BUILDS, caseData, MLP_CASES, referenceSeconds } from './cases.js';
import { errorRecord, timeRecord, valueRecord, type BenchRecord } from './harness.js';
import { timedHessian } from './users.js';

export async function spectrumBench(records: BenchRecord[]): Promise<void> {
  const data = caseData(MLP_CASES[0]!);
  const widths = [28, 41, ...(process.env.BENCH_DENSE_4000 === '1' ? [59] : [])];
  for (const h of widths) {
    const spec = mlpSpec([2, h, h, 3], 'relu');
    const p = parameterCount(spec);
    const model = { spec, theta: initParameters(spec, 1) };
    const refAssembly = referenceSeconds(data, (sub) => referenceHessian(spec, model.theta, sub), 0.5);
    for (const build of BUILDS) {
      const engine = await createEngine({ build, threads: 1 });
      const net = engine.net(model, data);
      net.prepareCurvature();
      const runs: { total: number; matvec: number }[] = [];
      try {
        for (let r = 0; r < (p <= 1000 ? 3 : 1); r++) {
          const op = timedHessian(net);
          const t0 = performance.now();
          await denseHessianSpectrum(op);
          runs.push({ total: (performance.now() - t0) / 1000, matvec: op.seconds });
        }
      } catch (error) {
        records.push(errorRecord(`dense-spectrum.p${p}.${build}`, error, `2-${h}-${h}-3 (init seed 1), n = ${data.n}`));
        await engine.close();
        continue;
      }
      runs.sort((a, b) => a.total - b.total);
      const run = runs[Math.floor(runs.length / 2)]!;
      const decomposition = run.total - run.matvec;
      records.push(timeRecord(`dense-spectrum.p${p}.${build}`, run.total, {
        seconds: refAssembly.seconds + decomposition,
        against: `plain-TS referenceHessian${refAssembly.note ? ` (${refAssembly.note})` : ''} + the same decomposition`,
      }, `2-${h}-${h}-3, n = ${data.n}: ${(run.matvec * 1000).toFixed(0)} ms in ${p} matvecs, ${(decomposition * 1000).toFixed(0)} ms decomposing (10 vectors)${runs.length === 1 ? '; single run' : ''}`));
      records.push(valueRecord(`dense-spectrum.p${p}.${build}.matvec-share`, run.matvec / run.total, 'of time'));
      await engine.close();
    }
  }
}
