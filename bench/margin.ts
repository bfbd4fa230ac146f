/**
 * Group `margin`: the margin stage of `analyze` on MNIST 0/1/7 (450 training samples, pixels in
 * [0, 1]) with a 784-128-128-3 ReLU net trained 5 epochs with analyze's defaults (SGD, lr 0.02,
 * batch 64, seed 0) and v_1 the top Lanczos eigenvector: the default boundary-ascent search
 * (7 starts, ≤ 2,000 steps each) with the starts advanced together (src/analysis/margin-batch.ts)
 * against the per-start search it replaced (src/reference/margin.ts), in alternating rounds in one
 * process, single thread. Each round checks that both give the same bits (the result's JSON and
 * every run's steps); the record's ratio is the median per-start time / median batched time.
 * Only the search is timed: the training-set alignments that pick x_t are computed once.
 * Issue 17's target: ≥ 5×.
 */
import { loadNamedData } from '../src/data/named.js';
import { alignmentMatrix } from '../src/analysis/alignment.js';
import { marginSearch, type MarginProblem, type MarginResult } from '../src/analysis/margin.js';
import { createEngine } from '../src/engine/engine.js';
import { lanczos } from '../src/hessian/lanczos.js';
import { initParameters, mlpSpec } from '../src/model/mlp.js';
import { sequentialRuns } from '../src/reference/margin.js';
import { train } from '../src/train/train.js';
import { errorRecord, median, timeRecord, valueRecord, type BenchRecord } from './harness.js';

const ROUNDS = Number(process.env.BENCH_MARGIN_ROUNDS ?? 3);

/** Bitwise equality of two results: JSON writes every double so that it reads back to the same bits. */
function sameBits(a: MarginResult, b: MarginResult): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function marginBench(records: BenchRecord[]): Promise<void> {
  const name = 'margin.mnist017-784-128-128-3';
  const engine = await createEngine({ threads: 1 });
  try {
    const { train: data } = await loadNamedData('mnist', 0);
    const spec = mlpSpec([data.d, 128, 128, data.classes], 'relu');
    const trained = await train(engine, { spec, theta: initParameters(spec, 0) }, data, { epochs: 5, optimizer: 'sgd', lr: 0.02, batchSize: 64, seed: 0 });
    const model = trained.model;
    const session = await engine.session(model, data, { inThread: true });
    let v: readonly number[];
    try {
      v = (await lanczos(session.hessian(), { k: 1, seed: 0 })).eigenvectors[0]!;
    } finally {
      await session.close();
    }
    const { cos } = await alignmentMatrix(engine.net(model, data), [v], 'predicted');
    const problem: MarginProblem = { kernels: engine.kernels, model, train: data, v, alignments: cos };
    const options = { seed: 0 };
    const perStart: number[] = [];
    const batched: number[] = [];
    let equal = true;
    let summary = '';
    for (let r = 0; r < ROUNDS; r++) {
      // alternate which path goes first, so drift in machine load falls on both
      const order = r % 2 === 0 ? ['reference', 'batched'] : ['batched', 'reference'];
      const results: Record<string, MarginResult> = {};
      for (const which of order) {
        const t0 = performance.now();
        results[which] = which === 'batched' ? await marginSearch(problem, options) : await marginSearch(problem, options, sequentialRuns);
        (which === 'batched' ? batched : perStart).push((performance.now() - t0) / 1000);
      }
      equal &&= sameBits(results.batched!, results.reference!);
      const res = results.batched!;
      summary = `margin ${res.margin.toPrecision(6)}, runs (steps) ${res.starts.map((s) => s.steps).join(' ')}`;
      console.error(`  round ${r + 1}/${ROUNDS}: per-start ${perStart.at(-1)!.toFixed(2)} s, batched ${batched.at(-1)!.toFixed(2)} s, same bits ${equal}`);
    }
    records.push(timeRecord(name, median(batched), { seconds: median(perStart), against: 'the per-start search (src/reference/margin.ts)' },
      `boundary-ascent, 7 starts, ${ROUNDS} alternating rounds, single thread; ${summary}`));
    records.push(valueRecord(`${name}.same-bits`, equal ? 1 : 0, 'bool', 'the batched result equals the per-start one bit for bit in every round'));
  } catch (error) {
    records.push(errorRecord(name, error));
  } finally {
    await engine.close();
  }
}
