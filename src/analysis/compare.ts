/**
 * Several minima side by side: each is trained and analysed (`analyze`), then the measures the
 * paper relates to generalization — G (simpler boundary ↔ better), the margin (wider ↔ better) —
 * and the curvature summaries people also use (λ_max, trace, outliers; Kaur et al. 2023 show λ_max
 * alone does not predict generalization) are ranked against test accuracy with Spearman's ρ.
 * Seed statistics: runs that differ only in their seeds (and data seeds) form a group, and each
 * group reports every quantity as median and range over its runs ({@link seedStat}), next to the
 * per-run rows.
 * G: over all p eigenvectors (the paper's definition) when every run has it (the dense path ran),
 * else over the top-k eigenvectors for every run; `gOver` says which, and the G column and its ρ
 * use that one definition throughout.
 * see: C. Spearman, "The proof and measurement of association between two things", 1904.
 */
import { InputError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { analyze, checkAnalyzeOptions, type AnalysisReport, type AnalyzeOptions, type AnalyzeProgress } from './analyze.js';
import { seedStat, seedStats, type SeedStat } from './seed-stats.js';

/** Schema of {@link CompareReport}. */
export const COMPARE_SCHEMA = 'hessian-lens/compare@1';

/** Which eigenvectors G was counted over: all p (the paper's definition, dense path) or the top k. */
export type GOver = 'all' | 'top-k';

/** The measures ranked against test accuracy. */
export const RANKED_QUANTITIES = ['G', 'margin', 'lambdaMax', 'trace', 'outliers'] as const;

/** Name of a ranked measure. */
export type RankedQuantity = (typeof RANKED_QUANTITIES)[number];

/** One minimum's row. */
export interface CompareRow {
  readonly label: string;
  /** the group of runs this one is a seed of (see {@link CompareGroup}) */
  readonly group: string;
  /** model init and shuffle seed */
  readonly seed: number;
  /** the data draw's seed, or null: the preset's data (the paper's points) or the given data */
  readonly dataSeed: number | null;
  readonly testAccuracy: number | null;
  readonly trainAccuracy: number;
  /** G over the eigenvectors the report's `gOver` names (the same for every row) */
  readonly G: number;
  /** G over the top-k eigenvectors */
  readonly GTopK: number;
  /** G over all p eigenvectors (null when the dense path did not run) */
  readonly GAll: number | null;
  readonly margin: number | null;
  readonly lambdaMax: number;
  readonly trace: number;
  readonly outliers: number;
  /** wall-clock seconds of this run (training and analysis) */
  readonly seconds: number;
}

/** The quantities a group summarises over its runs. */
export const GROUP_QUANTITIES = ['testAccuracy', 'trainAccuracy', 'trainLoss', 'G', 'GTopK', 'GAll', 'margin', 'lambdaMax', 'trace', 'outliers'] as const;

/** Name of a summarised quantity. */
export type GroupQuantity = (typeof GROUP_QUANTITIES)[number];

/** Runs that differ only in their seeds, summarised: every quantity as median and range over them. */
export interface CompareGroup {
  readonly label: string;
  /** [runs] indices of the group's rows */
  readonly runs: readonly number[];
  /** the distinct seeds and data seeds of its runs (null: the preset's or given data) */
  readonly seeds: readonly number[];
  readonly dataSeeds: readonly (number | null)[];
  readonly stats: { readonly [K in GroupQuantity]: SeedStat };
  /** [k] index-wise over the runs' top-k eigenvalues (λ1, λ2, …) */
  readonly eigenvalues: readonly SeedStat[];
}

/** The comparison record. */
export interface CompareReport {
  readonly schema: typeof COMPARE_SCHEMA;
  /** which G the rows' `G` and its ρ use: `all` when every run has G over all p, else `top-k` */
  readonly gOver: GOver;
  readonly rows: readonly CompareRow[];
  /** runs grouped by everything but their seeds, each quantity as median and range over the group */
  readonly groups: readonly CompareGroup[];
  /** Spearman ρ of each measure against test accuracy (null when undefined: < 3 rows or a constant column). */
  readonly spearman: { readonly [K in RankedQuantity]: number | null };
  /** why each null ρ is undefined (e.g. `all test accuracies equal`); null where ρ is a number */
  readonly spearmanUndefined: { readonly [K in RankedQuantity]: string | null };
  /** the full analysis of every row, in order */
  readonly reports: readonly AnalysisReport[];
}

/** One run of {@link compare}: analyze options, a label, and optionally the group it is a seed of. */
export type CompareRun = AnalyzeOptions & {
  readonly label?: string;
  /**
   * Runs with the same group are summarised together. Default: runs whose options differ only in
   * `seed`, `dataSeed` and `label` share a group, named after the preset or data.
   */
  readonly group?: string;
};

/** Average ranks (ties share the mean rank). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let t = i; t <= j; t++) out[order[t]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation of two equally long series (null if undefined). */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new InputError(`spearman needs equal lengths, got ${a.length} and ${b.length}`);
  if (a.length < 3) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da === 0 || db === 0 ? null : num / Math.sqrt(da * db);
}

