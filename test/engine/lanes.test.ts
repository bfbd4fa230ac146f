/**
 * Worker lanes (src/engine/session.ts `runTask`, src/engine/tasks.ts): a session in this thread
 * hands independent work — the spectral density, groups of margin starts — to pool workers that
 * hold a copy of its data. What must hold: a task gives the same bits on a lane as in this thread
 * (the lane's Hessian is the session's: same kernels build, same pairwise sums, same scaling); a
 * lane follows setParameters; a lane task stops on its signal with an AbortError and the session
 * keeps working; margin starts split into groups give the runs of one batch; `analyze` with
 * lanes gives the bits of `analyze` in one thread, with a monotone overall progress; and the
 * engine's default plan keeps a session of few samples in this thread, with lanes, rather than
 * sharding it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { DensityTask } from '../../src/engine/tasks.js';
import { runTask } from '../../src/engine/task-runner.js';
import { wasmVectorOps } from '../../src/engine/vector-ops.js';
import { AbortError } from '../../src/errors.js';
import { spectralDensity } from '../../src/hessian/density.js';
import { initParameters, mlpSpec, parameterCount, type Model } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';
import { laneRunner, margin } from '../../src/analysis/margin.js';
import { analyze } from '../../src/analysis/analyze.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { hessianSpectrum } from '../../src/hessian/spectrum.js';
import type { Session } from '../../src/engine/session.js';

const spec = mlpSpec([2, 24, 24, 3], 'tanh');
const model: Model = { spec, theta: initParameters(spec, 3) };

function blobs(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const x = Float32Array.from({ length: 2 * n }, (_, j) => rng.normal() + 2 * Math.cos((2 * Math.PI * y[j >> 1]!) / 3 + (j & 1) * Math.PI / 2));
  return makeDataset(x, y, 2, 3);
}

const data = blobs(300, 1);
const density: DensityTask = { kind: 'density', probes: 3, steps: 30, seed: 7, vectorOps: 'wasm-simd-f64' };

const engines: Engine[] = [];
async function engine(threads: number): Promise<Engine> {
  const e = await createEngine({ threads, laneThreshold: 0 });
  engines.push(e);
  return e;
}
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

/** For runTask: the work must go to the lane. */
const notHere = (): Promise<never> => Promise.reject(new Error('the task should have run on a lane'));

/** The density as spectralDensity computes it in this thread on the session's own Hessian. */
async function densityHere(session: Session) {
  const ops = wasmVectorOps(session.kernels, { capacityBytes: (density.steps + 2) * session.p * 8 + 4096 });
  return spectralDensity(session.hessian(), { probes: density.probes, steps: density.steps, seed: density.seed, vectorOps: ops });
}

