/**
 * Group `dense`: the WebAssembly dense eigensolver (src/hessian/eigen/) on real Hessians — of
 * 2-h-h-3 ReLU nets trained 300 epochs on the paper's 150 gauss points, h = 28, 41, 59 (p = 983,
 * 1971, 3897) and the paper's main model 2-100-100-3 (p = 10,703) — and numpy's `eigh` and
 * `eigvalsh` (LAPACK dsyevd / dsyevd without vectors on OpenBLAS, one thread) on the same matrices
 * in the same run, when a python3 with numpy is present ("numpy not available" otherwise).
 * Records per size and kernel build: all eigenpairs (with the time of each stage), eigenvalues
 * only, and the peak resident-set growth; for the paper's model also the paper's G pipeline (build
 * H from p Hv + reduction + divide and conquer + projection of the 150 normalised per-sample
 * gradients) with the machine's cores; and, once, p = 3897 in Chromium (same code, timed in the
 * page). `BENCH_DENSE_SIZES=983,1971` limits the sizes, `BENCH_DENSE_BUILDS=relaxed` the builds,
 * `BENCH_DENSE_NUMPY=native` numpy to its native kernel (at p = 10,703 each numpy eigh takes minutes).
 * Run on an otherwise idle machine: absolute times on shared cores are noise, ratios the signal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { normalizedRows } from '../src/analysis/generalization.js';
import { createEngine, type Engine, type Model } from '../src/engine/engine.js';
import { denseHessianProjection, symmetricEigen, type DenseStage } from '../src/hessian/dense.js';
import { operatorMatrix } from '../src/hessian/operator.js';
import { TWO_STAGE_FROM } from '../src/hessian/eigen/solver.js';
import { initParameters, mlpSpec, parameterCount } from '../src/model/mlp.js';
import { train } from '../src/train/train.js';
import { BUILDS, caseData, MLP_CASES } from './cases.js';
import { bytesRecord, errorRecord, timeRecord, valueRecord, type BenchRecord } from './harness.js';

const WIDTHS = [28, 41, 59, 100];

/** Samples the resident set every 20 ms (the solver yields often enough for the timer to run). */
function peakRss(): { stop: () => number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) - base;
    },
  };
}

/** A .npy file (format 1.0, little-endian f64, C order) of the n×n matrix. */
function writeNpy(path: string, a: Float64Array, n: number): void {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${n}, ${n}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(a.buffer, a.byteOffset, a.byteLength)]));
}

const NUMPY = `
import sys, time, json
import numpy as np
a = np.load(sys.argv[1])
out = {}
for name, fn in (('eigvalsh', np.linalg.eigvalsh), ('eigh', np.linalg.eigh)):
    t = time.perf_counter(); fn(a); out[name] = time.perf_counter() - t
try:
    from threadpoolctl import threadpool_info
    out['blas'] = [i.get('internal_api', '') + ' ' + str(i.get('architecture', '')) + ' threads=' + str(i.get('num_threads')) for i in threadpool_info()]
except Exception:
    out['blas'] = ['threadpoolctl not installed']
out['numpy'] = np.__version__
print(json.dumps(out))
`;

/**
 * numpy's eigvalsh and eigh on the matrix, one OpenBLAS thread, or why not. `native`: with
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so OpenBLAS picks its kernel for this CPU (AVX-512
 * here); otherwise with the environment as this machine sets it (OPENBLAS_CORETYPE=Haswell: AVX2),
 * which is how the eigensolver issue measured numpy.
 */
function numpyTimes(path: string, native: boolean): { eigh: number; eigvalsh: number; note: string } | { error: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  if (native) {
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
  }
  const r = spawnSync('python3', ['-c', NUMPY, path], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error || r.status !== 0) return { error: `numpy not available (${r.error?.message ?? r.stderr.trim().split('\n').pop()})` };
  const o = JSON.parse(r.stdout) as { eigh: number; eigvalsh: number; blas: string[]; numpy: string };
  const kernel = native ? 'OpenBLAS native kernel' : `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'}`;
  return { eigh: o.eigh, eigvalsh: o.eigvalsh, note: `numpy ${o.numpy}, ${kernel}` };
}