/** Options of {@link compare}. */
export interface CompareOptions {
  readonly signal?: AbortSignal;
  /** progress of the running analysis; `overall` spans all runs (run r of R at its own overall f: (r − 1 + f) / R) */
  readonly onProgress?: (progress: AnalyzeProgress & { readonly run: number; readonly runs: number; readonly label: string }) => void;
}

/**
 * The options of a run minus its seeds, as a string: equal for runs that differ only in seeds.
 * Typed arrays (given data, a given model) stand for themselves, by identity.
 */
function groupKey(run: CompareRun, ids: { readonly of: WeakMap<object, number>; next: number }): string {
  const { seed: _s, dataSeed: _d, label: _l, group: _g, signal: _signal, onProgress: _p, ...rest } = run;
  return JSON.stringify(rest, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      if (!ids.of.has(value)) ids.of.set(value, ids.next++);
      return `#array ${ids.of.get(value)}`;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]));
    }
    return value;
  });
}

function groupName(run: CompareRun): string {
  if (run.group !== undefined) return run.group;
  if (run.preset !== undefined) return run.preset;
  if (typeof run.data === 'string') return run.data;
  return run.data?.name ?? (run.data ? 'custom data' : 'gauss');
}

/** Groups rows by explicit group or by their options without seeds; first appearance fixes the order. */
function groupRuns(runs: readonly CompareRun[], rows: readonly CompareRow[], reports: readonly AnalysisReport[]): CompareGroup[] {
  const ids = { of: new WeakMap<object, number>(), next: 0 };
  const members = new Map<string, { label: string; runs: number[] }>();
  const labels = new Set<string>();
  runs.forEach((run, i) => {
    const key = run.group !== undefined ? `group ${run.group}` : groupKey(run, ids);
    let g = members.get(key);
    if (!g) {
      let label = groupName(run);
      for (let n = 2; labels.has(label); n++) label = `${groupName(run)} (${n})`;
      labels.add(label);
      g = { label, runs: [] };
      members.set(key, g);
    }
    g.runs.push(i);
  });
  return [...members.values()].map(({ label, runs: idx }) => {
    const of = (q: GroupQuantity): SeedStat => seedStat(idx.map((i) => (q === 'trainLoss' ? reports[i]!.evaluation.train.loss : rows[i]![q])));
    return Object.freeze({
      label,
      runs: idx,
      seeds: [...new Set(idx.map((i) => rows[i]!.seed))],
      dataSeeds: [...new Set(idx.map((i) => rows[i]!.dataSeed))],
      stats: Object.fromEntries(GROUP_QUANTITIES.map((q) => [q, of(q)])) as CompareGroup['stats'],
      eigenvalues: seedStats(idx.map((i) => reports[i]!.spectrum.eigenvalues)),
    });
  });
}

/**
 * Trains and analyses every run (`{label, group, ...AnalyzeOptions}`), then summarises each group
 * of seeds and ranks the measures against test accuracy.
 */
