/**
 * The paper's training recipes and its toy experiments as presets.
 *
 * - Random labels: the labels permuted over the whole set before the split (every class keeps its
 *   count), so the random-label phase trains on the same points as the true-label phases: the
 *   paper's own random labels for its shipped points, `randomLabels(set, labelSeed)` for a draw.
 * - Adversarial init: train on random labels, then continue from that θ on the true labels.
 * - Large norm: PyTorch's default init scaled by one factor so that ‖θ‖₂ equals a target norm
 *   (the paper: the random-label model's norm), then trained on the true labels.
 * - Presets: the paper's configs (its repository's `configs/*.json`, read at commit 88e0368) —
 *   plain SGD, cross-entropy, no momentum or weight decay, PyTorch default init; a `budget`
 *   factor scales every phase's epochs for quick runs.
 * see: Sabanayagam, Behrens, Adomaityte, Dawid, "Unveiling the Hessian's connection to the decision
 *      boundary", arXiv 2306.07104; github.com/Shmoo137/Hessian-and-Decision-Boundary.
 *
 * Data. The presets run on the paper's exact points, splits and random labels where they are
 * shipped (gauss, hierarchical, the checkerboards: src/data/paper.ts), so every run sees the data
 * of the paper's figures; circles and moons are our draws (SplitMix64, seed 42, split 42). A data
 * seed S asks for a fresh draw instead: `generateToy(source, { seed: S })`, split and labels
 * permuted with the paper's seed numbers (split 42, labels 28 or 34 — as numbers only: our
 * SplitMix64 streams are not numpy's).
 * Seeds. The run's `seed` sets the model init and the shuffles. The large-norm init uses
 * `seed + 1`, whether the target norm comes from a random-label run or is given.
 */
import { makeDataset, type Dataset } from '../data/dataset.js';
import { loadIris } from '../data/iris.js';
import { PAPER_DATA, isPaperDataName, loadPaperData, type PaperDataName } from '../data/paper.js';
import { generateToy, TOY_DATASETS, type ToyName } from '../data/toy.js';
import { checkSeed, randomLabels, split, standardize, type SplitSizes } from '../data/transform.js';
import type { Precision } from '../engine/dense-net.js';
import type { Engine, Model } from '../engine/engine.js';
import { InputError, throwIfAborted } from '../errors.js';
import { initParameters, mlpSpec, type Activation, type MlpSpec } from '../model/mlp.js';
import type { SgdConfig } from './optimizers.js';
import { train, trainingRecord, type TrainOptions, type TrainProgress, type TrainResult, type TrainingRecord } from './train.js';

/** ‖θ‖₂, accumulated in float64. */
export function parameterNorm(theta: ArrayLike<number>): number {
  let sq = 0;
  for (let i = 0; i < theta.length; i++) sq += theta[i]! * theta[i]!;
  return Math.sqrt(sq);
}

/**
 * The paper's "large norm" init: `initParameters(spec, seed)` (PyTorch's default) multiplied by
 * targetNorm / ‖θ‖₂, so ‖θ‖₂ = targetNorm up to float32 rounding (relative error ≲ 1e-7).
 */
export function largeNorm(spec: MlpSpec, seed: number, targetNorm: number): Model {
  checkSeed(seed, 'largeNorm: seed');
  if (typeof targetNorm !== 'number' || !Number.isFinite(targetNorm) || targetNorm <= 0) {
    throw new InputError(`largeNorm: targetNorm must be a finite number > 0, got ${String(targetNorm)}`);
  }
  const theta = initParameters(spec, seed);
  const scale = targetNorm / parameterNorm(theta);
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! * scale;
  return { spec, theta };
}

/** Options of {@link randomLabelRecipe}. */
export interface RandomLabelRecipeOptions extends TrainOptions {
  /** seed of the label permutation (default: `seed`, else 0) */
  readonly labelSeed?: number;
}

/** A random-label run: the training result and the relabelled data it was trained on. */
export interface RandomLabelResult extends TrainResult {
  /** the training data with permuted labels */
  readonly randomData: Dataset;
}

