/**
 * Group `soak`: does anything leak over many calls, and how close is the memory estimate to a
 * measured peak? (issue 20)
 * 1. 2 × 1,000 Hv calls on a session on a 2-worker pool, then 2 × 200 abort cycles (a Lanczos on the
 *    pool aborted after 5 iterations, again and again); process RSS and external memory at the
 *    start and the end, after a full gc when `--expose-gc` is given. `npm run bench -- soak`
 *    passes no --expose-gc; for gc'd numbers run
 *    `node --expose-gc --experimental-wasm-relaxed-simd --import tsx bench/run.ts soak`.
 * 2. Peak RSS growth (Linux VmHWM after clearing it) of a Lanczos top-10 run to its 200-step cap
 *    (tol 0, plain-TS basis) on an in-thread session of a 20-300-300-3 net, against the estimate
 *    `lanczosMemory` + `netMemoryBytes` make before the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createEngine } from '../src/engine/engine.js';
import { makeDataset } from '../src/data/dataset.js';
import { lanczos } from '../src/hessian/lanczos.js';
import { lanczosMemory, memoryEstimate } from '../src/hessian/memory.js';
import { netMemoryBytes } from '../src/analysis/analyze.js';
import { initParameters, mlpSpec, parameterCount } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';
import { bytesRecord, valueRecord, type BenchRecord } from './harness.js';

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): { rss: number; external: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external };
}

function status(field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function data(n: number, d: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  return makeDataset(new Float32Array(n * d).map(() => rng.normal()), Int32Array.from({ length: n }, (_, i) => i % classes), d, classes);
}

export async function soakBench(records: BenchRecord[]): Promise<void> {
  const gcNote = gc ? 'after gc' : 'no --expose-gc: without a gc';
  // 1. soak on the pool
  {
    const engine = await createEngine({ threads: 2, poolThreshold: 0 });
    const spec = mlpSpec([8, 64, 64, 3], 'tanh');
    const model = { spec, theta: initParameters(spec, 1) };
    const session = await engine.session(model, data(2000, 8, 3, 3));
    const v = gaussianVector(5, parameterCount(spec));
    await session.hvp(v); // warm
    const start = memory();
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await session.hvp(v);
    const afterHv = memory();
    const hvSeconds = (performance.now() - t0) / 1000;
    // a second block: growth that stops after the first (allocator and heap warm-up) is a plateau,
    // growth that goes on is a leak
    for (let i = 0; i < 1000; i++) await session.hvp(v);
    const afterHv2 = memory();
    let aborted = 0;
    const abortCycles = async (first: number): Promise<void> => {
      for (let i = first; i < first + 200; i++) {
        const controller = new AbortController();
        const run = lanczos(session.hessian(), { k: 5, seed: i, signal: controller.signal, onProgress: (pr) => { if (pr.iteration === 5) controller.abort(new Error('soak')); } });
        await run.then(() => undefined, (e: unknown) => { if ((e as Error).name === 'AbortError' || (e as { kind?: string }).kind === 'AbortError') aborted++; else throw e; });
      }
    };
    await abortCycles(0);
    const afterAbort = memory();
    await abortCycles(200);
    const end = memory();
    await session.close();
    await engine.close();
    const what = `2-worker pool, 8-64-64-3 tanh on 2000 samples; ${gcNote}`;
    const mib = (a: { rss: number }, b: { rss: number }): number => (b.rss - a.rss) / 2 ** 20;
    records.push(bytesRecord('soak.rss.start', start.rss, undefined, what));
    records.push(bytesRecord('soak.rss.after-1000-hv', afterHv.rss, undefined, `${hvSeconds.toFixed(1)} s for 1,000 Hv`));
    records.push(valueRecord('soak.rss.growth.hv-block-1', mib(start, afterHv), 'MiB', 'first 1,000 Hv'));
    records.push(valueRecord('soak.rss.growth.hv-block-2', mib(afterHv, afterHv2), 'MiB', 'second 1,000 Hv'));
    records.push(valueRecord('soak.rss.growth.abort-block-1', mib(afterHv2, afterAbort), 'MiB', 'first 200 abort cycles'));
    records.push(valueRecord('soak.rss.growth.abort-block-2', mib(afterAbort, end), 'MiB', `second 200 abort cycles (${aborted} of 400 aborted)`));
    records.push(bytesRecord('soak.rss.end', end.rss, undefined, 'after 2,000 Hv and 400 abort cycles'));
    records.push(valueRecord('soak.rss.growth', (end.rss - start.rss) / 2 ** 20, 'MiB', 'end − start'));
    records.push(bytesRecord('soak.external.start', start.external, undefined, what));
    records.push(bytesRecord('soak.external.end', end.external, undefined, 'external (ArrayBuffers incl. wasm memories)'));
    records.push(valueRecord('soak.external.growth', (end.external - start.external) / 2 ** 20, 'MiB', 'end − start'));
  }
  // 2. estimate against the measured peak
  {
    const engine = await createEngine({ threads: 1 });
    const spec = mlpSpec([20, 300, 300, 3], 'relu');
    const model = { spec, theta: initParameters(spec, 2) };
    const d = data(2000, 20, 3, 4);
    const p = parameterCount(spec);
    const k = 10;
    const cap = Math.min(p, Math.max(20 * k, 200));
    const estimate = memoryEstimate([
      { what: 'session net', bytes: netMemoryBytes(spec, d.n, 4, 512 * 2 ** 20) },
      ...lanczosMemory({ p, k, cap, resident: false }),
    ]).bytes;
    memory();
    let cleared = true;
    try { writeFileSync('/proc/self/clear_refs', '5'); } catch { cleared = false; }
    const base = status('VmRSS');
    const session = await engine.session(model, d);
    const r = await lanczos(session.hessian(), { k, tol: 0, maxIterations: cap });
    const peak = status('VmHWM');
    await session.close();
    await engine.close();
    if (base !== null && peak !== null && cleared) {
      records.push(bytesRecord('soak.estimate-vs-peak.20-300-300-3', peak - base, { bytes: estimate, against: 'the estimate (session net + Lanczos at its cap, JS basis)' },
        `p = ${p}, ${r.iterations} iterations; peak RSS growth over the session and the run`));
      records.push(valueRecord('soak.estimate-over-peak.20-300-300-3', estimate / (peak - base), '×', 'estimate / measured peak growth'));
    } else {
      records.push(bytesRecord('soak.estimate.20-300-300-3', estimate, undefined, 'no /proc peak counter on this platform'));
    }
  }
}
