/**
 * Group `workers`: data-parallel Hv over the worker pool.
 *
 * `hv-2workers.<case>.<build>`: Session Hv on 784-128-128-10, n = 10,000 with
 * createEngine({threads: 2, poolThreshold: 0}) against threads: 1 (ratio = speed-up, target ≥ 1.8),
 * both sessions open and timed in alternating rounds (medians; the note gives the per-round range).
 * `pool-crossover.*`: in-thread vs 2-worker Hv over a sweep of job sizes n·p, for the small
 * paper-shaped net and for 784-128-128-10; the crossover is the smallest n·p at which the pool
 * wins, to compare with the engine's default `poolThreshold` (2,000,000). Sessions shard by
 * 256-sample blocks, so below n = 257 a "pool" session is one worker doing all the work plus the
 * messaging: the sweeps start where two workers get a block each (n = 150 shows the one-block cost).
 */
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { createEngine, type Model } from '../src/engine/engine.js';
import { initParameters, mlpSpec, parameterCount } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';
import { BUILDS, caseData, MLP_CASES } from './cases.js';
import { median, repeatsFor, timeMedianAsync, timeRecord, valueRecord, type BenchRecord } from './harness.js';

function pixels(n: number, d: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return makeDataset(x, Int32Array.from({ length: n }, (_, i) => i % classes), d, classes);
}

async function hvSeconds(threads: number, build: (typeof BUILDS)[number], model: Model, data: Dataset, v: Float64Array): Promise<number> {
  const h = await hvHarness(threads, build, model, data, v);
  try {
    return await timeMedianAsync(h.run, repeatsFor(h.once));
  } finally {
    await h.close();
  }
}

/** A Session Hv ready to time (curvature caches prepared), with the seconds its first call took. */
async function hvHarness(threads: number, build: (typeof BUILDS)[number], model: Model, data: Dataset, v: Float64Array): Promise<{ run: () => Promise<void>; once: number; close: () => Promise<void> }> {
  const engine = await createEngine({ build, threads, poolThreshold: 0 });
  const session = await engine.session(model, data);
  if (session.threads !== Math.min(threads, Math.ceil(data.n / 256))) {
    throw new Error(`expected a session on ${threads} thread(s), got ${session.threads}`);
  }
  const out = new Float64Array(model.theta.length);
  const t0 = performance.now();
  await session.hvpInto(v, out); // prepares the curvature caches
  return {
    run: () => session.hvpInto(v, out),
    once: (performance.now() - t0) / 1000,
    close: async () => {
      await session.close();
      await engine.close();
    },
  };
}

/** Rounds of the 1-thread vs 2-worker comparison: alternated, since this shared VM drifts over a minute. */
const ROUNDS = 5;

export async function workersBench(records: BenchRecord[]): Promise<void> {
  const c = MLP_CASES.find((x) => x.id === 'mnist-784-128-128-10.n10000')!;
  const data = caseData(c);
  const spec = mlpSpec(c.sizes, 'relu');
  const model = { spec, theta: initParameters(spec, 1) };
  const v = gaussianVector(3, parameterCount(spec));
  for (const build of BUILDS) {
    // Both sessions stay open (the idle one costs no CPU) and are timed in alternating rounds.
    const one = await hvHarness(1, build, model, data, v);
    const two = await hvHarness(2, build, model, data, v);
    const ones: number[] = [];
    const twos: number[] = [];
    const speedups: number[] = [];
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const a = await timeMedianAsync(one.run, { warmup: r === 0 ? 1 : 0, repeats: 3, minSeconds: 0 });
        const b = await timeMedianAsync(two.run, { warmup: r === 0 ? 1 : 0, repeats: 3, minSeconds: 0 });
        ones.push(a);
        twos.push(b);
        speedups.push(a / b);
      }
    } finally {
      await one.close();
      await two.close();
    }
    const s = [...speedups].sort((x, y) => x - y);
    records.push(timeRecord(`hv-2workers.${c.id}.${build}`, median(twos), { seconds: median(ones), against: '1 thread (in-thread session)' },
      `ratio = speed-up; target ≥ 1.8; ${ROUNDS} alternating rounds, per-round speed-up ${s[0]!.toFixed(2)}–${s[s.length - 1]!.toFixed(2)}× (median ${median(s).toFixed(2)}×)`));
  }

  // Crossover sweep (last build only: the pool overhead does not depend on the kernels).
  const build = BUILDS[BUILDS.length - 1]!;
  const sweeps = [
    { id: 'paper-2-100-100-3', sizes: [2, 100, 100, 3], ns: [150, 300, 600, 1200, 2400, 9600] },
    { id: 'mnist-784-128-128-10', sizes: [784, 128, 128, 10], ns: [300, 600, 1200, 2400] },
  ];
  for (const s of sweeps) {
    const sp = mlpSpec(s.sizes, 'relu');
    const p = parameterCount(sp);
    const m = { spec: sp, theta: initParameters(sp, 2) };
    const u = gaussianVector(4, p);
    let crossover: number | null = null;
    for (const n of s.ns) {
      const d = s.id.startsWith('paper') && n === 150 ? caseData(MLP_CASES[0]!) : pixels(n, s.sizes[0]!, s.sizes[s.sizes.length - 1]!, n);
      const inThread = await hvSeconds(1, build, m, d, u);
      const pool = await hvSeconds(2, build, m, d, u);
      records.push(timeRecord(`pool-crossover.${s.id}.n${n}.${build}`, pool, { seconds: inThread, against: 'in-thread' }, `n·p = ${(n * p).toExponential(2)}; ratio > 1: pool wins`));
      if (crossover === null && pool < inThread) crossover = n * p;
    }
    records.push(valueRecord(`pool-crossover.${s.id}.${build}`, crossover ?? NaN, 'n·p',
      crossover === null ? 'the pool never won in this sweep' : 'smallest swept n·p where 2 workers beat in-thread (default poolThreshold 1e7)'));
  }
}