/** The Hessian of `model` over `data` (H e_j, symmetrised), in f64. */
async function assemble(engine: Engine, model: Model, data: ReturnType<typeof caseData>): Promise<Float64Array> {
  const session = await engine.session(model, data);
  const H = await operatorMatrix(session.hessian());
  await session.close();
  return H;
}

/** Runs `fn` with stage timing from the progress reports. */
async function staged<T>(fn: (onProgress: (p: { stage: DenseStage }) => void) => Promise<T>): Promise<{ value: T; seconds: number; stages: Partial<Record<DenseStage, number>> }> {
  const stages: Partial<Record<DenseStage, number>> = {};
  let stage = null as DenseStage | null;
  let t = performance.now();
  const t0 = t;
  const value = await fn((p) => {
    if (p.stage === stage) return;
    const now = performance.now();
    if (stage) stages[stage] = (stages[stage] ?? 0) + (now - t) / 1000;
    stage = p.stage;
    t = now;
  });
  const end = performance.now();
  if (stage) stages[stage] = (stages[stage] ?? 0) + (end - t) / 1000;
  return { value, seconds: (end - t0) / 1000, stages };
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const fmtStages = (s: Partial<Record<DenseStage, number>>): string => Object.entries(s).map(([k, v]) => `${k} ${v!.toFixed(2)} s`).join(', ');

export async function denseBench(records: BenchRecord[]): Promise<void> {
  const only = process.env.BENCH_DENSE_SIZES?.split(',').map(Number);
  const data = caseData(MLP_CASES[0]!);
  const dir = mkdtempSync(join(os.tmpdir(), 'hessian-lens-dense-'));
  const trainer = await createEngine({ threads: 1 });
  const splitter = await createEngine({ threads: 2 });
  await splitter.startWorkers(1e6, 1e6); // its worker up before the first timed split
  try {
    for (const h of WIDTHS) {
      const spec = mlpSpec([2, h, h, 3], 'relu');
      const p = parameterCount(spec);
      if (only && !only.includes(p)) continue;
      const model = (await train(trainer, { spec, theta: initParameters(spec, 1) }, data, { epochs: 300, lr: 0.02, batchSize: 64, seed: 0 })).model;
      const what = `Hessian of 2-${h}-${h}-3 ReLU trained 300 epochs on the paper's 150 gauss points`;
      const H = await assemble(trainer, model, data);
      const npy = join(dir, `h${p}.npy`);
      writeNpy(npy, H, p);
      const np = numpyTimes(npy, true);
      const npEnv = process.env.OPENBLAS_CORETYPE && process.env.BENCH_DENSE_NUMPY !== 'native' ? numpyTimes(npy, false) : np;
      rmSync(npy);
      if ('error' in np) records.push(valueRecord(`dense.p${p}.numpy`, NaN, 'n/a', np.error));
      else {
        records.push(timeRecord(`dense.p${p}.numpy-eigh`, np.eigh, 'error' in npEnv ? undefined : { seconds: npEnv.eigh, against: `numpy eigh, ${npEnv.note}` }, np.note));
        records.push(timeRecord(`dense.p${p}.numpy-eigvalsh`, np.eigvalsh, 'error' in npEnv ? undefined : { seconds: npEnv.eigvalsh, against: `numpy eigvalsh, ${npEnv.note}` }, np.note));
      }
      const builds = process.env.BENCH_DENSE_BUILDS ? BUILDS.filter((b) => process.env.BENCH_DENSE_BUILDS!.split(',').includes(b)) : BUILDS;
      for (const build of builds) {
        try {
          const mem = peakRss();
          const all = await staged((onProgress) => symmetricEigen(H, p, { build, onProgress }));
          const peak = mem.stop();
          records.push(timeRecord(`dense.p${p}.all-eigenpairs.${build}`, all.seconds, 'error' in np ? undefined : { seconds: np.eigh, against: `numpy eigh, 1 thread (${np.note})` }, `${what}; ${fmtStages(all.stages)}`));
          if (p < 10_000) {
            // the back-transformation split between this thread and a worker (same bits: checked)
            const two = await staged((onProgress) => symmetricEigen(H, p, { build, onProgress, backtransformElsewhere: splitter.reflectorsElsewhere()! }));
            if (!sameBits(two.value.eigenvectors!, all.value.eigenvectors!)) throw new Error(`p = ${p}: the split back-transformation changed the eigenvectors`);
            records.push(timeRecord(`dense.p${p}.all-eigenpairs.2threads.${build}`, two.seconds, { seconds: all.seconds, against: 'all in one thread, this run' },
              `half the back-transformation on a worker; ${fmtStages(two.stages)}${'error' in np ? '' : `; numpy eigh 1 thread ${np.eigh.toFixed(2)} s`}`));
          }
          records.push(bytesRecord(`dense.p${p}.all-eigenpairs.${build}.peak-rss-growth`, peak, { bytes: 3 * 8 * p * p, against: '3·8p² (matrix, eigenvectors, divide-and-conquer workspace)' }, 'plus the caller\'s copy of the result'));
          const values = await staged((onProgress) => symmetricEigen(H, p, { build, vectors: false, onProgress }));
          records.push(timeRecord(`dense.p${p}.eigenvalues-only.${build}`, values.seconds, 'error' in np ? undefined : { seconds: np.eigvalsh, against: 'numpy eigvalsh, 1 thread' }, `${p >= TWO_STAGE_FROM ? 'two-stage' : 'one-stage'} reduction; ${fmtStages(values.stages)}`));
          if (p >= TWO_STAGE_FROM && p < 10_000) {
            // the choice of reduction, measured: the one-stage one on the same matrix
            const one = await staged((onProgress) => symmetricEigen(H, p, { build, vectors: false, reduction: 'one-stage', onProgress }));
            records.push(timeRecord(`dense.p${p}.eigenvalues-only.one-stage.${build}`, one.seconds, { seconds: values.seconds, against: 'the two-stage reduction (the default here)' }, fmtStages(one.stages)));
          }
        } catch (error) {
          records.push(errorRecord(`dense.p${p}.${build}`, error, what));
        }
      }
      if (h === 59) await abortLatency(records, H, p);
      if (h === 100) await paperPipeline(records, model, data, p);
    }
  } finally {
    await trainer.close();
    await splitter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How long after an abort the solver rejects, fired from a timer inside each stage (issue target: 200 ms at p = 4000). */
async function abortLatency(records: BenchRecord[], H: Float64Array, p: number): Promise<void> {
  for (const stage of ['tridiagonalize', 'solve', 'backtransform'] as const) {
    const controller = new AbortController();
    let firedAt = 0;
    let armed = false;
    const t0 = performance.now();
    try {
      await symmetricEigen(H, p, {
        signal: controller.signal,
        onProgress: (pr) => {
          if (pr.stage !== stage || armed) return;
          armed = true;
          // a little way into the stage, from a timer, as a user's cancel arrives
          setTimeout(() => {
            firedAt = performance.now();
            controller.abort();
          }, 300);
        },
      });
      records.push(errorRecord(`dense.p${p}.abort-latency.${stage}`, new Error('finished before the abort fired')));
    } catch {
      const lag = performance.now() - firedAt;
      records.push(timeRecord(`dense.p${p}.abort-latency.${stage}`, lag / 1000, { seconds: 0.2, against: 'the target: 200 ms' }, `aborted ${((firedAt - t0) / 1000).toFixed(1)} s into the run`));
    }
  }
}

/** The paper's G over all P eigenvectors, end to end, with the machine's cores for the Hv products. */
async function paperPipeline(records: BenchRecord[], model: Model, data: ReturnType<typeof caseData>, p: number): Promise<void> {
  const engine = await createEngine({ threads: 'auto', poolThreshold: 0 });
  try {
    const mem = peakRss();
    const t0 = performance.now();
    const session = await engine.session(model, data);
    const rows = normalizedRows(await session.perSampleGradients(), data.n, p);
    const run = await staged((onProgress) => denseHessianProjection(session.hessian(), rows, { onProgress }));
    await session.close();
    const seconds = (performance.now() - t0) / 1000;
    const peak = mem.stop();
    records.push(timeRecord(`dense.paper-G-all.p${p}`, seconds, { seconds: 150, against: 'the target: 150 s' }, `threads ${engine.threads}; ${fmtStages(run.stages)}; λ1 = ${run.value.spectrum.eigenvalues[0]!.toPrecision(4)}`));
    records.push(bytesRecord(`dense.paper-G-all.p${p}.peak-rss-growth`, peak, { bytes: 2.5e9, against: 'the target: 2.5 GB' }));
    records.push(valueRecord(`dense.paper-G-all.p${p}.peak-rss`, process.memoryUsage().rss / 1e6, 'MB', 'resident set at the end (the process holds the bench\'s own copy of H too)'));
  } catch (error) {
    records.push(errorRecord(`dense.paper-G-all.p${p}`, error));
  } finally {
    await engine.close();
  }
}

/**
 * p = 3897-sized timing in Chromium, once: the same solver from dist/index.js in a page served from
 * this repository, on a seeded random symmetric matrix, against Node on the same matrix in this run.
 */
export async function denseBrowserBench(records: BenchRecord[]): Promise<void> {
  const { chromiumPath, launchChromium, serveRepo } = await import('../test/helpers/chromium.js');
  const n = 3897;
  if (!chromiumPath) {
    records.push(valueRecord(`dense.chromium.p${n}`, NaN, 'n/a', 'Chromium not found'));
    return;
  }
  spawnSync('npm', ['run', 'build:dist'], { stdio: 'ignore' });
  const { Rng } = await import('../src/model/rng.js');
  const rng = new Rng(11);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  const node = await staged((onProgress) => symmetricEigen(A, n, { build: 'relaxed', onProgress }));
  const server = await serveRepo();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/results/`).catch(() => {});
    // a string, not a function: tsx's transform adds helpers (__name) the page does not have
    const r = (await page.evaluate(`(async () => {
      const n = ${n};
      const lib = await import('${server.url}/dist/index.js');
      const rng = new lib.Rng(11);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
      const stages = {};
      let stage = '';
      let t = performance.now();
      const t0 = t;
      const res = await lib.symmetricEigen(A, n, { build: 'relaxed', onProgress: (p) => {
        if (p.stage === stage) return;
        const now = performance.now();
        if (stage) stages[stage] = (stages[stage] ?? 0) + (now - t) / 1000;
        stage = p.stage;
        t = now;
      } });
      const end = performance.now();
      stages[stage] = (stages[stage] ?? 0) + (end - t) / 1000;
      return { seconds: (end - t0) / 1000, stages, first: res.eigenvalues[0], last: res.eigenvalues[n - 1] };
    })()`)) as { seconds: number; stages: Record<string, number>; first: number; last: number };
    const same = r.first === node.value.eigenvalues[0] && r.last === node.value.eigenvalues[n - 1];
    records.push(timeRecord(`dense.chromium.p${n}.all-eigenpairs.relaxed`, r.seconds, { seconds: node.seconds, against: 'Node on the same matrix, this run' },
      `random symmetric; ${fmtStages(r.stages as Partial<Record<DenseStage, number>>)}; extreme eigenvalues ${same ? 'bitwise equal to Node' : 'DIFFER from Node'}`));
  } catch (error) {
    records.push(errorRecord(`dense.chromium.p${n}`, error));
  } finally {
    await browser.close();
    await server.close();
  }
}