describe('worker lanes of a session', () => {
  it('a density task gives the same bits on a lane as spectralDensity in this thread, and reports a monotone fraction that ends at 1', async () => {
    const e = await engine(2);
    const session = await e.session(model, data);
    expect(session.threads).toBe(1);
    expect(session.lanes).toBe(1);
    const fractions: number[] = [];
    const onLane = await session.runTask(density, { onProgress: (p) => fractions.push(p.fraction) }, notHere);
    expect(session.idleLanes).toBe(1);
    const here = await densityHere(session);
    expect(onLane.nodes).toEqual(here.nodes);
    expect(onLane.weights).toEqual(here.weights);
    expect(onLane.values).toEqual(here.values);
    expect(onLane.matvecs).toBe(here.matvecs);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    // with no lane (an engine of one thread) the caller's own way runs: here, the task runner
    const alone = await (await engine(1)).session(model, data);
    expect(alone.lanes).toBe(0);
    const fallback = await alone.runTask(density, {}, () => runTask(density, { kernels: alone.kernels, hessian: () => alone.hessian() }));
    expect(fallback.values).toEqual(here.values);
    await session.close();
    await alone.close();
  });

  it('a lane follows setParameters', async () => {
    const e = await engine(2);
    const session = await e.session(model, data);
    await session.runTask(density, {}, notHere); // the lane now holds a copy of the data at the first θ
    const moved = Float32Array.from(model.theta, (t, i) => t + 0.01 * Math.sin(i));
    await session.setParameters(moved);
    const onLane = await session.runTask(density, {}, notHere);
    expect(onLane.values).toEqual((await densityHere(session)).values);
    await session.close();
  });

  it('a lane task stops on its signal with an AbortError, and the session keeps working', async () => {
    const e = await engine(2);
    const session = await e.session(model, data);
    const controller = new AbortController();
    const long: DensityTask = { ...density, probes: 50, steps: 100 };
    const running = session.runTask(long, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.fraction > 0) controller.abort();
      },
    }, notHere);
    await expect(running).rejects.toBeInstanceOf(AbortError);
    expect(session.idleLanes).toBe(1);
    expect((await session.runTask(density, {}, notHere)).values).toEqual((await densityHere(session)).values);
    await session.close();
  });

  it('margin starts split over a lane and this thread give the runs of one batch', async () => {
    const here = await (await engine(1)).session(model, data);
    const v = (await lanczos(here.hessian(), { k: 1 })).eigenvectors[0]!;
    const options = { seed: 4, starts: 5, maxSteps: 300 };
    const alone = await margin(here, v, options);
    const e = await engine(2);
    const session = await e.session(model, data);
    const fractions: number[] = [];
    const split = await margin(session, v, { ...options, onProgress: (p) => fractions.push(p.fraction) });
    expect(JSON.stringify(split)).toBe(JSON.stringify(alone));
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions.at(-1)).toBe(1);
    // three groups (two "lanes" that run the task in this thread): the same runs again
    const threeGroups = { idleLanes: 2, runTask: ((task: never, hooks: never) => runTask(task, { kernels: here.kernels }, hooks)) as unknown as Session['runTask'] };
    const viaGroups = await margin({ ...pick(here), ...threeGroups }, v, options);
    expect(JSON.stringify(viaGroups)).toBe(JSON.stringify(alone));
    expect(laneRunner(threeGroups)).toBeTypeOf('function');
    await here.close();
    await session.close();
  });

  it('analyze with a lane gives the bits of analyze in one thread; its overall progress never decreases', async () => {
    const options = { data: { train: data }, hidden: [24, 24], activation: 'tanh' as const, epochs: 3, top: 3, seed: 2, dense: false, gridRes: 0 };
    const strip = (r: object): string => JSON.stringify(r, (key, value: unknown) => (key === 'seconds' || key === 'build' ? undefined : value));
    const one = await analyze(await engine(1), options);
    const overall: number[] = [];
    const stages = new Set<string>();
    const two = await analyze(await engine(2), { ...options, onProgress: (p) => {
      overall.push(p.overall);
      if (p.detail?.includes('on a worker')) stages.add(p.stage);
    } });
    expect(strip(two)).toBe(strip(one));
    expect(stages).toEqual(new Set(['density'])); // the density did run on the lane
    for (let i = 1; i < overall.length; i++) expect(overall[i]!).toBeGreaterThanOrEqual(overall[i - 1]!);
    expect(overall.at(-1)).toBe(1);
  });

  it('hessianSpectrum with the density on a lane (densityElsewhere) gives the bits of the spectrum computed here', async () => {
    const here = await (await engine(1)).session(model, data);
    const vectorOps = (s: Session) => wasmVectorOps(s.kernels, { capacityBytes: 400 * s.p * 8 });
    const options = { k: 3, seed: 5, dense: false } as const;
    const alone = await hessianSpectrum(here.hessian(), { ...options, vectorOps: vectorOps(here) });
    const e = await engine(2);
    const session = await e.session(model, data);
    const ops = vectorOps(session);
    const elsewhere = session.densityOnLane(ops);
    expect(elsewhere).toBeTypeOf('function');
    const stages: string[] = [];
    const split = await hessianSpectrum(session.hessian(), { ...options, vectorOps: ops, densityElsewhere: elsewhere!, onProgress: (p) => stages.push(p.stage) });
    expect(JSON.stringify(split.summary)).toBe(JSON.stringify(alone.summary));
    expect(stages).toContain('density');
    // no idle lane, or kernels a worker cannot make: no density elsewhere
    expect(session.densityOnLane({ ...ops, name: 'custom' })).toBeUndefined();
    expect(here.densityOnLane(ops)).toBeUndefined();
    await here.close();
    await session.close();
  });

  it('by default a session of few samples stays in this thread with lanes; given, poolThreshold alone decides', async () => {
    const wide = mlpSpec([2, 100, 100, 3], 'relu'); // p = 10,703
    const few = blobs(1000, 2); // n·p ≈ 1.07e7 ≥ 1e7, but n < 1,500
    const e = await createEngine({ threads: 2 });
    engines.push(e);
    const s = await e.session({ spec: wide, theta: initParameters(wide, 0) }, few);
    expect(parameterCount(wide) * few.n).toBeGreaterThanOrEqual(1e7);
    expect(s.threads).toBe(1);
    expect(s.lanes).toBe(1);
    await s.close();
    const sharded = await createEngine({ threads: 2, poolThreshold: 1e7 });
    engines.push(sharded);
    const t = await sharded.session({ spec: wide, theta: initParameters(wide, 0) }, few);
    expect(t.threads).toBe(2);
    expect(t.lanes).toBe(0);
    await t.close();
  });
});

function pick(s: Session) {
  return { p: s.p, n: s.n, model: s.model, data: s.data, kernels: s.kernels, perSampleProducts: s.perSampleProducts.bind(s) };
}

describe('one copy of the training set per thread during analyze', () => {
  it('training, tracking and the analysis share one session on the training split (in this thread, and with a lane)', async () => {
    for (const threads of [1, 2]) {
      const e = await engine(threads);
      const bound: Dataset[] = [];
      const session = e.session.bind(e);
      const net = e.net.bind(e);
      e.session = async (m, d, o) => {
        bound.push(d);
        return session(m, d, o);
      };
      e.net = (m, d, o) => {
        bound.push(d);
        return net(m, d, o);
      };
      const report = await analyze(e, { data: { train: data }, hidden: [24, 24], activation: 'tanh', epochs: 4, trackEvery: 2, top: 2, seed: 1, dense: false, gridRes: 0 });
      expect(report.tracking?.length).toBe(2);
      expect(bound.filter((d) => d === data)).toHaveLength(1);
    }
  });
});