/** Trains `model` on `data` with its labels permuted by `labelSeed` (the paper's random-label recipe). */
export async function randomLabelRecipe(
  engine: Engine,
  model: Model,
  data: Dataset,
  options: RandomLabelRecipeOptions,
): Promise<RandomLabelResult> {
  const { labelSeed, ...trainOptions } = options;
  const randomData = randomLabels(data, labelSeed ?? options.seed ?? 0);
  const result = await train(engine, model, randomData, trainOptions);
  return Object.freeze({ ...result, randomData });
}

/** Options of {@link adversarialInit}: the options of both phases plus their lengths. */
export interface AdversarialInitOptions extends Omit<TrainOptions, 'epochs'> {
  /** epochs on random labels (the paper: 300,000 on gauss) */
  readonly randomEpochs: number;
  /** epochs on the true labels from the random-label θ (the paper: 20,000 on gauss) */
  readonly trueEpochs: number;
  /** seed of the label permutation (default: `seed`, else 0) */
  readonly labelSeed?: number;
}

/** Both phases of an adversarial-init run. */
export interface AdversarialInitResult {
  /** the final model (after the true-label phase) */
  readonly model: Model;
  /** phase 1; its model is the adversarial initialisation */
  readonly randomLabels: RandomLabelResult;
  /** phase 2 */
  readonly trueLabels: TrainResult;
}

/**
 * The paper's "adversarial init": train on random labels, then on the true labels from that θ.
 * Progress events carry `phase` 'random-labels' or 'true-labels'. An {@link Optimizer} object is
 * `reset()` before phase 2 (the paper starts a fresh optimizer); named optimizers are built per phase.
 */
export async function adversarialInit(
  engine: Engine,
  model: Model,
  data: Dataset,
  options: AdversarialInitOptions,
): Promise<AdversarialInitResult> {
  const { randomEpochs, trueEpochs, onProgress, ...rest } = options;
  const phase = (name: string): TrainOptions['onProgress'] => (onProgress ? (p) => onProgress({ ...p, phase: name }) : undefined);
  const first = await randomLabelRecipe(engine, model, data, { ...rest, epochs: randomEpochs, onProgress: phase('random-labels') });
  const { labelSeed: _unused, ...trueOptions } = rest;
  if (typeof trueOptions.optimizer === 'object') trueOptions.optimizer.reset();
  const second = await train(engine, first.model, data, { ...trueOptions, epochs: trueEpochs, onProgress: phase('true-labels') });
  return Object.freeze({ model: second.model, randomLabels: first, trueLabels: second });
}

// --- presets --------------------------------------------------------------------------------

/** Names of the built-in presets. */
export type PresetName =
  | 'gauss-normal'
  | 'gauss-adversarial'
  | 'gauss-large-norm'
  | 'checkerboard-linear'
  | 'checkerboard-wide-margin'
  | 'hierarchical-normal'
  | 'hierarchical-merged'
  | 'circles-normal'
  | 'moons-normal'
  | 'iris';

/** A dataset as a preset builds it. */
export interface PresetData {
  /** a toy set (its generator, and the paper's shipped points where `paper`) or the bundled Iris */
  readonly source: ToyName | 'iris';
  /**
   * true: the paper's exact points, split and random labels, shipped in the package
   * ({@link loadPaperData}); a data seed asks for a fresh draw instead. false: drawn by
   * `generateToy(source, { seed })` (circles, moons: the paper's points are not shipped), or Iris.
   */
  readonly paper: boolean;
  /** groups of the source's classes that become one class each (group k → class k), e.g. [[0, 1], [2, 3]] */
  readonly merge?: readonly (readonly number[])[];
  /** generator seed of a drawn set (a data seed replaces it); for the paper's points, the numpy seed they were drawn with */
  readonly seed: number;
  /** train/test/val counts */
  readonly split: Required<SplitSizes>;
  /** split seed of a drawn set and of Iris (the paper's points come split) */
  readonly splitSeed: number;
  /** random-label permutation seed of a drawn set, over the whole set before the split (the paper's points come with the paper's) */
  readonly labelSeed: number;
  /** per-class split (false: one plain permutation, as the paper's `random_split`) */
  readonly stratify: boolean;
  /** standardise features with the training split's mean and std */
  readonly standardize: boolean;
}

