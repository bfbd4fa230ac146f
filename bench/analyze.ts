/**
 * Group `analyze`: `analyze` end to end on MNIST 0/1/7 (300 per class, 450 training samples),
 * 784-128-128-3 ReLU trained 5 epochs with analyze's defaults, top 5 — with 1 thread and with 2,
 * in alternating rounds (this shared VM drifts over minutes). Records: `analyze.mnist.2threads`
 * (ratio = speed-up over 1 thread); one `analyze.mnist.<stage>` per stage of the 1-thread runs,
 * timed from the progress reports (with 2 threads the density runs on a worker lane beside the
 * other stages, so stage boundaries there mean little); and `analyze.mnist.density-lane`, the
 * wall time of the density on its lane (first report to last) against the 1-thread density
 * stage. The results must be equal bit for bit between the thread counts (checked: the run fails
 * otherwise).
 */
import { existsSync } from 'node:fs';
import type { AnalysisReport, AnalyzeOptions } from '../src/analysis/analyze.js';
import type { Engine, EngineOptions } from '../src/engine/engine.js';
import { median, timeRecord, valueRecord, type BenchRecord } from './harness.js';

/**
 * The package as users run it (dist/node, built by `npm run bench`), whose workers start from the
 * bundled worker.js; src/ through tsx when dist is missing (its workers then start through tsx,
 * which adds ≈ 0.5 s to the first lane task).
 */
const DIST = new URL('../dist/node/index.js', import.meta.url);
const FROM_DIST = existsSync(DIST);
const lib = (FROM_DIST ? await import(DIST.href) : await import('../src/index.js')) as {
  analyze(engine: Engine, options: AnalyzeOptions): Promise<AnalysisReport>;
  createEngine(options: EngineOptions): Promise<Engine>;
};
const { analyze, createEngine } = lib;

const ROUNDS = 3;
const OPTIONS = { data: 'mnist', hidden: [128, 128], epochs: 5, top: 5, seed: 0 } as const;

interface Timed {
  readonly seconds: number;
  /** seconds per stage, in the order the stages started (1 thread) */
  readonly stages: Map<string, number>;
  /** seconds from the density's first report on a worker lane to its last (2 threads), else 0 */
  readonly lane: number;
  readonly json: string;
}

async function timedAnalyze(threads: number): Promise<Timed> {
  const engine = await createEngine({ threads });
  try {
    const stages = new Map<string, number>();
    let current = '';
    let since = performance.now();
    const t0 = since;
    let laneFirst = 0;
    let laneLast = 0;
    const report: AnalysisReport = await analyze(engine, {
      ...OPTIONS,
      onProgress: ({ stage, detail }) => {
        if (detail?.includes('on a worker')) {
          laneLast = performance.now();
          laneFirst ||= laneLast;
          return;
        }
        if (stage === current) return;
        const now = performance.now();
        if (current) stages.set(current, (stages.get(current) ?? 0) + (now - since) / 1000);
        current = stage;
        since = now;
      },
    });
    const end = performance.now();
    stages.set(current, (stages.get(current) ?? 0) + (end - since) / 1000);
    const json = JSON.stringify(report, (key, value: unknown) => (key === 'seconds' ? undefined : value));
    return { seconds: (end - t0) / 1000, stages, lane: (laneLast - laneFirst) / 1000, json };
  } finally {
    await engine.close();
  }
}

export async function analyzeBench(records: BenchRecord[]): Promise<void> {
  const runs: Record<1 | 2, Timed[]> = { 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const threads of r % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
      const t = await timedAnalyze(threads);
      runs[threads].push(t);
      console.error(`  analyze mnist, ${threads} thread(s), round ${r + 1}: ${t.seconds.toFixed(1)} s (${[...t.stages].map(([s, v]) => `${s} ${v.toFixed(1)}`).join(', ')})`);
    }
  }
  const same = runs[1].concat(runs[2]).every((t) => t.json === runs[1][0]!.json);
  if (!same) throw new Error('analyze gave different results with 1 and 2 threads');
  const total = (threads: 1 | 2): number => median(runs[threads].map((t) => t.seconds));
  const range = (threads: 1 | 2): string => runs[threads].map((t) => t.seconds.toFixed(1)).join(', ');
  const note = `MNIST 0/1/7, 450 train, 784-128-128-3, 5 epochs, top 5, ${FROM_DIST ? 'the built package (dist/node)' : 'src through tsx (no dist/)'}; ${ROUNDS} alternating rounds (1 thread: ${range(1)} s; 2: ${range(2)} s); results equal bit for bit`;
  records.push(timeRecord('analyze.mnist.2threads', total(2), { seconds: total(1), against: 'analyze.mnist.1thread' }, note));
  for (const stage of runs[1][0]!.stages.keys()) {
    records.push(valueRecord(`analyze.mnist.${stage}`, median(runs[1].map((t) => t.stages.get(stage) ?? 0)), 's', 'median over the rounds, 1 thread'));
  }
  const density1 = median(runs[1].map((t) => t.stages.get('density') ?? 0));
  records.push(timeRecord('analyze.mnist.density-lane', median(runs[2].map((t) => t.lane)), { seconds: density1, against: 'density stage, 1 thread' }, 'density on the worker lane (first report to last), 2 threads'));
  records.push(valueRecord('analyze.mnist.margin-share', median(runs[1].map((t) => (t.stages.get('margin') ?? 0) / t.seconds)), 'share', 'margin stage / whole analyze, 1 thread'));
}
