/**
 * The page of a reproduction (`hessian-lens reproduce`): the paper's claims checked on our
 * numbers (✔/✘, the numbers behind each, how many seeds agree), every experiment's medians and
 * ranges over seeds next to the paper's figure values, and each run's full analysis. Built from
 * the analysis report's pieces (tables, figures, page shell), with the same rules: the result is
 * checked field by field before drawing, every string is escaped, the page makes no request.
 */
import type { REPRODUCTION_SCHEMA as ReproductionSchema, ReproductionClaim, ReproductionExperiment, ReproductionReport } from '../analysis/reproduce.js';
import type { SeedStat } from '../analysis/seed-stats.js';
import { InputError } from '../errors.js';
import { checkReportInput } from './check.js';
import { eigenvalueFigure, marginFigure, alignmentMapFigure, sub } from './figures.js';
import { analysisBody, figure, htmlPage, seedList, statCell, table, type HtmlReportOptions } from './html.js';
import { esc, fmt, grouped, int } from './svg.js';

// a type-checked copy of the tag (importing the value would pull in the analysis stack)
const REPRODUCTION_SCHEMA: typeof ReproductionSchema = 'hessian-lens/reproduction@1';

/** Eigenvalues shown per experiment (the paper's figure lists 7). */
const SHOWN_EIGENVALUES = 7;

function statText(s: SeedStat | null | undefined, digits = 4): string {
  if (!s || typeof s.median !== 'number') return 'n/a';
  const range = s.n > 1 && s.min !== s.max ? ` [${fmt(s.min, digits)}, ${fmt(s.max, digits)}]` : '';
  return `${fmt(s.median, digits)}${range}`;
}

function verdictCell(v: string): string {
  if (v === 'holds') return '<td class="verdict holds" title="holds on the medians">✔</td>';
  if (v === 'fails') return '<td class="verdict fails" title="fails on the medians">✘</td>';
  return '<td class="verdict" title="not checked: numbers missing">–</td>';
}

function claimsTable(claims: readonly ReproductionClaim[], seeds: number): string {
  const rows = claims.map((c, i) => `<tr id="claim-${i + 1}" data-claim="${esc(c.id)}">${verdictCell(c.verdict)}<td>${esc(c.statement)}</td><td>${esc(c.check)}</td>`
    + `<td>${c.numbers.map((n) => `${esc(n.label)}: <span class="num">${esc(statText(n.stat))}</span>`).join('<br>')}</td>`
    + `<td class="num">${int(c.agree)} / ${int(c.of)}</td></tr>`);
  return table('table-claims', ['', 'the paper\'s claim', 'checked here as', 'our numbers: median [min, max] over seeds', 'seeds agreeing'], rows, [false, false, false, false, true])
    + `<p class="note">✔ holds and ✘ fails on the medians over ${int(seeds)} seed run(s) per experiment; – could not be checked (a number is missing). “Seeds agreeing”: on how many seeds (paired across experiments by seed and data seed) the claim holds on that seed's runs alone.</p>`;
}

function experimentsTable(experiments: readonly ReproductionExperiment[]): string {
  const rows = experiments.map((e, i) => {
    const s = e.stats;
    const paperOutliers = typeof e.paper.outliers === 'number' ? int(e.paper.outliers) : '–';
    return `<tr id="experiment-${i + 1}" data-experiment="${esc(e.id)}"><td><a href="#exp-${i + 1}">${esc(e.id)}</a></td><td>${esc(e.sizes.join('-'))}<br><span class="range">p = ${grouped(e.parameters)}</span></td>`
      + `${statCell(s.trainLoss, 3)}${statCell(s.trainAccuracy, 4, true)}${statCell(s.testAccuracy, 4, true)}`
      + `${statCell(e.eigenvalues[0], 4)}${statCell(e.eigenvalues[1], 4)}${statCell(e.eigenvalues[2], 4)}`
      + `${statCell(s.outliers, 3)}<td class="num">${paperOutliers}</td>`
      + `${statCell(s.G, 4)}<td>${esc(e.gOver === 'all' ? 'all p' : 'top-k')}</td>${statCell(s.margin, 4)}${statCell(s.boundaryAlignment, 3)}${statCell(s.epsilon, 3)}${statCell(s.seconds, 3)}</tr>`;
  });
  const head = ['experiment', 'model', 'train loss', 'train acc.', 'test acc.', 'λ₁', 'λ₂', 'λ₃', 'outliers', 'paper\'s outliers', 'G', 'G over', 'margin', `|A${sub(1)}(x_b)|`, 'ε', 'time (s)'];
  return table('table-experiments', head, rows, head.map((_, i) => i >= 2 && i !== 11));
}

function eigenvaluesTable(experiments: readonly ReproductionExperiment[]): string {
  const k = Math.min(SHOWN_EIGENVALUES, Math.max(0, ...experiments.map((e) => e.eigenvalues.length)));
  const rows: string[] = [];
  experiments.forEach((e, i) => {
    rows.push(`<tr data-experiment="${esc(e.id)}"><td>${esc(e.id)}</td><td>ours</td>${Array.from({ length: k }, (_, j) => statCell(e.eigenvalues[j], 4)).join('')}</tr>`);
    const paper = e.paper.eigenvalues;
    if (paper) rows.push(`<tr id="paper-eigenvalues-${i + 1}" class="paper"><td></td><td>paper's figure</td>${Array.from({ length: k }, (_, j) => `<td class="num">${esc(fmt(paper[j], 4))}</td>`).join('')}</tr>`);
  });
  const head = ['experiment', '', ...Array.from({ length: k }, (_, j) => `λ${sub(j + 1)}`)];
  return table('table-eigenvalues', head, rows, head.map((_, i) => i >= 2));
}