/** One training phase of a preset. */
export interface PresetPhase {
  readonly name: string;
  /** the dataset this phase trains on (default: the preset's `data.source`, built the same way) */
  readonly source?: ToyName;
  /**
   * true labels, or random labels: the labels permuted over the whole set before the split (the
   * paper's own for its shipped points), so the training points are those of the true-label phases
   */
  readonly labels: 'true' | 'random';
  /**
   * `default`: initParameters(spec, seed); `previous`: the previous phase's θ; `large-norm`:
   * largeNorm(spec, seed + 1, ‖θ of the previous phase‖ or the given targetNorm)
   */
  readonly init: 'default' | 'previous' | 'large-norm';
  /** epochs at full budget */
  readonly epochs: number;
}

/** One of the paper's experiments. */
export interface Preset {
  readonly name: PresetName;
  readonly description: string;
  /** the data the final model is trained and analysed on */
  readonly data: PresetData;
  readonly model: { readonly sizes: readonly number[]; readonly activation: Activation };
  readonly optimizer: SgdConfig;
  /** samples per batch, or the whole training split */
  readonly batchSize: number | 'full';
  readonly phases: readonly PresetPhase[];
  /** the paper repository's config file(s) this preset follows */
  readonly paperConfig: readonly string[];
}

const PLAIN_SGD = (lr: number): SgdConfig => Object.freeze({ type: 'sgd', lr, momentum: 0, weightDecay: 0, nesterov: false });

/** The paper's points of `source`; with a data seed, a fresh draw split and relabelled with the paper's seed numbers. */
function paperData(source: PaperDataName, merge?: PresetData['merge']): PresetData {
  const s = PAPER_DATA[source];
  return Object.freeze({
    source,
    paper: true,
    ...(merge ? { merge: Object.freeze(merge.map((g) => Object.freeze([...g]))) } : {}),
    seed: s.seed,
    split: Object.freeze({ ...s.split }),
    splitSeed: s.splitSeed,
    labelSeed: s.labelSeed,
    stratify: false,
    standardize: false,
  });
}

/** Our own draw of `source` (the paper's points are not shipped), split as the paper splits. */
function drawnData(source: ToyName): PresetData {
  return Object.freeze({
    source,
    paper: false,
    seed: 42,
    split: Object.freeze({ ...TOY_DATASETS[source].split }),
    splitSeed: 42,
    labelSeed: 28,
    stratify: false,
    standardize: false,
  });
}

const GAUSS_DATA = paperData('gauss');
const CHECKER_DATA = paperData('checkerboard-linear');

const MLP_100 = (classes: number) => Object.freeze({ sizes: Object.freeze([2, 100, 100, classes]), activation: 'relu' as const });

function preset(p: Preset): Preset {
  return Object.freeze({ ...p, phases: Object.freeze(p.phases.map((x) => Object.freeze(x))), paperConfig: Object.freeze(p.paperConfig) });
}

/** The paper's "normal" recipe on a 2-D set: 2-100-100-C ReLU, plain SGD lr 0.02, batch 64, 2,000 epochs. */
function normal(name: PresetName, description: string, data: PresetData, classes: number, paperConfig: string): Preset {
  return preset({
    name,
    description: `${description}, 2-100-100-${classes} ReLU, plain SGD lr 0.02, batch 64, 2,000 epochs on the true labels`,
    data,
    model: MLP_100(classes),
    optimizer: PLAIN_SGD(0.02),
    batchSize: 64,
    phases: [{ name: 'train', labels: 'true', init: 'default', epochs: 2000 }],
    paperConfig: [paperConfig],
  });
}

