/**
 * Several minima side by side: each is trained and analysed (`analyze`), then the measures the
 * paper relates to generalization — G (simpler boundary ↔ better), the margin (wider ↔ better) —
 * and the curvature summaries people also use (λ_max, trace, outliers; Kaur et al. 2023 show λ_max
 * alone does not predict generalization) are ranked against test accuracy with Spearman's ρ.
 * see: C. Spearman, "The proof and measurement of association between two things", 1904.
 */
import { InputError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { analyze, checkAnalyzeOptions, type AnalysisReport, type AnalyzeOptions, type AnalyzeProgress } from './analyze.js';

/** Schema of {@link CompareReport}. */
export const COMPARE_SCHEMA = 'hessian-lens/compare@1';

/** One minimum's row. */
export interface CompareRow {
  readonly label: string;
  readonly testAccuracy: number | null;
  readonly trainAccuracy: number;
  /** G over the top-k eigenvectors */
  readonly G: number;
  readonly margin: number | null;
  readonly lambdaMax: number;
  readonly trace: number;
  readonly outliers: number;
}

/** The comparison record. */
export interface CompareReport {
  readonly schema: typeof COMPARE_SCHEMA;
  readonly rows: readonly CompareRow[];
  /** Spearman ρ of each measure against test accuracy (null when undefined: < 3 rows or a constant column). */
  readonly spearman: { readonly [K in 'G' | 'margin' | 'lambdaMax' | 'trace' | 'outliers']: number | null };
  /** the full analysis of every row, in order */
  readonly reports: readonly AnalysisReport[];
}

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
  readonly onProgress?: (progress: AnalyzeProgress & { readonly run: number; readonly runs: number; readonly label: string }) => void;
}

/** Trains and analyses every run (`{label, ...AnalyzeOptions}`), then ranks the measures. */
export async function compare(engine: Engine, runs: readonly (AnalyzeOptions & { readonly label?: string })[], options: CompareOptions = {}): Promise<CompareReport> {
  if (runs.length === 0) throw new InputError('compare needs at least one run');
  // every run's options are checked before the first one trains, not when its turn comes
  runs.forEach((run, r) => {
    try {
      checkAnalyzeOptions(run);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`compare, run ${r + 1} of ${runs.length}: ${error.message}`);
      throw error;
    }
  });
  const reports: AnalysisReport[] = [];
  const rows: CompareRow[] = [];
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r]!;
    const label = run.label ?? `${run.preset ?? run.data ?? 'gauss'} seed ${run.seed ?? 0}`;
    const report = await analyze(engine, {
      ...run,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => options.onProgress?.({ ...p, run: r + 1, runs: runs.length, label }),
    });
    reports.push(report);
    rows.push({
      label,
      testAccuracy: report.evaluation.test?.accuracy ?? null,
      trainAccuracy: report.evaluation.train.accuracy,
      G: report.generalization.topK.G,
      margin: report.margin?.margin ?? null,
      lambdaMax: report.spectrum.lambdaMax.value,
      trace: report.spectrum.trace.estimate,
      outliers: report.spectrum.outliers.count,
    });
  }
  const acc = rows.map((r) => r.testAccuracy);
  const column = (key: 'G' | 'margin' | 'lambdaMax' | 'trace' | 'outliers'): number | null => {
    const pairs = rows.map((r, i) => [r[key], acc[i]] as const).filter((x): x is readonly [number, number] => x[0] !== null && x[1] !== null);
    return spearman(pairs.map((x) => x[0]), pairs.map((x) => x[1]));
  };
  return Object.freeze({
    schema: COMPARE_SCHEMA,
    rows,
    spearman: { G: column('G'), margin: column('margin'), lambdaMax: column('lambdaMax'), trace: column('trace'), outliers: column('outliers') },
    reports,
  });
}
