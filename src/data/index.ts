/**
 * Datasets: the shared {@link Dataset} type, the paper's 2-D toy sets (seeded generators, and the
 * paper's exact points and splits, shipped), Iris, MNIST subsets, and the transforms
 * (standardisation, seeded splits, subsets, random labels).
 */
export { makeDataset, type Dataset } from './dataset.js';
export {
  TOY_DATASETS,
  TOY_NAMES,
  blobs,
  checkerboardLinear,
  checkerboardNoisy,
  circles,
  gauss,
  DEFAULT_TOY_SEED,
  generateToy,
  hierarchical,
  isToyName,
  moons,
  spirals,
  xor,
  type AnyToyOptions,
  type BlobsOptions,
  type CirclesOptions,
  type HierarchicalOptions,
  type ToyName,
  type ToyOptions,
  type ToySpec,
} from './toy.js';
export {
  PAPER_DATA,
  PAPER_DATA_NAMES,
  isPaperDataName,
  loadPaperData,
  type PaperDataName,
  type PaperDataOptions,
  type PaperDataSpec,
  type PaperSplits,
} from './paper.js';
export { IRIS_CLASSES, IRIS_FEATURES, IRIS_SPLIT, loadIris } from './iris.js';
export { loadNamedData, type Splits } from './named.js';
export {
  MNIST_PIXELS,
  MNIST_SPLIT,
  loadMnistModule,
  mnistSubset,
  type MnistDigitData,
  type MnistOptions,
  type MnistSource,
} from './mnist.js';
export {
  applyScaler,
  checkSeed,
  fitScaler,
  randomLabels,
  resolveSplitSizes,
  split,
  standardize,
  subset,
  type RandomLabelOptions,
  type Scaler,
  type SplitOptions,
  type SplitResult,
  type SplitSizes,
  type Standardized,
} from './transform.js';