/**
 * The paper's toy experiments at full budget (its configs, "Networks and training"), on the paper's
 * own points where they are shipped (gauss, hierarchical, the checkerboards; see src/data/paper.ts)
 * and on our draws of its recipe otherwise (circles, moons).
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  'gauss-normal': normal('gauss-normal', 'gauss (the paper\'s points)', GAUSS_DATA, 3, 'configs/gauss/normal_training.json'),
  'gauss-adversarial': preset({
    name: 'gauss-adversarial',
    description: 'gauss (the paper\'s points), adversarial init: 300,000 epochs on the paper\'s random labels, then 20,000 on the true labels from that θ',
    data: GAUSS_DATA,
    model: MLP_100(3),
    optimizer: PLAIN_SGD(0.02),
    batchSize: 64,
    phases: [
      { name: 'random-labels', labels: 'random', init: 'default', epochs: 300_000 },
      { name: 'true-labels', labels: 'true', init: 'previous', epochs: 20_000 },
    ],
    paperConfig: ['configs/gauss/random_label_training.json', 'configs/gauss/adversarial_init_training.json'],
  }),
  'gauss-large-norm': preset({
    name: 'gauss-large-norm',
    description: 'gauss (the paper\'s points), default init rescaled to the norm of the random-label model (300,000 epochs; or a given targetNorm), then 1,000 epochs on the true labels',
    data: GAUSS_DATA,
    model: MLP_100(3),
    optimizer: PLAIN_SGD(0.02),
    batchSize: 64,
    phases: [
      { name: 'random-labels', labels: 'random', init: 'default', epochs: 300_000 },
      { name: 'large-norm', labels: 'true', init: 'large-norm', epochs: 1000 },
    ],
    paperConfig: ['configs/gauss/random_label_training.json', 'configs/gauss/large_norm_training.json'],
  }),
  'checkerboard-linear': normal('checkerboard-linear', 'linearly separable checkerboard (the paper\'s points)', CHECKER_DATA, 2,
    'configs/gauss_checkerboard_linear/normal_training_close.json'),
  'checkerboard-wide-margin': preset({
    name: 'checkerboard-wide-margin',
    description: 'checkerboard "wide margin" (the paper\'s points): 2,000 epochs on the noisy checkerboard, then 2,000 on the linear one from that θ',
    data: CHECKER_DATA,
    model: MLP_100(2),
    optimizer: PLAIN_SGD(0.02),
    batchSize: 64,
    phases: [
      { name: 'noisy', source: 'checkerboard-noisy', labels: 'true', init: 'default', epochs: 2000 },
      { name: 'linear', labels: 'true', init: 'previous', epochs: 2000 },
    ],
    paperConfig: ['configs/gauss_checkerboard_noisy/normal_training_close.json', 'configs/gauss_checkerboard_linear/noisy_init_training_close.json'],
  }),
  'hierarchical-normal': normal('hierarchical-normal', 'hierarchical, 4 classes (the paper\'s points)', paperData('hierarchical'), 4,
    'configs/hierachical/normal_training.json'),
  'hierarchical-merged': normal('hierarchical-merged', 'hierarchical merged into 2 classes, {0,1} → 0 and {2,3} → 1 (the paper\'s points)',
    paperData('hierarchical', [[0, 1], [2, 3]]), 2, 'configs/hierachical/normal_training_easy.json'),
  'circles-normal': normal('circles-normal', 'circles (our draw of make_circles(200, noise 0.1, factor 0.5); the paper\'s points are not shipped)',
    drawnData('circles'), 2, 'configs/circle/normal_training.json'),
  'moons-normal': normal('moons-normal', 'moons (our draw of make_moons(200, noise 0.1); the paper\'s points are not shipped)',
    drawnData('moons'), 2, 'configs/half_moon/normal_training.json'),
  iris: preset({
    name: 'iris',
    description: 'Iris (standardised), 4-50-50-3 ReLU, full-batch SGD lr 0.01, 1,000 epochs',
    data: Object.freeze({
      source: 'iris',
      paper: false,
      seed: 0,
      split: Object.freeze({ train: 120, test: 30, val: 0 }),
      splitSeed: 42,
      labelSeed: 28,
      stratify: false,
      standardize: true,
    }),
    model: Object.freeze({ sizes: Object.freeze([4, 50, 50, 3]), activation: 'relu' as const }),
    optimizer: PLAIN_SGD(0.01),
    batchSize: 'full',
    phases: [{ name: 'train', labels: 'true', init: 'default', epochs: 1000 }],
    paperConfig: ['configs/iris/normal_training.json'],
  }),
});

/** The preset names, in table order. */
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(Object.keys(PRESETS) as PresetName[]);

