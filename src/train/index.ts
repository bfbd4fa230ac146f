/**
 * Training: PyTorch-faithful optimizers (SGD with momentum / Nesterov / L2 weight decay, Adam),
 * the seeded mini-batch training loop with progress and cancellation, and the paper's recipes
 * (random labels, adversarial init, large norm) and toy experiments as presets.
 * see: Sabanayagam et al., arXiv 2306.07104 (the recipes); Kingma & Ba, ICLR 2015 (Adam).
 */
export {
  DEFAULT_LR,
  adam,
  createOptimizer,
  sgd,
  type AdamConfig,
  type AdamOptions,
  type Optimizer,
  type OptimizerConfig,
  type SgdConfig,
  type SgdOptions,
} from './optimizers.js';
export {
  train,
  trainingRecord,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  type TrainTiming,
  type TrainingCurve,
  type TrainingRecord,
  type TrainingRecordOptions,
} from './train.js';
export {
  PRESETS,
  PRESET_NAMES,
  adversarialInit,
  isPresetName,
  largeNorm,
  parameterNorm,
  presetData,
  randomLabelRecipe,
  runPreset,
  type AdversarialInitOptions,
  type AdversarialInitResult,
  type Preset,
  type PresetData,
  type PresetDataOptions,
  type PresetName,
  type PresetPhase,
  type PresetPhaseRecord,
  type PresetProgress,
  type PresetRun,
  type PresetSplits,
  type RandomLabelRecipeOptions,
  type RandomLabelResult,
  type RunPresetOptions,
  type SplitEvaluation,
} from './recipes.js';
