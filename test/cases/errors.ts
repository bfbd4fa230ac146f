/**
 * Hostile inputs as data: one case per row of docs/errors.md (the `id` column), shared by the
 * API tests (test/integration/errors.test.ts, Node and Chromium) and the CLI tests (test/integration/errors.node.test.ts).
 *
 * safetensors files are built byte by byte here (`stFile`), not with `writeSafetensors`, so the
 * reader's checks are exercised against the format itself. The valid base model is a 4-5-3 ReLU
 * MLP in PyTorch `nn.Sequential` names; CSV rows have 4 features and labels in 0..2, so the same
 * texts fit the iris fixture model (4-16-3) that the CLI tests pair them with.
 */
import { initParameters, mlpSpec, type MlpSpec } from '../../src/model/mlp.js';

/** Error classes a row can expect, by `kind` (= class name). */
export type ErrorKind = 'InputError' | 'ShapeError' | 'NumericalError' | 'ResourceError' | 'AbortError';

/** One tensor of a hand-built file: raw little-endian bytes and the header fields. */
export interface RawTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
  /** header `data_offsets`; default: contiguous after the previous tensor */
  readonly offsets?: readonly [number, number];
}

/** Little-endian float32 bytes. */
export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Little-endian float64 bytes. */
export function f64Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float64Array.from(values).buffer);
}

/** A safetensors file: 8-byte length, the header JSON text as given (no padding), then `data`. */
export function rawSafetensors(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A safetensors file from tensors (offsets contiguous unless given) and optional metadata. */
export function stFile(tensors: readonly RawTensor[], metadata?: Record<string, unknown>, extraData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const t of tensors) {
    const offsets = t.offsets ?? [at, at + t.bytes.length];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets };
    chunks.push(t.bytes);
    at += t.bytes.length;
  }
  if (metadata) header.__metadata__ = metadata;
  const data = new Uint8Array(at + extraData.length);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  data.set(extraData, o);
  return rawSafetensors(JSON.stringify(header), data);
}

/** The base model: 4-5-3, ReLU, θ = initParameters(spec, 7), p = 43. */
export const BASE_SPEC: MlpSpec = mlpSpec([4, 5, 3], 'relu');
export const BASE_THETA: Float32Array = initParameters(BASE_SPEC, 7);

/** The base model's tensors in PyTorch order: 0.weight [5, 4], 0.bias [5], 2.weight [3, 5], 2.bias [3]. */
export function baseTensors(): RawTensor[] {
  const t = BASE_THETA;
  return [
    { name: '0.weight', dtype: 'F32', shape: [5, 4], bytes: f32Bytes(t.subarray(0, 20)) },
    { name: '0.bias', dtype: 'F32', shape: [5], bytes: f32Bytes(t.subarray(20, 25)) },
    { name: '2.weight', dtype: 'F32', shape: [3, 5], bytes: f32Bytes(t.subarray(25, 40)) },
    { name: '2.bias', dtype: 'F32', shape: [3], bytes: f32Bytes(t.subarray(40, 43)) },
  ];
}

/** The base model file (valid). */
export function baseFile(metadata: Record<string, unknown> = { activation: 'relu' }): Uint8Array {
  return stFile(baseTensors(), metadata);
}

/** The base tensors with one replaced (by name) or removed (`null`). */
function editTensor(name: string, edit: (t: RawTensor) => RawTensor | null): RawTensor[] {
  return baseTensors().flatMap((t) => {
    if (t.name !== name) return [t];
    const e = edit(t);
    return e ? [e] : [];
  });
}

function withLength(bytes: Uint8Array, lo: number, hi = 0): Uint8Array {
  const b = bytes.slice();
  const view = new DataView(b.buffer);
  view.setUint32(0, lo, true);
  view.setUint32(4, hi, true);
  return b;
}

