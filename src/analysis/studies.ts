/**
 * The other seed papers' experiments as comparisons: each study is a list of `compare` runs (a few
 * levels of one or two factors, each over seeds) and the claims its paper makes, checked on the
 * group medians. A claim's `holds` says what these runs show, not whether the paper is right: the
 * docs (docs/studies.md) give the full-budget results and what they mean.
 *
 *   - `width` (Sagun et al. 2017): the paper's gauss data, hidden widths [w, w] for
 *     w = 6, 12, 24, 48 (p = 81 … 2,643). Claims: the outlier count does not move with the width;
 *     about C − 1 to C outliers for C classes, by the outlier rule and as a gap after λ_{C−1} or λ_C; more
 *     parameters grow the bulk at zero (the share of eigenvalues within 10⁻³·λ₁ of zero rises with
 *     p; needs the dense path, on for every width here).
 *   - `data` (Sagun et al. 2017): K Gaussian blobs on a circle (`blobs`), 2-32-32-K, with
 *     K = 2, 3, 4, 6, 8 at noise 1 and K = 4 at noise 0.5 and 2. Claims: more classes give more
 *     outliers; about K − 1 to K outliers (both readings); less separable data (more noise) give
 *     larger outliers.
 *   - `lr-batch` (Kaur et al. 2023): 2-32-32-2 on 600 spiral points (240 train, 360 test), a
 *     learning rate × batch size grid (0.05, 0.1, 0.2 × 8, 32, 128), every run trained to the same
 *     training loss 0.2 (within 6000 epochs). Claims: a larger lr/batch gives a smaller λ_max; and,
 *     one row per measure, whether λ_max, the trace, G and the margin rank the test accuracy
 *     (|Spearman ρ| ≥ 0.5 with the sign each measure's reading expects).
 * Each study's data are drawn with the run's seed (width, data) or once with seed 0 (lr-batch: the
 * grid compares training settings on the same points); the seeds also set the initialisation.
 * see: L. Sagun, U. Evci, V. U. Guney, Y. Dauphin, L. Bottou, arXiv:1706.04454 (2017);
 *      S. Kaur, J. Cohen, Z. C. Lipton, "On the maximum Hessian eigenvalue and generalization",
 *      PMLR 187 (ICBINB 2023), arXiv:2206.10654.
 */