/** True when `name` is a built-in preset. */
export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

/** Train, test and validation splits of a preset dataset (validation null when empty). */
export interface PresetSplits {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly val: Dataset | null;
}

/** Options of {@link presetData}. */
export interface PresetDataOptions {
  /** a phase's dataset instead of `data.source`, built the same way */
  readonly source?: ToyName | 'iris';
  /** `random`: the random-label version (labels permuted over the whole set before the split); default `true` */
  readonly labels?: 'true' | 'random';
  /**
   * a fresh draw instead of the preset's data: `generateToy(source, { seed: dataSeed })`, split
   * with the preset's `splitSeed`, random labels with its `labelSeed` (toy sets only, not Iris)
   */
  readonly dataSeed?: number;
}

/**
 * Builds a preset's data: the paper's shipped points (`data.paper`, no data seed), else a draw of
 * its generator (seed `dataSeed ?? data.seed`) cut by `split` with `splitSeed`, or Iris; then the
 * class merge, then standardisation when the preset asks for it. Random labels are permuted over
 * the whole set before the split, as the paper's are, so every phase sees the same training points.
 */
export function presetData(data: PresetData, options: PresetDataOptions = {}): PresetSplits {
  const source = options.source ?? data.source;
  const labels = options.labels ?? 'true';
  if (labels !== 'true' && labels !== 'random') throw new InputError(`presetData: labels must be 'true' or 'random', got '${String(labels)}'`);
  const { dataSeed } = options;
  if (dataSeed !== undefined) {
    checkSeed(dataSeed, 'presetData: dataSeed');
    if (source === 'iris') throw new InputError('presetData: a data seed draws a toy set afresh; Iris is measured data (no dataSeed)');
  }
  let parts: { train: Dataset; test: Dataset; val: Dataset | null };
  if (data.paper && dataSeed === undefined && isPaperDataName(source)) {
    parts = loadPaperData(source, { labels });
  } else {
    const drawn = source === 'iris' ? loadIris() : generateToy(source, { seed: dataSeed ?? data.seed });
    const base = labels === 'random' ? randomLabels(drawn, data.labelSeed) : drawn;
    const s = split(base, data.split, data.splitSeed, { stratify: data.stratify });
    parts = { train: s.train, test: s.test, val: s.val };
  }
  if (data.merge) {
    const merge = mergeClasses(data.merge);
    parts = { train: merge(parts.train), test: merge(parts.test), val: parts.val ? merge(parts.val) : null };
  }
  if (!data.standardize) return parts;
  const others = parts.val ? [parts.test, parts.val] : [parts.test];
  const s = standardize(parts.train, ...others);
  return { train: s.train, test: s.others[0]!, val: parts.val ? s.others[1]! : null };
}

/** Relabels a dataset: every class of group k becomes class k (classes in no group are an error). */
function mergeClasses(groups: readonly (readonly number[])[]): (d: Dataset) => Dataset {
  return (d) => {
    const to = new Int32Array(d.classes).fill(-1);
    groups.forEach((g, k) => g.forEach((c) => (to[c] = k)));
    const y = Int32Array.from(d.y, (c) => {
      if (to[c]! < 0) throw new InputError(`presetData: class ${c} is in no merge group`);
      return to[c]!;
    });
    return makeDataset(d.x, y, d.d, groups.length, d.featureNames);
  };
}

/** Options of {@link runPreset}. */
export interface RunPresetOptions {
  /** factor on every phase's epochs (default 1 = the paper's; each phase runs ≥ 1 epoch) */
  readonly budget?: number;
  /** model init and shuffle seed (default 0) */
  readonly seed?: number;
  /** a fresh draw of the preset's toy sets with this generator seed instead of its data ({@link presetData}) */
  readonly dataSeed?: number;
  /** `gauss-large-norm` only: use this norm instead of running the random-label phase */
  readonly targetNorm?: number;
  /** progress of the running phase */
  readonly onProgress?: (progress: PresetProgress) => void;
  /** checked between mini-batches; an abort rejects with AbortError */
  readonly signal?: AbortSignal;
  /** kernel arithmetic (default `f32`) */
  readonly precision?: Precision;
}

