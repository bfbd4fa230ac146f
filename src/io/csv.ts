/**
 * Classification datasets as CSV text: one sample a line, the features, then an integer label in
 * the last column; an optional header row (detected: some non-empty cell of the first row is not a number;
 * a first row whose label cell is a number but another cell is not is a typo, refused, not a header).
 * Comma separated; spaces around cells, CRLF line ends, a BOM and blank trailing lines are tolerated.
 * Every error names the source, the line (1-based), the column (1-based, with its header name) and
 * the offending value. A subset of RFC 4180: a cell may be wrapped in double quotes, but quoted
 * commas, quoted line breaks and escaped quotes are not supported (numeric data never needs them).
 * see: Y. Shafranovich, "Common Format and MIME Type for CSV Files", RFC 4180, 2005.
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { escapeControls } from './quote.js';

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
  return cell.length > 40 ? `'${escapeControls(cell.slice(0, 37))}...'` : `'${escapeControls(cell)}'`;
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
  const isNumber = (c: string): boolean => NUMBER.test(c) || NON_FINITE.test(c);
  const hasHeader = firstCells.some((c) => c !== '' && !isNumber(c));
  // A header names its label column; a first row whose label cell is a number is data with a typo
  // (`O.25` for `0.25`), which read as a header would silently drop a sample.
  if (hasHeader && firstCells.length >= 2 && isNumber(firstCells[firstCells.length - 1]!)) {
    const c = firstCells.findIndex((cell) => cell !== '' && !isNumber(cell));
    throw new InputError(`${source}: line ${first + 1}, column ${c + 1}: value ${show(firstCells[c]!)} is not a number, and line ${first + 1} is not a header either (its label column holds the number ${show(firstCells[firstCells.length - 1]!)}; a header names every column)`);
  }
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
        if (!Number.isFinite(v)) throw new InputError(`${where}: label ${show(cell)} is out of range (it reads as ${v}; labels must be integers 0..${MAX_LABEL})`);
        if (v > MAX_LABEL) throw new InputError(`${where}: label ${show(cell)} is too large (labels must be at most ${MAX_LABEL})`);
        if (!Number.isSafeInteger(v)) throw new InputError(`${where}: label ${show(cell)} is not an integer`);
        if (v < 0) throw new InputError(`${where}: label ${show(cell)} is negative (labels must be 0..C−1)`);
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

/** Longest text a JavaScript string holds in V8 (Chromium, Node): 2²⁹ − 24 UTF-16 code units. */
export const MAX_CSV_BYTES = 0x1fffffe8;

/**
 * Decodes a CSV file's bytes (UTF-8) for {@link parseCsv}. A file of more than
 * {@link MAX_CSV_BYTES} bytes is a {@link ResourceError} naming the file and the limit: V8 cannot
 * make a string that long (it was `internal error: Cannot create a string longer than …`).
 */
export function decodeCsv(bytes: Uint8Array, source = 'csv'): string {
  const tooLong = (): ResourceError => new ResourceError(
    `${source}: the file is ${bytes.length.toLocaleString('en-US')} bytes, more than the ${MAX_CSV_BYTES.toLocaleString('en-US')} characters ` +
    'a JavaScript string can hold; split it into smaller files or keep fewer rows',
  );
  if (bytes.length > MAX_CSV_BYTES) throw tooLong();
  try {
    return new TextDecoder().decode(bytes);
  } catch (error) {
    if (error instanceof RangeError) throw tooLong();
    throw error;
  }
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
