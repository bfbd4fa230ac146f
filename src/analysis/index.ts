/**
 * Decision-boundary analysis of the loss Hessian's eigenvectors: per-sample alignment, the
 * generalization measure G, the margin estimator with its exact input gradient, the input–output
 * Jacobian norm and 2-D alignment maps. Each module opens with its estimator, defaults and
 * citation (Sabanayagam, Behrens, Adomaityte, Dawid 2023, arXiv 2306.07104).
 */
export {
  ALIGNMENT_SCHEMA,
  alignment,
  alignmentMatrix,
  alignmentSummary,
  checkDirections,
  type AlignmentMatrix,
  type AlignmentOptions,
  type AlignmentResult,
  type AlignmentSummary,
  type SampleProducts,
} from './alignment.js';
export {
  GENERALIZATION_SCHEMA,
  generalization,
  generalizationAll,
  generalizationFromProjections,
  generalizationMeasure,
  normalizedRows,
  randomDirectionEpsilon,
  randomUnitDirections,
  type AlignmentStatistic,
  type EpsilonComparison,
  type EpsilonRecord,
  type GeneralizationMeasureOptions,
  type GeneralizationOptions,
  type GeneralizationResult,
  type RandomDirectionOptions,
} from './generalization.js';
export {
  AlignmentGradient,
  INPUT_GRADIENT_SCHEMA,
  alignmentInputGradient,
  alignmentInputGradients,
  type InputGradientResult,
} from './input-gradient.js';
export {
  MARGIN_SCHEMA,
  margin,
  margins,
  topTwoGap,
  type MarginMethod,
  type MarginOptions,
  type MarginProgress,
  type MarginResult,
  type MarginRun,
  type MarginSettings,
  type MarginSource,
  type MarginStartOrigin,
  type MarginStopReason,
  type MarginsOptions,
  type PaperSgdSettings,
  type StartDistribution,
  type TrainingPoint,
} from './margin.js';
export {
  JACOBIAN_SCHEMA,
  jacobianNorm,
  type JacobianMode,
  type JacobianNormOptions,
  type JacobianNormResult,
} from './jacobian.js';
export {
  GRID_SCHEMA,
  alignmentGrid,
  paddedBounds,
  type AlignmentGridOptions,
  type AlignmentGridResult,
  type BoundaryReconstruction,
  type GridBounds,
  type GridSource,
} from './grid.js';
export {
  ANALYSIS_SCHEMA,
  ANALYZE_DEFAULTS,
  analyze,
  trainForAnalysis,
  type AnalysisReport,
  type AnalyzeOptions,
  type AnalyzeProgress,
  type SplitScore,
  type TrackingPoint,
  type TrainedModel,
} from './analyze.js';
export {
  COMPARE_SCHEMA,
  GROUP_QUANTITIES,
  compare,
  spearman,
  type CompareGroup,
  type CompareOptions,
  type CompareReport,
  type CompareRow,
  type CompareRun,
  type GOver,
  type GroupQuantity,
} from './compare.js';
export { median, seedStat, seedStats, type SeedStat } from './seed-stats.js';
export {
  BOUNDARY_ALIGNMENT_FACTOR,
  CLAIM_IDS,
  EXPERIMENT_QUANTITIES,
  PAPER_FIGURES,
  REPRODUCTION_EXPERIMENTS,
  REPRODUCTION_SCHEMA,
  checkClaims,
  reproduce,
  type ClaimNumber,
  type ClaimVerdict,
  type ExperimentQuantity,
  type PaperFigureValues,
  type ReproduceOptions,
  type ReproduceProgress,
  type ReproductionClaim,
  type ReproductionExperiment,
  type ReproductionExperimentName,
  type ReproductionReport,
  type ReproductionRun,
} from './reproduce.js';