/** Progress of a preset run: the running phase's training progress and its place among the phases. */
export interface PresetProgress extends TrainProgress {
  readonly phase: string;
  /** 0-based index of the running phase */
  readonly phaseIndex: number;
  /** phases that will run */
  readonly phases: number;
}

/** One phase of a preset run (JSON). */
export interface PresetPhaseRecord {
  readonly phase: string;
  /** the dataset trained on */
  readonly source: ToyName | 'iris';
  readonly labels: 'true' | 'random';
  readonly init: PresetPhase['init'];
  /** ‖θ‖₂ at the start of the phase */
  readonly initialNorm: number;
  /** the training record (curves, steps, final norm in `model.norm`) */
  readonly training: TrainingRecord;
}

/** Loss and accuracy of the final model on one split (true labels). */
export interface SplitEvaluation {
  readonly loss: number;
  readonly accuracy: number;
}

/** What {@link runPreset} returns. */
export interface PresetRun {
  readonly schema: 'hessian-lens/preset-run@1';
  readonly preset: PresetName;
  readonly description: string;
  readonly budget: number;
  readonly seed: number;
  /** the generator seed of a fresh draw, or null: the preset's data (the paper's points where shipped) */
  readonly dataSeed: number | null;
  /** the target norm used by a large-norm phase (given, or the random-label model's) */
  readonly targetNorm?: number;
  /** the data of the final phase, true labels */
  readonly data: PresetSplits;
  /** the final model */
  readonly model: Model;
  /** one record per phase run, in order */
  readonly training: readonly PresetPhaseRecord[];
  /** the final model on each split */
  readonly evaluation: { readonly train: SplitEvaluation; readonly test: SplitEvaluation; readonly val: SplitEvaluation | null };
}

/** Most epochs a budget may scale a run to (the paper's longest phase is a few thousand). */
export const MAX_BUDGET_EPOCHS = 10_000_000;

/**
 * Epochs of a phase at a budget: round(epochs × budget), at least 1. A budget that scales the run
 * beyond {@link MAX_BUDGET_EPOCHS} is an {@link InputError} that names the budget (train would
 * otherwise blame "epochs 1e+300", a number the caller never wrote).
 */
export function budgetEpochs(epochs: number, budget: number): number {
  const scaled = Math.max(1, Math.round(epochs * budget));
  if (!(scaled <= MAX_BUDGET_EPOCHS)) {
    throw new InputError(`budget ${budget} × ${epochs} epoch${epochs === 1 ? '' : 's'} = ${scaled} epochs, more than the ${MAX_BUDGET_EPOCHS.toLocaleString('en-US')}-epoch limit; use a smaller budget`);
  }
  return scaled;
}

/**
 * Runs a preset: builds its data, trains its phases in order and evaluates the final model on
 * every split. At `budget` b every phase runs round(b × epochs) epochs (≥ 1), e.g. b = 0.01 makes
 * `gauss-normal` 20 epochs. Training curves record the whole-training-set and validation loss
 * about 100 times per phase.
 */