export async function compare(engine: Engine, runs: readonly CompareRun[], options: CompareOptions = {}): Promise<CompareReport> {
  if (runs.length === 0) throw new InputError('compare needs at least one run');
  // every run's options are checked before the first one trains, not when its turn comes
  runs.forEach((run, r) => {
    try {
      if (run.group !== undefined && typeof run.group !== 'string') throw new InputError(`group must be a string, got ${typeof run.group}`);
      checkAnalyzeOptions(run);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`compare, run ${r + 1} of ${runs.length}: ${error.message}`);
      throw error;
    }
  });
  const reports: AnalysisReport[] = [];
  const partial: (Omit<CompareRow, 'G'>)[] = [];
  for (let r = 0; r < runs.length; r++) {
    const { group: _group, label: given, ...run } = runs[r]!;
    const seed = run.seed ?? 0;
    const dataName = typeof run.data === 'string' ? run.data : run.data?.name ?? (run.data ? 'custom data' : 'gauss');
    const label = given ?? `${run.preset ?? dataName} seed ${seed}${run.dataSeed !== undefined ? `, data seed ${run.dataSeed}` : ''}`;
    const start = performance.now();
    const report = await analyze(engine, {
      ...run,
      ...(options.signal ? { signal: options.signal } : {}),
      // a warning names its run; the run's record keeps it as analyze gave it
      ...(run.onWarning ? { onWarning: (message: string) => run.onWarning!(`${label}: ${message}`) } : {}),
      onProgress: (p) => options.onProgress?.({ ...p, overall: (r + p.overall) / runs.length, run: r + 1, runs: runs.length, label }),
    });
    reports.push(report);
    partial.push({
      label,
      group: '',
      seed,
      dataSeed: run.dataSeed ?? null,
      testAccuracy: report.evaluation.test?.accuracy ?? null,
      trainAccuracy: report.evaluation.train.accuracy,
      GTopK: report.generalization.topK.G,
      GAll: report.generalization.all?.G ?? null,
      margin: report.margin?.margin ?? null,
      lambdaMax: report.spectrum.lambdaMax.value,
      trace: report.spectrum.trace.estimate,
      outliers: report.spectrum.outliers.count,
      seconds: (performance.now() - start) / 1000,
    });
  }
  const gOver: GOver = partial.every((row) => row.GAll !== null) ? 'all' : 'top-k';
  const ungrouped: CompareRow[] = partial.map((row) => ({ ...row, G: gOver === 'all' ? row.GAll! : row.GTopK }));
  const groups = groupRuns(runs, ungrouped, reports);
  const rows = ungrouped.map((row, i) => ({ ...row, group: groups.find((g) => g.runs.includes(i))!.label }));
  const acc = rows.map((r) => r.testAccuracy);
  const pairsOf = (key: RankedQuantity): (readonly [number, number])[] =>
    rows.map((r, i) => [r[key], acc[i]] as const).filter((x): x is readonly [number, number] => x[0] !== null && x[1] !== null);
  const column = (key: RankedQuantity): number | null => {
    const pairs = pairsOf(key);
    return spearman(pairs.map((x) => x[0]), pairs.map((x) => x[1]));
  };
  const constant = (values: readonly number[]): boolean => values.every((v) => v === values[0]);
  const why = (key: RankedQuantity): string | null => {
    if (column(key) !== null) return null;
    const pairs = pairsOf(key);
    if (acc.every((a) => a === null)) return 'no test set';
    if (pairs.length < 3) return `${pairs.length} run${pairs.length === 1 ? '' : 's'} with both values (needs 3)`;
    if (constant(pairs.map((x) => x[1]))) return 'all test accuracies equal';
    return `all ${key} values equal`;
  };
  return Object.freeze({
    schema: COMPARE_SCHEMA,
    gOver,
    rows,
    groups,
    spearman: Object.fromEntries(RANKED_QUANTITIES.map((q) => [q, column(q)])) as CompareReport['spearman'],
    spearmanUndefined: Object.fromEntries(RANKED_QUANTITIES.map((q) => [q, why(q)])) as CompareReport['spearmanUndefined'],
    reports,
  });
}
