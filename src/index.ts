/**
 * hessian-lens: train or load dense MLP classifiers and analyse their loss Hessian on the CPU,
 * in Node and in browsers, with AssemblyScript SIMD kernels.
 *
 * @example
 * ```ts
 * import { createEngine, loadMlp, parseCsv } from 'hessian-lens';
 * const engine = await createEngine();
 * const model = loadMlp(modelBytes);          // safetensors state_dict of nn.Sequential
 * const data = parseCsv(csvText);             // features…, integer label
 * const { loss, accuracy, gradNorm } = await engine.evaluate(model, data);
 * const hv = await engine.hvp(model, data, v); // exact H·v, PyTorch parameter order
 * ```
 */
export {
  AbortError, HessianLensError, InputError, NumericalError, ResourceError, ShapeError, type ErrorKind,
} from './errors.js';
export { createEngine, Engine, checkData, checkModel, type EngineOptions, type Evaluation, type GradientResult, type Model } from './engine/engine.js';
export type { DenseNetOptions, ForwardSums, LabelChoice, PerSampleProducts, Precision } from './engine/dense-net.js';
export { relaxedSimdSupported, type KernelBuild, type KernelBuildOption } from './engine/wasm.js';
export { defaultGemmConfig, describeGemmConfig, type GemmChoice, type GemmConfig } from './engine/gemm-config.js';
export {
  ACTIVATIONS, checkParameters, initParameters, layerSlices, mlpSpec, parameterCount,
  type Activation, type LayerSlice, type MlpSpec,
} from './model/mlp.js';
export { gaussianVector, Rng } from './model/rng.js';
export { formatCsv, parseCsv, type ParseCsvOptions } from './io/csv.js';
export {
  loadMlp, readSafetensors, saveMlp, writeSafetensors,
  type LoadedMlp, type LoadMlpOptions, type SafetensorsFile, type SafetensorsInput, type SafetensorsTensor,
} from './io/safetensors.js';
export * from './data/index.js';
export * from './hessian/index.js';
export { CURVATURE_NAMES, Session, type CurvatureName, type HessianOperator, type LaneSource, type SessionOpener, type SessionOptions } from './engine/session.js';
export type { DensityTask, MarginStartsTask, Task, TaskHooks, TaskProgress, TaskResult, TaskResults, VectorOpsName } from './engine/tasks.js';
export * from './analysis/index.js';
export * from './train/index.js';
// The HTML report renderer is its own entry point, hessian-lens/report (src/report/index.ts).