export async function runPreset(engine: Engine, name: string, options: RunPresetOptions = {}): Promise<PresetRun> {
  if (!isPresetName(name)) throw new InputError(`unknown preset '${name}' (expected one of ${PRESET_NAMES.join(', ')})`);
  const p = PRESETS[name];
  const budget = options.budget ?? 1;
  if (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0) {
    throw new InputError(`runPreset: budget must be a finite number > 0, got ${String(budget)}`);
  }
  const seed = options.seed ?? 0;
  checkSeed(seed, 'runPreset: seed');
  const { dataSeed } = options;
  if (dataSeed !== undefined) {
    checkSeed(dataSeed, 'runPreset: dataSeed');
    if (p.data.source === 'iris') throw new InputError(`runPreset: a data seed draws a toy set afresh; '${name}' runs on Iris, measured data`);
  }
  const given = options.targetNorm;
  if (given !== undefined) {
    if (!p.phases.some((ph) => ph.init === 'large-norm')) throw new InputError(`runPreset: targetNorm applies to large-norm presets, not '${name}'`);
    if (typeof given !== 'number' || !Number.isFinite(given) || given <= 0) {
      throw new InputError(`runPreset: targetNorm must be a finite number > 0, got ${String(given)}`);
    }
  }
  throwIfAborted(options.signal);
  const spec = mlpSpec(p.model.sizes, p.model.activation);
  // With a given norm, phases that only produce the large-norm target are skipped.
  const phases = given !== undefined ? p.phases.slice(p.phases.findIndex((ph) => ph.init === 'large-norm')) : p.phases;
  const splits = new Map<string, PresetSplits>();
  const dataFor = (source: ToyName | 'iris', labels: 'true' | 'random'): PresetSplits => {
    const key = `${source} ${labels}`;
    let s = splits.get(key);
    if (!s) splits.set(key, (s = presetData(p.data, { source, labels, ...(dataSeed !== undefined ? { dataSeed } : {}) })));
    return s;
  };

  const records: PresetPhaseRecord[] = [];
  let model: Model | null = null;
  let targetNorm = given;
  for (const [index, phase] of phases.entries()) {
    const source = phase.source ?? p.data.source;
    const parts = dataFor(source, phase.labels);
    let init: Model;
    if (phase.init === 'default') {
      init = { spec, theta: initParameters(spec, seed) };
    } else if (phase.init === 'previous') {
      if (!model) throw new InputError(`preset '${name}': phase '${phase.name}' continues a previous phase, but none ran`);
      init = model;
    } else {
      targetNorm ??= model ? parameterNorm(model.theta) : undefined;
      if (targetNorm === undefined) throw new InputError(`preset '${name}': phase '${phase.name}' needs a targetNorm or a previous phase`);
      init = largeNorm(spec, seed + 1, targetNorm);
    }
    const epochs = budgetEpochs(phase.epochs, budget);
    const onProgress = options.onProgress;
    // a random-label phase validates on the random labels, as the paper's runs do
    const result = await train(engine, init, parts.train, {
      epochs,
      optimizer: 'sgd',
      lr: p.optimizer.lr,
      momentum: p.optimizer.momentum,
      weightDecay: p.optimizer.weightDecay,
      batchSize: p.batchSize === 'full' ? parts.train.n : p.batchSize,
      seed,
      evaluateEvery: Math.max(1, Math.floor(epochs / 100)),
      ...(parts.val ? { validation: parts.val } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(onProgress ? { onProgress: (q: TrainProgress) => onProgress({ ...q, phase: phase.name, phaseIndex: index, phases: phases.length }) } : {}),
    });
    records.push(Object.freeze({
      phase: phase.name,
      source,
      labels: phase.labels,
      init: phase.init,
      initialNorm: parameterNorm(init.theta),
      training: trainingRecord(result),
    }));
    model = result.model;
  }

  const final = model!;
  const data = dataFor(p.data.source, 'true');
  // In this thread through engine.net, like the training loop: the numbers match the curves' bits.
  const evaluate = (d: Dataset): SplitEvaluation => {
    const sums = engine.net(final, d, options.precision ? { precision: options.precision } : {}).forwardSums();
    return { loss: sums.lossSum / sums.n, accuracy: sums.correct / sums.n };
  };
  return Object.freeze({
    schema: 'hessian-lens/preset-run@1' as const,
    preset: name,
    description: p.description,
    budget,
    seed,
    dataSeed: dataSeed ?? null,
    ...(targetNorm !== undefined ? { targetNorm } : {}),
    data,
    model: final,
    training: Object.freeze(records),
    evaluation: Object.freeze({
      train: evaluate(data.train),
      test: evaluate(data.test),
      val: data.val ? evaluate(data.val) : null,
    }),
  });
}
