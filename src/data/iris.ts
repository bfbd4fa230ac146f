/**
 * Fisher's Iris data (1936): 150 flowers × 4 measurements in cm, 3 species × 50, shipped inside
 * the package. Values and row order are sklearn's `load_iris()`: the UCI file with the two
 * corrections to match Fisher's paper (row 35 petal width 0.2; row 38 sepal width 3.6, petal length 1.4).
 * Checksums (tested): column sums 876.5, 458.6, 563.7, 179.9.
 * see: R. A. Fisher, "The use of multiple measurements in taxonomic problems", Ann. Eugenics 7 (1936).
 */
import { makeDataset, type Dataset } from './dataset.js';

/** Feature names, as sklearn's `load_iris().feature_names`. */
export const IRIS_FEATURES: readonly string[] = Object.freeze([
  'sepal length (cm)',
  'sepal width (cm)',
  'petal length (cm)',
  'petal width (cm)',
]);

/** Class names for labels 0, 1, 2. */
export const IRIS_CLASSES: readonly string[] = Object.freeze(['setosa', 'versicolor', 'virginica']);

/** The paper's split of Iris: 120 train, 30 test, no validation. */
export const IRIS_SPLIT = Object.freeze({ train: 120, test: 30, val: 0 });

// One row per 8 digits: sepal length, sepal width, petal length, petal width, each in tenths of a
// cm as two digits (51351402 = 5.1, 3.5, 1.4, 0.2). Labels follow from the row: 50 of each species.
const ROWS = [
  // setosa (rows 0–49)
  '51351402 49301402 47321302 46311502 50361402 54391704 46341403 50341502 44291402 49311501',
  '54371502 48341602 48301401 43301101 58401202 57441504 54391304 51351403 57381703 51381503',
  '54341702 51371504 46361002 51331705 48341902 50301602 50341604 52351502 52341402 47321602',
  '48311602 54341504 52411501 55421402 49311502 50321202 55351302 49361401 44301302 51341502',
  '50351303 45231303 44321302 50351606 51381904 48301403 51381602 46321402 53371502 50331402',
  // versicolor (rows 50–99)
  '70324714 64324515 69314915 55234013 65284615 57284513 63334716 49243310 66294613 52273914',
  '50203510 59304215 60224010 61294714 56293613 67314414 56304515 58274110 62224515 56253911',
  '59324818 61284013 63254915 61284712 64294313 66304414 68284814 67305017 60294515 57263510',
  '55243811 55243710 58273912 60275116 54304515 60344516 67314715 63234413 56304113 55254013',
  '55264412 61304614 58264012 50233310 56274213 57304212 57294213 62294313 51253011 57284113',
  // virginica (rows 100–149)
  '63336025 58275119 71305921 63295618 65305822 76306621 49254517 73296318 67255818 72366125',
  '65325120 64275319 68305521 57255020 58285124 64325323 65305518 77386722 77266923 60225015',
  '69325723 56284920 77286720 63274918 67335721 72326018 62284818 61304918 64285621 72305816',
  '74286119 79386420 64285622 63285115 61265614 77306123 63345624 64315518 60304818 69315421',
  '67315624 69315123 58275119 68325923 67335725 67305223 63255019 65305220 62345423 59305118',
].join(' ');

/** The Iris dataset: x [150, 4] in cm (float32), labels 0 setosa, 1 versicolor, 2 virginica. */
export function loadIris(): Dataset {
  const rows = ROWS.split(' ');
  const x = new Float32Array(rows.length * 4);
  const y = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = Number(row.slice(2 * j, 2 * j + 2)) / 10;
    y[i] = Math.floor(i / 50);
  });
  return makeDataset(x, y, 4, 3, IRIS_FEATURES);
}
