/**
 * The paper's toy section in one call: its experiments (gauss normal / adversarial init / large
 * norm, checkerboard linear / wide margin, Iris, hierarchical 4 vs 2 classes) trained by their
 * presets on the paper's points and analysed as `analyze` does, over S seeds, at a budget (1 = the
 * paper's epochs); every quantity as median and range over the seeds, next to the numbers in the
 * paper's committed figures; then the paper's claims, each checked on the medians, with how many
 * seeds agree.
 *
 * Claims and how they are checked (strict inequalities between medians over seeds; a claim whose
 * numbers are missing, e.g. the margin when `margin: false`, is `n/a`):
 *   - the adversarial-init minimum has a larger G, and a worse test accuracy, than the normal one;
 *   - the wide-margin checkerboard minimum has the larger margin, and the better test accuracy;
 *   - more outliers for the more complex boundary: hierarchical 4 classes vs the same points in 2
 *     merged classes; adversarial init vs normal;
 *   - the top eigenvector's alignment with the decision boundary, |A₁(x_b)| at the boundary point
 *     x_b of the margin search, is far above ε (we take "far" as ≥ 10 ε) in every experiment.
 * G is over all p eigenvectors (the paper's definition) when the dense path ran for every run
 * compared, else over the top-k for all of them; each record says which (`gOver`).
 * A seed "agrees" with a claim when the claim holds on that seed's runs alone (runs are paired by
 * seed and data seed).
 * see: Sabanayagam, Behrens, Adomaityte, Dawid, arXiv 2306.07104 (the figure values
 *      are read off its committed figures).
 */
import { InputError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import { checkSeed } from '../hessian/validate.js';
import { PRESETS, type PresetName } from '../train/recipes.js';
import type { AnalysisReport, AnalyzeOptions, AnalyzeProgress } from './analyze.js';
import { compare, type CompareRun, type GOver } from './compare.js';
import { seedStat, seedStats, type SeedStat } from './seed-stats.js';

/** Schema of {@link ReproductionReport}. */
export const REPRODUCTION_SCHEMA = 'hessian-lens/reproduction@1';

/** The paper's toy experiments, in the order of the page. */
export const REPRODUCTION_EXPERIMENTS = Object.freeze([
  'gauss-normal',
  'gauss-adversarial',
  'gauss-large-norm',
  'checkerboard-linear',
  'checkerboard-wide-margin',
  'iris',
  'hierarchical-normal',
  'hierarchical-merged',
] as const satisfies readonly PresetName[]);

/** One of {@link REPRODUCTION_EXPERIMENTS}. */
export type ReproductionExperimentName = (typeof REPRODUCTION_EXPERIMENTS)[number];

/** What the paper's committed figures show for an experiment (null: not in a figure). */
export interface PaperFigureValues {
  /** top eigenvalues, largest first */
  readonly eigenvalues: readonly number[] | null;
  /** outliers marked in the spectrum histogram */
  readonly outliers: number | null;
}

/** The numbers read from the paper's committed figures. */
export const PAPER_FIGURES: Readonly<Record<ReproductionExperimentName, PaperFigureValues>> = Object.freeze({
  'gauss-normal': { eigenvalues: [0.154, 0.023, 0.009, 0.006, 0.005, 0.002, 0.002], outliers: 2 },
  'gauss-adversarial': { eigenvalues: null, outliers: 3 },
  'gauss-large-norm': { eigenvalues: null, outliers: 1 },
  'checkerboard-linear': { eigenvalues: null, outliers: null },
  'checkerboard-wide-margin': { eigenvalues: null, outliers: null },
  iris: { eigenvalues: null, outliers: null },
  'hierarchical-normal': { eigenvalues: null, outliers: null },
  'hierarchical-merged': { eigenvalues: null, outliers: null },
});

/** "Far above ε": |A₁(x_b)| at least this many times ε. */
export const BOUNDARY_ALIGNMENT_FACTOR = 10;

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  /** share of the paper's epochs (default 1: the full budget; the random-label phase is 300,000 epochs) */
  readonly budget?: number;
  /** model init and shuffle seeds (default [0]) */
  readonly seeds?: readonly number[];
  /**
   * fresh draws of the data with these generator seeds, each run with every seed (default: none,
   * the paper's points). Iris is measured data and keeps its points.
   */
  readonly dataSeeds?: readonly number[];
  /** a subset of the experiments (default all); claims about missing experiments are `n/a` */
  readonly experiments?: readonly ReproductionExperimentName[];
  /** top eigenpairs (default 10) */
  readonly top?: number;
  /** the dense path, as `analyze` (default 'auto': on within the dense limit, which holds every model here) */
  readonly dense?: boolean | 'auto';
  /** grid resolution of the alignment maps (default 40; 0 = none) */
  readonly gridRes?: number;
  /** spectral density by SLQ (default true) */
  readonly density?: boolean;
  /** margin search (default true; without it the margin claims are `n/a`) */
  readonly margin?: boolean;
  readonly precision?: Precision;
  readonly cacheBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReproduceProgress) => void;
}

