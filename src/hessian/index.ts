/**
 * hessian: spectra of a symmetric operator seen only through `{ size, matvec }` — Lanczos top-k
 * eigenpairs, power iteration, Hutchinson/Hutch++ trace, stochastic Lanczos quadrature density,
 * the outlier count, and the exact dense path for small models.
 */
export { denseOperator, operatorMatrix, type CountingOperator, type DenseOperator, type LinearOperator } from './operator.js';
export { float64Ops, orthogonalize, type VectorOps } from './vector.js';
export {
  lanczos,
  type EigenResult,
  type LanczosOptions,
  type LanczosProgress,
  type Reorthogonalization,
  type Which,
} from './lanczos.js';
export { powerIteration, type PowerOptions, type PowerProgress, type PowerResult } from './power.js';
export { traceEstimate, type TraceOptions, type TraceProgress, type TraceResult } from './trace.js';
export { spectralDensity, type DensityOptions, type DensityProgress, type SpectralDensity } from './density.js';
export {
  DEFAULT_DENSE_LIMIT,
  denseHessianProjection,
  denseHessianSpectrum,
  denseMemoryBytes,
  symmetricEigen,
  type DenseProjection,
  type DenseStage,
  tridiagonalEigen,
  tridiagonalEigenRows,
  type DenseProgress,
  type DenseSpectrum,
  type DenseSpectrumOptions,
  type SymmetricEigenOptions,
  type SymmetricEigenResult,
  type TridiagonalEigenResult,
  type TridiagonalEigenRows,
} from './dense.js';
export { countOutliers, type OutlierCount, type OutlierOptions } from './outliers.js';
export { hessianSpectrum, type SpectrumOptions, type SpectrumProgress, type SpectrumResult, type SpectrumSummary } from './spectrum.js';
export { blockOperator, layerBlocks, parameterBlock, parameterTensors, type ParameterBlock, type ParameterTensor } from './block.js';
export { exactDiagonal, hutchinsonDiagonal, type DiagonalOptions, type DiagonalResult } from './diagonal.js';
export { perLayerSpectrum, type BlockSpectrum, type PerLayerOptions, type PerLayerSpectrum } from './per-layer.js';
export { outlierDecomposition, type DecompositionOptions, type OutlierDecomposition, type OutlierShare } from './decomposition.js';
