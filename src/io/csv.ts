/**
 * Classification datasets as CSV text: one sample a line, the features, then an integer label in
 * the last column; an optional header row (detected: some non-empty cell of the first row is not a number).
 * Comma separated; spaces around cells, CRLF line ends, a BOM and blank trailing lines are tolerated.
 * Every error names the source, the line (1-based), the column (1-based, with its header name) and
 * the offending value. A subset of RFC 4180: a cell may be wrapped in double quotes, but quoted
 * commas, quoted line breaks and escaped quotes are not supported (numeric data never needs them).
 * see: Y. Shafranovich, "Common Format and MIME Type for CSV Files", RFC 4180, 2005.
 */
import { InputError, ShapeError } from '../errors.js';
import { makeDataset, type Dataset } from '../data/dataset.js';

/** Options of {@link parseCsv}. */
export interface ParseCsvOptions {
  /** name of the input in error messages (a file name); default 'csv' */
  readonly source?: string;
  /** number of classes; labels must lie in 0..classes−1. Default: largest label + 1, with ≥ 2 distinct labels required. */
  readonly classes?: number;
  /** required feature count; a different count is a {@link ShapeError} */
  readonly expectFeatures?: number;
}

// Unambiguous (each digit run is matched one way), so a long non-numeric cell costs linear time.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Labels are stored as int32. */
const MAX_LABEL = 0x7fffffff;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

function unquote(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

function show(cell: string): string {
  return cell.length > 40 ? `'${cell.slice(0, 37)}...'` : `'${cell}'`;
}

/**
 * Parses CSV text into a {@link Dataset} (features as float32, labels as integers).
 * Throws {@link InputError} for an empty file, a header without data, blank lines between rows,
 * empty or non-numeric cells, NaN/Inf, features beyond float32 range, non-integer or negative labels,
 * labels ≥ `classes`, or a single class; {@link ShapeError} for ragged rows, fewer than two columns,
 * or a feature count other than `expectFeatures`.
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): Dataset {
  const source = options.source ?? 'csv';
  const { classes, expectFeatures } = options;
  if (typeof text !== 'string') throw new InputError(`${source}: CSV input must be a string`);
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 2)) {
    throw new InputError(`${source}: option classes must be an integer ≥ 2, got ${classes}`);
  }
  if (expectFeatures !== undefined && !(Number.isInteger(expectFeatures) && expectFeatures >= 1)) {
    throw new InputError(`${source}: option expectFeatures must be an integer ≥ 1, got ${expectFeatures}`);
  }

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  if (last < 0) throw new InputError(`${source}: the file is empty (no rows)`);

  let first = 0;
  while (lines[first]!.trim() === '') first++;
  const firstCells = lines[first]!.split(',').map(unquote);
  const hasHeader = firstCells.some((c) => c !== '' && !NUMBER.test(c) && !NON_FINITE.test(c));
  const columns = firstCells.length;
  if (columns < 2) {
    // a file written with another separator (European spreadsheets: ';') reads as one column
    const other = [';', '\t', '|'].find((sep) => lines[first]!.includes(sep));
    const hint = other ? ` (the line contains '${other === '\t' ? '\\t' : other}': fields must be separated by commas)` : '';
    throw new ShapeError(`${source}: line ${first + 1} has ${columns} column; expected features followed by a label column${hint}`);
  }
  const d = columns - 1;
  const names = hasHeader ? firstCells : undefined;
  if (expectFeatures !== undefined && d !== expectFeatures) {
    throw new ShapeError(`${source}: ${d} feature column${d === 1 ? '' : 's'} (line ${first + 1} has ${columns} columns, the last being the label), but ${expectFeatures} features are expected`);
  }
  const columnName = (c: number): string => (names ? `column ${c + 1} ('${names[c]}')` : `column ${c + 1}`);

  const x: number[] = [];
  const y: number[] = [];
  const labelsSeen = new Set<number>();
  for (let li = hasHeader ? first + 1 : first; li <= last; li++) {
    const lineNo = li + 1;
    const line = lines[li]!;
    if (line.trim() === '') throw new InputError(`${source}: line ${lineNo} is blank (blank lines are allowed only at the end)`);
    const cells = line.split(',').map(unquote);
    if (cells.length !== columns) {
      throw new ShapeError(`${source}: line ${lineNo} has ${cells.length} columns, but line ${first + 1} has ${columns}`);
    }
    for (let c = 0; c < columns; c++) {
      const cell = cells[c]!;
      const where = `${source}: line ${lineNo}, ${columnName(c)}`;
      if (cell === '') throw new InputError(`${where} is empty`);
      if (NON_FINITE.test(cell)) throw new InputError(`${where}: value ${show(cell)} is not finite`);
      if (!NUMBER.test(cell)) throw new InputError(`${where}: value ${show(cell)} is not a number`);
      const v = Number(cell);
      if (c < d) {
        if (!Number.isFinite(Math.fround(v))) throw new InputError(`${where}: value ${show(cell)} is beyond float32 range`);
        x.push(v);
      } else {
        if (!Number.isSafeInteger(v)) throw new InputError(`${where}: label ${show(cell)} is not an integer`);
        if (v < 0) throw new InputError(`${where}: label ${show(cell)} is negative (labels must be 0..C−1)`);
        if (v > MAX_LABEL) throw new InputError(`${where}: label ${show(cell)} is too large (labels must be at most ${MAX_LABEL})`);
        if (classes !== undefined && v >= classes) {
          throw new InputError(`${where}: label ${show(cell)} is out of range for ${classes} classes (labels must be 0..${classes - 1})`);
        }
        y.push(v);
        labelsSeen.add(v);
      }
    }
  }
  if (y.length === 0) throw new InputError(`${source}: the file has a header but no data rows`);
  if (classes === undefined && labelsSeen.size < 2) {
    throw new InputError(`${source}: all ${y.length} samples have label ${y[0]}; a classifier needs ≥ 2 classes (or pass options.classes)`);
  }
  return makeDataset(x, y, d, classes, names ? names.slice(0, d) : undefined);
}

/**
 * Formats a dataset as CSV text: header `f0,…,f{d−1},label`, one sample a line, `\n` line ends.
 * Each float32 feature prints as the shortest decimal of its exact float64 value, so
 * `parseCsv(formatCsv(data))` reproduces `data.x` and `data.y` bit for bit.
 */
export function formatCsv(data: Dataset): string {
  const header = [...Array.from({ length: data.d }, (_, j) => `f${j}`), 'label'].join(',');
  const rows: string[] = [header];
  for (let i = 0; i < data.n; i++) {
    const cells: string[] = [];
    for (let j = 0; j < data.d; j++) cells.push(String(data.x[i * data.d + j]));
    cells.push(String(data.y[i]));
    rows.push(cells.join(','));
  }
  return `${rows.join('\n')}\n`;
}