/** Progress of {@link reproduce}: the running analysis and its place among all runs. */
export interface ReproduceProgress extends AnalyzeProgress {
  readonly experiment: ReproductionExperimentName;
  /** 1-based */
  readonly run: number;
  readonly runs: number;
  readonly label: string;
}

/** One run (seed, data seed) of an experiment. */
export interface ReproductionRun {
  readonly seed: number;
  /** null: the paper's points */
  readonly dataSeed: number | null;
  /** index of the run's full analysis in {@link ReproductionReport.reports} */
  readonly report: number;
  /** wall-clock seconds (training and analysis) */
  readonly seconds: number;
  /** [k] top eigenvalues (Lanczos, or the dense path) */
  readonly eigenvalues: readonly number[];
  readonly outliers: number;
  /** G over `gOver` of the experiment */
  readonly G: number;
  readonly GTopK: number;
  readonly GAll: number | null;
  /** ε of G (random directions) */
  readonly epsilon: number;
  readonly margin: number | null;
  /** |A₁(x_b)| at the boundary point of the margin search */
  readonly boundaryAlignment: number | null;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number | null;
}

/** Quantities of an experiment summarised over its runs. */
export const EXPERIMENT_QUANTITIES = ['outliers', 'G', 'GTopK', 'GAll', 'epsilon', 'margin', 'boundaryAlignment', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds'] as const;

/** Name of a summarised quantity. */
export type ExperimentQuantity = (typeof EXPERIMENT_QUANTITIES)[number];

/** One experiment: its runs, their medians and ranges, and the paper's figure values. */
export interface ReproductionExperiment {
  readonly id: ReproductionExperimentName;
  readonly description: string;
  /** p */
  readonly parameters: number;
  readonly sizes: readonly number[];
  readonly paper: PaperFigureValues;
  /** `all` when every run has G over all p eigenvectors, else `top-k` */
  readonly gOver: GOver;
  readonly runs: readonly ReproductionRun[];
  readonly stats: { readonly [K in ExperimentQuantity]: SeedStat };
  /** [k] index-wise over the runs' top eigenvalues */
  readonly eigenvalues: readonly SeedStat[];
}

/** The outcome of a claim: it holds or fails on the medians, or cannot be checked. */
export type ClaimVerdict = 'holds' | 'fails' | 'n/a';

/** One number a claim rests on. */
export interface ClaimNumber {
  /** e.g. "G (top-k), gauss-adversarial" */
  readonly label: string;
  readonly stat: SeedStat;
}

/** One of the paper's claims, checked on our numbers. */
export interface ReproductionClaim {
  readonly id: string;
  /** the claim as the paper makes it */
  readonly statement: string;
  /** how it is checked here */
  readonly check: string;
  /** on the medians over seeds */
  readonly verdict: ClaimVerdict;
  readonly numbers: readonly ClaimNumber[];
  /** seeds (seed, data seed pairs) on whose runs alone the claim holds */
  readonly agree: number;
  /** seeds on which it could be checked */
  readonly of: number;
}

/** The versioned reproduction record (`hessian-lens/reproduction@1`). */
export interface ReproductionReport {
  readonly schema: typeof REPRODUCTION_SCHEMA;
  readonly settings: {
    readonly budget: number;
    readonly seeds: readonly number[];
    /** null: the paper's points */
    readonly dataSeeds: readonly number[] | null;
    readonly top: number;
    readonly dense: boolean | 'auto';
    readonly gridRes: number;
    readonly density: boolean;
    readonly margin: boolean;
    readonly statistic: 'meanAbs';
    readonly precision: Precision;
    readonly kernelBuild: string;
    readonly boundaryAlignmentFactor: number;
  };
  /** wall-clock seconds of the whole reproduction */
  readonly seconds: number;
  readonly experiments: readonly ReproductionExperiment[];
  readonly claims: readonly ReproductionClaim[];
  /** the full analysis of every run, in run order (experiments' runs point here) */
  readonly reports: readonly AnalysisReport[];
}

function checkSeeds(seeds: readonly number[] | undefined, name: string): void {
  if (seeds === undefined) return;
  if (!Array.isArray(seeds) || seeds.length === 0) throw new InputError(`reproduce: ${name} must be a non-empty array of seeds`);
  seeds.forEach((s) => checkSeed(s, `reproduce: ${name}`));
  if (new Set(seeds).size !== seeds.length) throw new InputError(`reproduce: ${name} has a repeated seed`);
}

/** The run key of a seed pair. */
const pairKey = (seed: number, dataSeed: number | null): string => `${seed}/${dataSeed ?? 'paper'}`;

/**
 * Trains and analyses the paper's toy experiments over the seeds and checks its claims; see the
 * module notes. Long stages report through `onProgress` and stop on `signal`.
 */
export async function reproduce(engine: Engine, options: ReproduceOptions = {}): Promise<ReproductionReport> {
  const budget = options.budget ?? 1;
  if (!(typeof budget === 'number' && Number.isFinite(budget) && budget >= 0)) throw new InputError(`reproduce: budget must be a finite number ≥ 0, got ${String(budget)}`);
  checkSeeds(options.seeds, 'seeds');
  checkSeeds(options.dataSeeds, 'dataSeeds');
  const seeds = options.seeds ?? [0];
  const dataSeeds = options.dataSeeds ?? null;
  const names = options.experiments ?? REPRODUCTION_EXPERIMENTS;
  if (!Array.isArray(names) || names.length === 0) throw new InputError('reproduce: experiments must be a non-empty array');
  for (const name of names) {
    if (!(REPRODUCTION_EXPERIMENTS as readonly string[]).includes(name)) throw new InputError(`reproduce: unknown experiment '${String(name)}' (experiments: ${REPRODUCTION_EXPERIMENTS.join(', ')})`);
  }
  const chosen = REPRODUCTION_EXPERIMENTS.filter((n) => names.includes(n));
  const top = options.top ?? 10;
  const gridRes = options.gridRes ?? 40;
  const density = options.density ?? true;
  const withMargin = options.margin ?? true;
  const dense = options.dense ?? 'auto';

  const shared: AnalyzeOptions = {
    budget, top, gridRes, density, margin: withMargin, dense,
    ...(options.precision ? { precision: options.precision } : {}),
    ...(options.cacheBytes !== undefined ? { cacheBytes: options.cacheBytes } : {}),
  };
  const runs: (CompareRun & { experiment: ReproductionExperimentName })[] = [];
  for (const experiment of chosen) {
    // Iris is measured data: a data seed cannot draw it afresh, so it keeps its points
    const draws: (number | null)[] = dataSeeds && experiment !== 'iris' ? [...dataSeeds] : [null];
    for (const dataSeed of draws) {
      for (const seed of seeds) {
        runs.push({
          ...shared, experiment, group: experiment, preset: experiment, seed,
          ...(dataSeed !== null ? { dataSeed } : {}),
          label: `${experiment} seed ${seed}${dataSeed !== null ? `, data seed ${dataSeed}` : ''}`,
        });
      }
    }
  }
  const start = performance.now();
  const compared = await compare(engine, runs.map(({ experiment: _e, ...run }) => run), {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => options.onProgress?.({ ...p, experiment: runs[p.run - 1]!.experiment }),
  });
  const seconds = (performance.now() - start) / 1000;
  const reports = compared.reports;

  const experiments: ReproductionExperiment[] = chosen.map((id) => {
    const idx = runs.flatMap((r, i) => (r.experiment === id ? [i] : []));
    const gOver: GOver = idx.every((i) => reports[i]!.generalization.all) ? 'all' : 'top-k';
    const rows: ReproductionRun[] = idx.map((i) => {
      const r = reports[i]!;
      const row = compared.rows[i]!;
      return {
        seed: row.seed,
        dataSeed: row.dataSeed,
        report: i,
        seconds: row.seconds,
        eigenvalues: r.spectrum.eigenvalues,
        outliers: r.spectrum.outliers.count,
        G: gOver === 'all' ? r.generalization.all!.G : r.generalization.topK.G,
        GTopK: r.generalization.topK.G,
        GAll: r.generalization.all?.G ?? null,
        epsilon: r.generalization.topK.epsilon.value,
        margin: r.margin?.margin ?? null,
        boundaryAlignment: r.margin?.finalAbsAlignment ?? null,
        trainLoss: r.evaluation.train.loss,
        trainAccuracy: r.evaluation.train.accuracy,
        testAccuracy: r.evaluation.test?.accuracy ?? null,
      };
    });
    const first = reports[idx[0]!]!;
    return Object.freeze({
      id,
      description: PRESETS[id].description,
      parameters: first.model.parameters,
      sizes: first.model.sizes,
      paper: PAPER_FIGURES[id],
      gOver,
      runs: rows,
      stats: Object.fromEntries(EXPERIMENT_QUANTITIES.map((q) => [q, seedStat(rows.map((r) => r[q]))])) as ReproductionExperiment['stats'],
      eigenvalues: seedStats(rows.map((r) => r.eigenvalues)),
    });
  });

  return Object.freeze({
    schema: REPRODUCTION_SCHEMA,
    settings: {
      budget, seeds: [...seeds], dataSeeds: dataSeeds ? [...dataSeeds] : null, top, dense, gridRes, density, margin: withMargin,
      statistic: 'meanAbs' as const, precision: options.precision ?? 'f32', kernelBuild: engine.build, boundaryAlignmentFactor: BOUNDARY_ALIGNMENT_FACTOR,
    },
    seconds,
    experiments,
    claims: checkClaims(experiments),
    reports,
  });
}

type Quantity = 'G' | 'testAccuracy' | 'margin' | 'outliers';

const QUANTITY_NAME: Record<Quantity, string> = { G: 'G', testAccuracy: 'test accuracy', margin: 'margin', outliers: 'outliers' };

/**
 * The paper's claims on these experiments (see the module notes); each on the medians, and on
 * every seed pair alone for the agreement count.
 */
export function checkClaims(experiments: readonly ReproductionExperiment[]): ReproductionClaim[] {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  /** the run of `e` for a seed pair; an experiment without data seeds (Iris) answers with its own points */
  const runOf = (e: ReproductionExperiment, seed: number, dataSeed: number | null): ReproductionRun | undefined =>
    e.runs.find((r) => r.seed === seed && r.dataSeed === dataSeed) ?? e.runs.find((r) => r.seed === seed && r.dataSeed === null);
  const pairs = [...new Map(experiments.flatMap((e) => e.runs.map((r) => [pairKey(r.seed, r.dataSeed), [r.seed, r.dataSeed] as const]))).values()];

  /** a > b on the medians (direction 'larger') or a < b ('smaller'), and per seed pair */
  const comparison = (id: string, statement: string, q: Quantity, a: ReproductionExperimentName, b: ReproductionExperimentName, direction: 'larger' | 'smaller'): ReproductionClaim => {
    const ea = byId.get(a);
    const eb = byId.get(b);
    // G over one definition for both: all p only when both experiments have it
    const over: GOver = ea?.gOver === 'all' && eb?.gOver === 'all' ? 'all' : 'top-k';
    const key = q === 'G' ? (over === 'all' ? 'GAll' : 'GTopK') : q;
    const name = q === 'G' ? `G (${over === 'all' ? 'all p' : 'top-k'})` : QUANTITY_NAME[q];
    const check = `median ${name} of ${a} ${direction === 'larger' ? '>' : '<'} that of ${b}`;
    if (!ea || !eb) return { id, statement, check, verdict: 'n/a', numbers: [], agree: 0, of: 0 };
    const sa = ea.stats[key];
    const sb = eb.stats[key];
    const holds = (x: number | null | undefined, y: number | null | undefined): boolean | null =>
      typeof x !== 'number' || typeof y !== 'number' ? null : direction === 'larger' ? x > y : x < y;
    const verdict = holds(sa.median, sb.median);
    let agree = 0;
    let of = 0;
    for (const [seed, dataSeed] of pairs) {
      const ra = runOf(ea, seed, dataSeed);
      const rb = runOf(eb, seed, dataSeed);
      const h = ra && rb ? holds(ra[key], rb[key]) : null;
      if (h === null) continue;
      of++;
      if (h) agree++;
    }
    return {
      id, statement, check,
      verdict: verdict === null ? 'n/a' : verdict ? 'holds' : 'fails',
      numbers: [{ label: `${name}, ${a}`, stat: sa }, { label: `${name}, ${b}`, stat: sb }],
      agree, of,
    };
  };

  const alignmentClaim = (): ReproductionClaim => {
    const statement = 'The top eigenvectors align with the decision boundary: the alignment at boundary points is close to 1, far above the random-direction level ε.';
    const check = `median |A₁(x_b)| ≥ ${BOUNDARY_ALIGNMENT_FACTOR} × median ε in every experiment (x_b: the boundary point of the margin search)`;
    const numbers: ClaimNumber[] = experiments.flatMap((e) => [
      { label: `|A₁(x_b)|, ${e.id}`, stat: e.stats.boundaryAlignment },
      { label: `ε, ${e.id}`, stat: e.stats.epsilon },
    ]);
    const far = (a: number | null | undefined, eps: number | null | undefined): boolean | null =>
      typeof a !== 'number' || typeof eps !== 'number' ? null : a >= BOUNDARY_ALIGNMENT_FACTOR * eps;
    const each = experiments.map((e) => far(e.stats.boundaryAlignment.median, e.stats.epsilon.median));
    const verdict: ClaimVerdict = experiments.length === 0 || each.some((h) => h === null) ? 'n/a' : each.every(Boolean) ? 'holds' : 'fails';
    let agree = 0;
    let of = 0;
    for (const [seed, dataSeed] of pairs) {
      const hs = experiments.map((e) => {
        const r = runOf(e, seed, dataSeed);
        return r ? far(r.boundaryAlignment, r.epsilon) : null;
      });
      if (hs.length === 0 || hs.some((h) => h === null)) continue;
      of++;
      if (hs.every(Boolean)) agree++;
    }
    return { id: 'boundary-alignment', statement, check, verdict, numbers, agree, of };
  };

  return [
    comparison('adversarial-G', 'The adversarial-init minimum has a larger G (a more complex boundary) than the normal one.', 'G', 'gauss-adversarial', 'gauss-normal', 'larger'),
    comparison('adversarial-test-accuracy', 'The adversarial-init minimum generalizes worse (lower test accuracy) than the normal one.', 'testAccuracy', 'gauss-adversarial', 'gauss-normal', 'smaller'),
    comparison('wide-margin-margin', 'The wide-margin checkerboard minimum (noisy-checkerboard init) has the larger margin.', 'margin', 'checkerboard-wide-margin', 'checkerboard-linear', 'larger'),
    comparison('wide-margin-test-accuracy', 'The wide-margin checkerboard minimum has the better test accuracy.', 'testAccuracy', 'checkerboard-wide-margin', 'checkerboard-linear', 'larger'),
    comparison('outliers-hierarchical', 'More outliers for the more complex boundary: hierarchical data in 4 classes vs the same points in 2 merged classes.', 'outliers', 'hierarchical-normal', 'hierarchical-merged', 'larger'),
    comparison('outliers-adversarial', 'More outliers for the more complex boundary: adversarial init vs normal (the paper marks 3 vs 2).', 'outliers', 'gauss-adversarial', 'gauss-normal', 'larger'),
    alignmentClaim(),
  ];
}

/** The ids of {@link checkClaims}'s claims, in order. */
export const CLAIM_IDS = Object.freeze([
  'adversarial-G', 'adversarial-test-accuracy', 'wide-margin-margin', 'wide-margin-test-accuracy', 'outliers-hierarchical', 'outliers-adversarial', 'boundary-alignment',
] as const);