import { InputError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import { generateToy, type ToyName } from '../data/toy.js';
import { split } from '../data/transform.js';
import { checkSeed } from '../hessian/validate.js';
import { compare, spearman, type CompareOptions, type CompareReport, type CompareRun } from './compare.js';
import { median } from './seed-stats.js';

/** Names of the built-in studies. */
export const STUDY_NAMES = Object.freeze(['width', 'data', 'lr-batch'] as const);

/** One of {@link STUDY_NAMES}. */
export type StudyName = (typeof STUDY_NAMES)[number];

/** True when `name` is a built-in study. */
export function isStudyName(name: string): name is StudyName {
  return (STUDY_NAMES as readonly string[]).includes(name);
}

/** One level of a study: the factors' values, shared by the runs (seeds) of one compare group. */
export interface StudyLevel {
  /** the compare group's label */
  readonly group: string;
  readonly factors: Readonly<Record<string, number>>;
}

/** A claim of the study's paper, checked on the group medians of these runs. */
export interface StudyFinding {
  readonly id: string;
  readonly claim: string;
  /** the paper it comes from */
  readonly source: string;
  /** true: these runs show it; false: they do not; null: they cannot tell (numbers missing) */
  readonly holds: boolean | null;
  /** the numbers behind the verdict, in words */
  readonly evidence: string;
}

/** Per-group measures a study adds to compare's (medians over the group's runs; null where missing). */
export interface StudyGroupMeasures {
  readonly group: string;
  /** parameters of the group's model */
  readonly p: number;
  readonly classes: number;
  readonly outliers: number;
  readonly lambdaMax: number;
  readonly trace: number;
  /** share of all p eigenvalues with |λ| ≤ 10⁻³·λ₁ (the bulk at zero; null without the dense path) */
  readonly bulkShare: number | null;
  /** the trace less the outliers' eigenvalues: the bulk's mass (null without the dense path) */
  readonly bulkTrace: number | null;
  /**
   * For C classes, the larger of λ_{C−1}/λ_C and λ_C/λ_{C+1}: how far the top C − 1 or C
   * eigenvalues stand from the rest on a log axis (null when those eigenvalues are not all positive)
   */
  readonly classGap: number | null;
  /** runs of the group whose training reached the target loss (lr-batch; null for studies without one) */
  readonly reachedTarget: number | null;
  readonly runs: number;
}

/** What a study adds to its comparison record. */
export interface StudyRecord {
  readonly name: StudyName;
  readonly title: string;
  readonly source: string;
  readonly budget: number;
  readonly seeds: readonly number[];
  readonly factors: readonly string[];
  readonly levels: readonly StudyLevel[];
  readonly measures: readonly StudyGroupMeasures[];
  readonly findings: readonly StudyFinding[];
}

/** A study's result: the comparison of its runs, with the study's levels, measures and findings. */
export type StudyReport = CompareReport & { readonly study: StudyRecord };

/** Options of {@link study}. */
export interface StudyOptions extends CompareOptions {
  /** share of each run's epochs (default 1: the full budget of docs/studies.md) */
  readonly budget?: number;
  /** model (and, for width and data, data) seeds; every level runs each (default [0, 1, 2]) */
  readonly seeds?: readonly number[];
  readonly precision?: Precision;
  readonly onWarning?: (message: string) => void;
}

/** The threshold of "the bulk at zero": |λ| ≤ this·λ₁. */
export const BULK_ZERO = 1e-3;

/** "Ranks the test accuracy": |ρ| at least this, with the expected sign. */
export const RANKS_ACCURACY = 0.5;

/** The training loss every lr-batch run is trained to. */
export const LR_BATCH_TARGET_LOSS = 0.2;

interface StudyDefinition {
  readonly title: string;
  readonly source: string;
  readonly factors: readonly string[];
  /** the runs of one seed: a level each */
  readonly runs: (seed: number) => readonly (CompareRun & { readonly factors: Record<string, number> })[];
  readonly findings: (m: readonly StudyGroupMeasures[], levels: readonly StudyLevel[], report: CompareReport) => StudyFinding[];
}

const SAGUN = 'Sagun et al. 2017, arXiv:1706.04454';
const KAUR = 'Kaur, Cohen, Lipton 2023, arXiv:2206.10654';

/** Analysis settings every study run shares: no alignment maps (the studies compare spectra). */
const COMMON = { top: 12, gridRes: 0, density: false } as const;

function fmt(x: number | null): string {
  return x === null ? 'n/a' : Number(x.toPrecision(3)).toString();
}

/** A toy set drawn with `seed`, split 50/20/30 with the same seed. */
function drawn(name: ToyName, seed: number, options: { classes?: number; noise?: number; n?: number }, sizes = { train: 0.5, test: 0.2, val: 0.3 }): CompareRun['data'] {
  const parts = split(generateToy(name, { seed, ...options }), sizes, seed);
  const what = [options.classes !== undefined ? `K = ${options.classes}` : '', options.noise !== undefined ? `noise ${options.noise}` : ''].filter(Boolean).join(', ');
  return {
    train: parts.train, test: parts.test, val: parts.val, name: `${name}${what ? ` (${what})` : ''}`,
    split: { ...sizes, seed },
  };
}

/** Groups in the order of `levels` whose factor `key` varies while the others equal `fixed`. */
function along(measures: readonly StudyGroupMeasures[], levels: readonly StudyLevel[], key: string, fixed: Record<string, number> = {}): { x: number; m: StudyGroupMeasures }[] {
  return levels
    .filter((l) => Object.entries(fixed).every(([k, v]) => l.factors[k] === v))
    .map((l) => ({ x: l.factors[key]!, m: measures.find((m) => m.group === l.group)! }));
}

function list(points: readonly { x: number; m: StudyGroupMeasures }[], name: string, value: (m: StudyGroupMeasures) => number | null): string {
  return points.map(({ x, m }) => `${name} ${x}: ${fmt(value(m))}`).join(', ');
}

/** ρ of x against a measure over the given groups (null when undefined or a value is missing). */
function rho(points: readonly { x: number; m: StudyGroupMeasures }[], value: (m: StudyGroupMeasures) => number | null): number | null {
  const ys = points.map(({ m }) => value(m));
  if (ys.some((y) => y === null)) return null;
  return spearman(points.map((p) => p.x), ys as number[]);
}

/** The gap that counts as C − 1 to C outliers on a log axis: λ_{C−1}/λ_C or λ_C/λ_{C+1} at least this. */
export const CLASS_GAP = 2;

/** Two readings of "about C outliers for C classes": the outlier rule's count, and a gap after λ_C. */
function classesFindings(points: readonly { x: number; m: StudyGroupMeasures }[], name: string): StudyFinding[] {
  const off = points.filter(({ m }) => m.outliers < m.classes - 1 || m.outliers > m.classes);
  const gaps = points.map(({ m }) => m.classGap);
  return [
    {
      id: 'outliers-vs-classes',
      claim: 'About C − 1 to C outliers for C classes, counted by the outlier rule (gaps on a linear axis, the paper\'s reading).',
      source: `${SAGUN}; Papyan 2019`,
      holds: off.length === 0,
      evidence: `median outliers (classes): ${points.map(({ x, m }) => `${name} ${x}: ${fmt(m.outliers)} (${m.classes})`).join(', ')}`,
    },
    {
      id: 'gap-after-classes',
      claim: `The top C − 1 or C eigenvalues stand apart from the rest on a log axis: λ_{C−1}/λ_C or λ_C/λ_{C+1} ≥ ${CLASS_GAP} for C classes.`,
      source: SAGUN,
      holds: gaps.some((g) => g === null) ? null : gaps.every((g) => g! >= CLASS_GAP),
      evidence: `median of the larger ratio: ${list(points, name, (m) => m.classGap)}`,
    },
  ];
}

const STUDIES: Readonly<Record<StudyName, StudyDefinition>> = Object.freeze({
  width: {
    title: 'Width sweep: the bulk scales with the parameters, the outliers stay',
    source: SAGUN,
    factors: ['width'],
    runs: (seed) => [6, 12, 24, 48].map((w) => ({
      label: `width ${w}, seed ${seed}`, group: `width ${w}`, factors: { width: w },
      data: 'gauss', hidden: [w, w], seed, margin: false, ...COMMON,
    })),
    findings: (measures, levels) => {
      const w = along(measures, levels, 'width');
      const counts = w.map(({ m }) => m.outliers);
      const bulk = rho(w.map(({ m }) => ({ x: m.p, m })), (m) => m.bulkShare);
      return [
        {
          id: 'outliers-fixed',
          claim: 'The outlier count does not change with the width (the data set the outliers).',
          source: SAGUN,
          holds: counts.every((c) => c === counts[0]),
          evidence: `median outliers: ${list(w, 'width', (m) => m.outliers)}`,
        },
        ...classesFindings(w, 'width'),
        {
          id: 'bulk-grows',
          claim: `More parameters grow the bulk at zero: the share of eigenvalues with |λ| ≤ ${BULK_ZERO}·λ₁ rises with p.`,
          source: SAGUN,
          holds: bulk === null ? null : bulk > 0,
          evidence: `Spearman ρ(p, share) = ${fmt(bulk)}; ${w.map(({ m }) => `p ${m.p}: ${fmt(m.bulkShare)} (bulk trace ${fmt(m.bulkTrace)})`).join(', ')}`,
        },
      ];
    },
  },
  data: {
    title: 'Data sweep: the classes and the separability set the outliers',
    source: SAGUN,
    factors: ['classes', 'noise'],
    runs: (seed) => ([[2, 1], [3, 1], [4, 1], [6, 1], [8, 1], [4, 0.5], [4, 2]] as const).map(([K, noise]) => ({
      label: `K = ${K}, noise ${noise}, seed ${seed}`, group: `K = ${K}, noise ${noise}`, factors: { classes: K, noise },
      data: drawn('blobs', seed, { classes: K, noise }), hidden: [32, 32], epochs: 1000, seed, margin: false, ...COMMON,
    })),
    findings: (measures, levels) => {
      const byClasses = along(measures, levels, 'classes', { noise: 1 });
      const byNoise = along(measures, levels, 'noise', { classes: 4 });
      const more = rho(byClasses, (m) => m.outliers);
      const larger = rho(byNoise, (m) => m.lambdaMax);
      return [
        {
          id: 'outliers-follow-classes',
          claim: 'More classes give more outliers.',
          source: SAGUN,
          holds: more === null ? null : more > 0,
          evidence: `Spearman ρ(K, outliers) = ${fmt(more)}; median outliers: ${list(byClasses, 'K', (m) => m.outliers)}`,
        },
        ...classesFindings(byClasses, 'K'),
        {
          id: 'separability',
          claim: 'Less separable data (noisier blobs, K = 4) give larger outliers.',
          source: SAGUN,
          holds: larger === null ? null : larger > 0,
          evidence: `Spearman ρ(noise, λ_max) = ${fmt(larger)}; median λ_max: ${list(byNoise, 'noise', (m) => m.lambdaMax)}; outliers: ${list(byNoise, 'noise', (m) => m.outliers)}`,
        },
      ];
    },
  },
  'lr-batch': {
    title: 'Learning rate × batch size, trained to the same loss: which measures rank generalization',
    source: KAUR,
    factors: ['lr', 'batch'],
    runs: (seed) => {
      const data = drawn('spirals', 0, { n: 600 }, { train: 0.4, test: 0.6, val: 0 });
      return [0.05, 0.1, 0.2].flatMap((lr) => [8, 32, 128].map((batch) => ({
        label: `lr ${lr}, batch ${batch}, seed ${seed}`, group: `lr ${lr}, batch ${batch}`, factors: { lr, batch },
        data, hidden: [32, 32], lr, batchSize: batch, epochs: 6000, targetLoss: LR_BATCH_TARGET_LOSS, seed, margin: true, ...COMMON,
      })));
    },
    findings: (measures, levels, report) => {
      const grid = levels.map((l) => ({ x: l.factors.lr! / l.factors.batch!, m: measures.find((m) => m.group === l.group)! }));
      const sharp = rho(grid, (m) => m.lambdaMax);
      const reached = measures.reduce((s, m) => s + (m.reachedTarget ?? 0), 0);
      const runs = measures.reduce((s, m) => s + m.runs, 0);
      const ranks = (id: string, key: 'lambdaMax' | 'trace' | 'G' | 'margin', name: string, sign: 1 | -1, reading: string): StudyFinding => {
        const r = report.spearman[key];
        return {
          id, claim: `${name[0]!.toUpperCase()}${name.slice(1)} ranks the test accuracy (${reading}: ρ ${sign < 0 ? '≤ −' : '≥ '}${RANKS_ACCURACY}).`,
          source: key === 'G' || key === 'margin' ? 'Sabanayagam et al. 2023, arXiv:2306.07104' : KAUR,
          holds: r === null ? null : sign * r >= RANKS_ACCURACY,
          evidence: r === null ? `ρ undefined: ${report.spearmanUndefined[key]}` : `Spearman ρ(${name}, test accuracy) = ${fmt(r)} over ${report.rows.length} runs`,
        };
      };
      return [
        {
          id: 'same-loss',
          claim: `Every run reaches the target training loss ${LR_BATCH_TARGET_LOSS} (the minima are compared at the same loss).`,
          source: KAUR,
          holds: reached === runs,
          evidence: `${reached} of ${runs} runs reached it${reached < runs ? '; the others stopped at their epoch cap (warnings name them)' : ''}`,
        },
        {
          id: 'sharpness-vs-lr-batch',
          claim: 'A larger learning rate / batch size gives a smaller λ_max.',
          source: KAUR,
          holds: sharp === null ? null : sharp < 0,
          evidence: `Spearman ρ(lr/batch, λ_max) = ${fmt(sharp)}; median λ_max: ${grid.map(({ m }) => `${m.group}: ${fmt(m.lambdaMax)}`).join(', ')}`,
        },
        ranks('lambda-max-ranks', 'lambdaMax', 'λ_max', -1, 'flatter ↔ better'),
        ranks('trace-ranks', 'trace', 'the trace', -1, 'flatter ↔ better'),
        ranks('G-ranks', 'G', 'G', -1, 'simpler boundary ↔ better'),
        ranks('margin-ranks', 'margin', 'the margin', 1, 'wider ↔ better'),
      ];
    },
  },
});

/** The runs of study `name` at `budget` over `seeds` (seed-major), with each run's factor values. */
export function studyRuns(name: StudyName, options: Pick<StudyOptions, 'budget' | 'seeds'> = {}): (CompareRun & { readonly factors: Record<string, number> })[] {
  if (!isStudyName(name)) throw new InputError(`unknown study '${String(name)}' (studies: ${STUDY_NAMES.join(', ')})`);
  const budget = options.budget ?? 1;
  if (!(typeof budget === 'number' && Number.isFinite(budget) && budget > 0)) throw new InputError(`study ${name}: budget must be a finite number > 0, got ${String(budget)}`);
  const seeds = options.seeds ?? [0, 1, 2];
  if (!Array.isArray(seeds) || seeds.length === 0) throw new InputError(`study ${name}: seeds must be a non-empty array of seeds`);
  seeds.forEach((s) => checkSeed(s, `study ${name}: seeds`));
  return seeds.flatMap((seed) => STUDIES[name].runs(seed).map((run) => ({ ...run, budget })));
}

/** The study's per-group measures from a comparison of its runs. */
function groupMeasures(report: CompareReport): StudyGroupMeasures[] {
  return report.groups.map((g) => {
    const reports = g.runs.map((i) => report.reports[i]!);
    const med = (values: readonly (number | null)[]): number | null => {
      const present = values.filter((v): v is number => v !== null);
      return present.length === values.length && present.length > 0 ? median(present) : null;
    };
    const dense = reports.map((r) => r.spectrum.dense?.eigenvalues ?? null);
    const bulkShare = med(reports.map((r, i) => {
      const all = dense[i];
      if (!all) return null;
      const edge = BULK_ZERO * r.spectrum.eigenvalues[0]!;
      return all.filter((x) => Math.abs(x) <= edge).length / all.length;
    }));
    const bulkTrace = med(reports.map((r, i) => {
      const all = dense[i];
      if (!all) return null;
      let sum = 0;
      for (let t = r.spectrum.outliers.count; t < all.length; t++) sum += all[t]!;
      return sum;
    }));
    const classGap = med(reports.map((r) => {
      const C = r.data.classes;
      const e = r.spectrum.eigenvalues;
      return e.length > C && e[C]! > 0 ? Math.max(e[C - 2]! / e[C - 1]!, e[C - 1]! / e[C]!) : null;
    }));
    const targets = reports.map((r) => r.settings.targetLoss as number | undefined);
    return Object.freeze({
      group: g.label,
      p: reports[0]!.model.parameters,
      classes: reports[0]!.data.classes,
      outliers: g.stats.outliers.median!,
      lambdaMax: g.stats.lambdaMax.median!,
      trace: g.stats.trace.median!,
      bulkShare,
      bulkTrace,
      classGap,
      reachedTarget: targets.every((t) => t === undefined) ? null : reports.filter((r, i) => r.evaluation.train.loss <= targets[i]! * (1 + 1e-6)).length,
      runs: g.runs.length,
    });
  });
}

/**
 * Runs study `name` (see the module notes): its runs through {@link compare}, then its paper's
 * claims checked on the group medians. Long: `budget` 1 is the full run of docs/studies.md.
 */
export async function study(engine: Engine, name: StudyName, options: StudyOptions = {}): Promise<StudyReport> {
  const runs = studyRuns(name, options);
  const budget = options.budget ?? 1;
  const seeds = options.seeds ?? [0, 1, 2];
  const def = STUDIES[name];
  const shared = {
    ...(options.precision ? { precision: options.precision } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  };
  const report = await compare(engine, runs.map(({ factors: _f, ...run }) => ({ ...run, ...shared })), {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const levels: StudyLevel[] = report.groups.map((g) => ({ group: g.label, factors: runs[g.runs[0]!]!.factors }));
  const measures = groupMeasures(report);
  return Object.freeze({
    ...report,
    study: Object.freeze({
      name, title: def.title, source: def.source, budget, seeds: [...seeds], factors: def.factors, levels, measures,
      findings: def.findings(measures, levels, report),
    }),
  });
}