/** A model-file row: the bytes, and what `loadMlp(bytes, { source })` must throw. */
export interface ModelCase {
  readonly id: string;
  readonly title: string;
  readonly bytes: Uint8Array;
  readonly kind: ErrorKind;
  /** fragment of the message after "<source>: ", or a pattern for the message after it */
  readonly message: string | RegExp;
}

const base = baseFile();
const headerLength = new DataView(base.buffer).getUint32(0, true);

/** safetensors rows (docs/errors.md, section "safetensors"). */
export const MODEL_CASES: readonly ModelCase[] = [
  { id: 'S1', title: 'file shorter than the 8-byte length field', bytes: base.slice(0, 5), kind: 'InputError', message: 'file is 5 bytes, shorter than the 8-byte header length' },
  { id: 'S2', title: 'header length beyond the file', bytes: withLength(base, base.length), kind: 'InputError', message: `header length ${base.length} runs past the end of the ${base.length}-byte file` },
  { id: 'S3', title: 'header length above 100 MB', bytes: withLength(base, 100_000_001), kind: 'InputError', message: 'header length 100000001 is above the 100000000-byte limit' },
  { id: 'S3', title: 'header length ≥ 2^32 (high word set)', bytes: withLength(base, headerLength, 1), kind: 'InputError', message: 'header length ≥ 2^32' },
  { id: 'S4', title: 'header not UTF-8', bytes: rawSafetensors('{"\u00e9":{}}').map((v, i) => (i === 10 ? 0xff : v)), kind: 'InputError', message: 'header is not valid UTF-8' },
  { id: 'S5', title: 'header not valid JSON', bytes: rawSafetensors('{"0.weight": {"dtype": "F32",'), kind: 'InputError', message: 'header is not valid JSON' },
  { id: 'S6', title: 'header not a JSON object', bytes: rawSafetensors('[1, 2]'), kind: 'InputError', message: 'header must be a JSON object, got [1,2]' },
  { id: 'S6', title: 'header entry not an object', bytes: rawSafetensors('{"0.weight": 7}'), kind: 'InputError', message: "tensor '0.weight': header entry must be an object, got 7" },
  {
    id: 'S6',
    title: 'header entry nested 100,000 deep (too deep to print)',
    bytes: rawSafetensors(`{"0.weight":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    kind: 'InputError',
    // how deep JSON.stringify gets depends on the engine's stack: either way, no RangeError escapes
    message: /tensor '0\.weight': header entry must be an object, got (\[{77}\.\.\.|an array of 1 \(too deeply nested to print\))$/,
  },
  { id: 'S7', title: 'unknown dtype', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, dtype: 'F128' }))), kind: 'InputError', message: "tensor '0.bias': unsupported dtype \"F128\" (expected one of F64, F32" },
  { id: 'S8', title: 'shape not non-negative integers', bytes: stFile(editTensor('0.weight', (t) => ({ ...t, shape: [-5, 4] }))), kind: 'InputError', message: "tensor '0.weight': field 'shape' must be an array of non-negative integers, got [-5,4]" },
  { id: 'S9', title: 'data_offsets not [begin, end]', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, offsets: [80] as unknown as [number, number] }))), kind: 'InputError', message: "tensor '0.bias': field 'data_offsets' must be [begin, end] with non-negative integers, got [80]" },
  { id: 'S9', title: 'data_offsets begin > end', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, shape: [0], offsets: [100, 80] }))), kind: 'InputError', message: "tensor '0.bias': data_offsets [100, 80] has begin > end" },
  { id: 'S10', title: 'shape × dtype size ≠ byte length', bytes: stFile(editTensor('0.weight', (t) => ({ ...t, shape: [5, 5] }))), kind: 'ShapeError', message: "tensor '0.weight': shape [5, 5] × F32 (4 bytes) = 100 bytes, but data_offsets [0, 80] hold 80 bytes" },
  { id: 'S11', title: 'data_offsets past the end of the data', bytes: stFile(editTensor('2.bias', (t) => ({ ...t, shape: [4], offsets: [160, 176] }))), kind: 'InputError', message: "tensor '2.bias': data_offsets [160, 176] run past the end of the data section (172 bytes)" },
  { id: 'S12', title: 'overlapping tensors', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, offsets: [76, 96] })), undefined, new Uint8Array(4)), kind: 'InputError', message: "tensor '0.bias' data_offsets [76, 96] overlap tensor '0.weight' (which ends at 80)" },
  { id: 'S13', title: 'gap between tensors', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, offsets: [84, 104] })), undefined, new Uint8Array(4)), kind: 'InputError', message: "gap of 4 bytes before tensor '0.bias' (data_offsets [84, 104], previous data ends at 80)" },
  { id: 'S14', title: 'bytes after the last tensor', bytes: stFile(baseTensors(), undefined, new Uint8Array(8)), kind: 'InputError', message: "8 bytes after the last tensor's data (data section is 180 bytes, tensors cover 172)" },
  {
    id: 'S15',
    title: 'NaN weight',
    bytes: stFile(editTensor('2.weight', (t) => ({ ...t, bytes: f32Bytes(BASE_THETA.slice(25, 40).map((v, i) => (i === 3 ? NaN : v))) }))),
    kind: 'InputError',
    message: "tensor '2.weight' holds NaN at flat index 3 (values must be finite)",
  },
  { id: 'S15', title: 'infinite F16 bias', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, dtype: 'F16', bytes: new Uint8Array([0, 0x3c, 0, 0x7c, 0, 0, 0, 0, 0, 0]) }))), kind: 'InputError', message: "tensor '0.bias' holds Infinity at flat index 1" },
  { id: 'S15', title: 'F64 weight beyond float32', bytes: stFile(editTensor('0.weight', (t) => ({ ...t, dtype: 'F64', bytes: f64Bytes(Float64Array.from(BASE_THETA.subarray(0, 20), (v, i) => (i === 2 ? 1e300 : v))) }))), kind: 'InputError', message: 'parameter 2 overflows float32 (Infinity)' },
  { id: 'S16', title: 'non-string metadata value', bytes: baseFile({ epochs: 3 }), kind: 'InputError', message: "'__metadata__' field 'epochs' must be a string, got 3" },
  { id: 'S17', title: 'a tensor that is not a Linear weight or bias', bytes: stFile([...baseTensors(), { name: '1.running_mean', dtype: 'F32', shape: [5], bytes: new Uint8Array(20) }]), kind: 'InputError', message: "tensor '1.running_mean' is not a Linear layer's weight or bias" },
  { id: 'S18', title: 'integer dtype for a Linear parameter', bytes: stFile(editTensor('2.bias', (t) => ({ ...t, dtype: 'I32', bytes: new Uint8Array(12) }))), kind: 'InputError', message: "tensor '2.bias' has dtype I32; Linear parameters must be floating point" },
  { id: 'S19', title: 'missing bias', bytes: stFile(editTensor('2.bias', () => null)), kind: 'InputError', message: "layer '2' has a weight but no bias ('2.bias' is missing)" },
  { id: 'S20', title: 'missing weight', bytes: stFile(editTensor('0.weight', () => null)), kind: 'InputError', message: "layer '0' has a bias but no weight ('0.weight' is missing)" },
  { id: 'S21', title: 'bias shape does not match the weight', bytes: stFile(editTensor('0.bias', (t) => ({ ...t, shape: [4], bytes: t.bytes.subarray(0, 16) }))), kind: 'ShapeError', message: "'0.bias' has shape [4], but '0.weight' [5, 4] needs a bias of shape [5]" },
  { id: 'S21', title: 'weight not 2-D', bytes: stFile(editTensor('0.weight', (t) => ({ ...t, shape: [20] }))), kind: 'ShapeError', message: "'0.weight' has shape [20]; a Linear weight is [out, in]" },
  {
    id: 'S22',
    title: 'layer widths that do not chain',
    bytes: stFile(editTensor('2.weight', (t) => ({ ...t, shape: [3, 6], bytes: f32Bytes(new Float32Array(18).fill(0.1)) }))),
    kind: 'ShapeError',
    message: "widths do not chain: layer '0' outputs 5 but layer '2' takes 6 inputs ('2.weight' shape [3, 6])",
  },
  {
    id: 'S23',
    title: 'a single output class',
    bytes: stFile([
      { name: 'weight', dtype: 'F32', shape: [1, 4], bytes: f32Bytes([1, 2, 3, 4]) },
      { name: 'bias', dtype: 'F32', shape: [1], bytes: f32Bytes([0]) },
    ]),
    kind: 'ShapeError',
    message: 'the last layer has 1 output; a classifier needs at least 2 classes',
  },
  { id: 'S24', title: 'unsupported activation in metadata', bytes: baseFile({ activation: 'swish' }), kind: 'InputError', message: "unsupported activation 'swish' from __metadata__.activation (expected one of identity, relu, tanh, sigmoid, gelu)" },
  { id: 'S25', title: 'metadata arch that disagrees with the tensors', bytes: baseFile({ arch: '4-6-3' }), kind: 'ShapeError', message: "__metadata__.arch '4-6-3' disagrees with the tensors, which chain as 4-5-3" },
  { id: 'S25', title: 'metadata arch that does not parse', bytes: baseFile({ arch: 'wide' }), kind: 'InputError', message: "__metadata__.arch 'wide' is not a list of widths" },
  { id: 'S26', title: 'no tensors at all', bytes: rawSafetensors('{}'), kind: 'InputError', message: "no Linear layers found (no tensors named '<layer>.weight' / '<layer>.bias')" },
];

/** A CSV row: the text, what `parseCsv` must throw with the CLI's options, and the CLI outcome. */
export interface CsvCase {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly kind: ErrorKind;
  /** fragment of the message after "<source>: " */
  readonly message: string;
  /** API options instead of the CLI's { expectFeatures: 4, classes: 3 }; `null` = no options at all. */
  readonly options?: { readonly classes?: number } | null;
  /**
   * The CLI outcome: `same` error (default); `accepted` (the CLI passes the model's class count,
   * so the API-default check does not apply); `none` (no CLI path: an API option).
   */
  readonly cli?: 'same' | 'accepted' | 'none';
}

const HEADER = 'f0,f1,f2,f3,label\n';

/** CSV rows (docs/errors.md, section "CSV"); parsed as the CLI does: expectFeatures 4, classes 3. */
export const CSV_CASES: readonly CsvCase[] = [
  { id: 'C1', title: 'empty file', text: '', kind: 'InputError', message: 'the file is empty (no rows)' },
  { id: 'C1', title: 'only blank lines', text: ' \r\n\n', kind: 'InputError', message: 'the file is empty (no rows)' },
  { id: 'C2', title: 'a header and no data rows', text: HEADER, kind: 'InputError', message: 'the file has a header but no data rows' },
  { id: 'C3', title: 'ragged rows', text: `${HEADER}1,2,3,4,0\n1,2,3,1\n`, kind: 'ShapeError', message: 'line 3 has 4 columns, but line 1 has 5' },
  { id: 'C3', title: 'a quoted comma (unsupported: splits the cell)', text: `${HEADER}1,"2,5",3,4,0\n`, kind: 'ShapeError', message: 'line 2 has 6 columns, but line 1 has 5' },
  { id: 'C4', title: 'a single column', text: '1\n2\n', kind: 'ShapeError', message: 'line 1 has 1 column; expected features followed by a label column' },
  { id: 'C4', title: 'semicolon-separated (a European spreadsheet export)', text: 'f0;f1;f2;f3;label\n1;2;3;4;0\n', kind: 'ShapeError', message: "line 1 has 1 column; expected features followed by a label column (the line contains ';': fields must be separated by commas)" },
  { id: 'C4', title: 'tab-separated', text: '1\t2\t3\t4\t0\n', kind: 'ShapeError', message: "line 1 has 1 column; expected features followed by a label column (the line contains '\\t': fields must be separated by commas)" },
  { id: 'C5', title: 'an empty cell', text: `${HEADER}1,,3,4,0\n`, kind: 'InputError', message: "line 2, column 2 ('f1') is empty" },
  { id: 'C6', title: 'a non-numeric cell', text: `${HEADER}1,2,3,4,0\n1,2,abc,4,1\n`, kind: 'InputError', message: "line 3, column 3 ('f2'): value 'abc' is not a number" },
  { id: 'C6', title: 'a hexadecimal cell', text: `${HEADER}0x1F,2,3,4,0\n`, kind: 'InputError', message: "line 2, column 1 ('f0'): value '0x1F' is not a number" },
  { id: 'C7', title: 'NaN', text: `${HEADER}1,2,3,4,0\nNaN,2,3,4,1\n`, kind: 'InputError', message: "line 3, column 1 ('f0'): value 'NaN' is not finite" },
  { id: 'C7', title: '-Infinity', text: `${HEADER}1,2,3,-Infinity,0\n`, kind: 'InputError', message: "line 2, column 4 ('f3'): value '-Infinity' is not finite" },
  { id: 'C8', title: 'a feature beyond float32', text: `${HEADER}1,2,3,4e38,0\n`, kind: 'InputError', message: "line 2, column 4 ('f3'): value '4e38' is beyond float32 range" },
  { id: 'C9', title: 'a non-integer label', text: `${HEADER}1,2,3,4,0\n1,2,3,4,1.5\n`, kind: 'InputError', message: "line 3, column 5 ('label'): label '1.5' is not an integer" },
  { id: 'C10', title: 'a negative label', text: `${HEADER}1,2,3,4,-1\n`, kind: 'InputError', message: "line 2, column 5 ('label'): label '-1' is negative (labels must be 0..C−1)" },
  { id: 'C11', title: 'a label out of range for the model', text: `${HEADER}1,2,3,4,0\n1,2,3,4,3\n`, kind: 'InputError', message: "line 3, column 5 ('label'): label '3' is out of range for 3 classes (labels must be 0..2)" },
  { id: 'C12', title: 'a label beyond int32', text: '1,2,3,4,0\n1,2,3,4,2147483648\n', kind: 'InputError', message: "line 2, column 5: label '2147483648' is too large (labels must be at most 2147483647)", options: null },
  { id: 'C13', title: 'a single class (API default options)', text: `${HEADER}1,2,3,4,1\n5,6,7,8,1\n`, kind: 'InputError', message: 'all 2 samples have label 1; a classifier needs ≥ 2 classes (or pass options.classes)', options: null, cli: 'accepted' },
  { id: 'C14', title: 'a feature count that does not match the model', text: 'f0,f1,f2,label\n1,2,3,0\n', kind: 'ShapeError', message: '3 feature columns (line 1 has 4 columns, the last being the label), but 4 features are expected' },
  { id: 'C15', title: 'a blank line between rows', text: `${HEADER}1,2,3,4,0\n\n1,2,3,4,1\n`, kind: 'InputError', message: 'line 3 is blank (blank lines are allowed only at the end)' },
  { id: 'C16', title: 'an invalid classes option', text: `${HEADER}1,2,3,4,0\n`, kind: 'InputError', message: 'option classes must be an integer ≥ 2, got 1', options: { classes: 1 }, cli: 'none' },
];

/** A valid CSV for the 4-feature, 3-class models: 12 rows, every class present. */
export const VALID_CSV = `${HEADER}${Array.from({ length: 12 }, (_, i) => `${(i * 0.37) % 2 - 1},${i % 5 - 2},${Math.sin(i)},${(i % 3) * 0.5},${i % 3}`).join('\n')}\n`;