function experimentSection(e: ReproductionExperiment, i: number, reports: ReproductionReport['reports']): string {
  const first = reports[e.runs[0]?.report ?? -1];
  let figs = '';
  if (first) {
    const p = `e${i + 1}-`;
    figs += figure(eigenvalueFigure(first, `${p}fig-eigenvalues`), `Top eigenvalues of the first run (seed ${int(e.runs[0]!.seed)}); red: outliers.`);
    if (first.grid && first.data.d === 2) {
      figs += first.margin
        ? figure(marginFigure(first, `${p}fig-margin`), `A${sub(1)}(x) over the input plane with the boundary point x_b and the margin ${esc(fmt(first.margin.margin))} (first run).`)
        : figure(alignmentMapFigure(first, 0, `${p}fig-map-1`), `A${sub(1)}(x) over the input plane (first run).`);
    }
  }
  const paper = e.paper.eigenvalues ? `The paper's figure: top eigenvalues ${esc(e.paper.eigenvalues.map((v) => fmt(v, 3)).join(', '))}` : 'No eigenvalues from the paper\'s figures for this experiment';
  const outliers = typeof e.paper.outliers === 'number' ? `; ${int(e.paper.outliers)} outlier(s) marked.` : '.';
  const details = e.runs.map((run, j) => {
    const r = reports[run.report];
    if (!r) return '';
    const label = `seed ${int(run.seed)}${run.dataSeed !== null ? `, data seed ${int(run.dataSeed)}` : ''}`;
    return `<details id="exp-${i + 1}-run-${j + 1}"><summary>Full analysis: ${esc(e.id)}, ${label}</summary>${analysisBody(r, `e${i + 1}-r${j + 1}-`)}</details>`;
  });
  return `<section id="exp-${i + 1}" data-experiment="${esc(e.id)}"><h2>${esc(e.id)}</h2><p class="note">${esc(e.description)}. ${paper}${outliers}</p>`
    + `<div class="figs">${figs}</div>${details.join('')}</section>`;
}

function reproductionBody(r: ReproductionReport): string {
  const runsPer = Math.max(0, ...r.experiments.map((e) => e.runs.length));
  const gNote = r.experiments.every((e) => e.gOver === 'all')
    ? 'G is counted over all p eigenvectors (the paper\'s definition) in every experiment.'
    : 'G is counted over the top-k eigenvectors where the dense path did not run (column “G over”); over the top k it saturates near 1 and does not carry the paper\'s claim — run with --dense for G over all p.';
  return `<section id="claims"><h2>The paper's claims on our numbers</h2>${claimsTable(r.claims, runsPer)}</section>`
    + `<section id="experiments"><h2>Experiments: median [min, max] over seeds</h2>${experimentsTable(r.experiments)}`
    + `<p class="note">${gNote} ε: the same statistic for random unit directions; |A${sub(1)}(x_b)|: the top eigenvector's alignment at the boundary point of the margin search. The paper's outlier counts are read off its spectrum histograms by eye.</p></section>`
    + `<section id="eigenvalues"><h2>Top eigenvalues next to the paper's figures</h2>${eigenvaluesTable(r.experiments)}`
    + '<p class="note">The paper\'s values are statistical targets from its committed figures (one run, its own draw of initialisation and shuffles), not bit-exact.</p></section>'
    + r.experiments.map((e, i) => experimentSection(e, i, r.reports)).join('\n');
}

function isReproduction(x: unknown): x is ReproductionReport {
  return !!x && typeof x === 'object' && (x as { schema?: unknown }).schema === REPRODUCTION_SCHEMA;
}

/**
 * One self-contained HTML page for a {@link ReproductionReport} (also as parsed JSON): the claims,
 * the experiments next to the paper's figure values, every run's full analysis, and the result
 * embedded as JSON. Throws {@link InputError} for anything else or a malformed field.
 */
export function renderReproductionPage(result: ReproductionReport, options: HtmlReportOptions = {}): string {
  if (!isReproduction(result)) {
    const schema = result && typeof result === 'object' ? String((result as { schema?: unknown }).schema) : typeof result;
    throw new InputError(`renderReproductionPage: expected a '${REPRODUCTION_SCHEMA}' result, got schema '${schema}'`);
  }
  checkReportInput(result, 'reproduction');
  const s = result.settings;
  const held = result.claims.filter((c) => c.verdict === 'holds').length;
  const subtitle = `budget ${fmt(s.budget)} of the paper's epochs · seeds ${seedList(s.seeds)} · data: ${s.dataSeeds ? `fresh draws, data seeds ${seedList(s.dataSeeds)}` : 'the paper\'s points'} · `
    + `${held} of ${result.claims.length} claims hold · ${fmt(result.seconds, 3)} s`;
  return htmlPage({
    title: options.title ?? 'hessian-lens: the paper\'s toy experiments reproduced',
    subtitle,
    nav: [['claims', 'Claims'], ['experiments', 'Experiments'], ['eigenvalues', 'Eigenvalues'], ...result.experiments.map((e, i) => [`exp-${i + 1}`, e.id] as const), ['data', 'Data']],
    body: reproductionBody(result),
    result,
  }, options);
}
