/**
 * Property-based fuzzing (fast-check) of the parsers that take untrusted input: the safetensors
 * reader and MLP loader, the CSV reader, and the command-line parser (Node and Chromium).
 *
 * Property: every generated input ends in a valid result — checked against the invariants a caller
 * relies on (sizes agree, values finite, labels in range, option values of their declared kind) —
 * or in a typed HessianLensError; never another exception, and never a hang: the whole property
 * is interrupted, and fails, after 80% of the test's time limit (runs take a few seconds, so this
 * bound is far from anything machine load can reach). The slowest input is printed, not asserted.
 *
 * The generators are biased towards near-valid inputs so they get past the first check and reach
 * the deep ones: valid files with bit flips, byte edits, truncations, length-field and header-text
 * edits (numbers and strings swapped for edge cases) and non-finite data; files built from a layer
 * stack with perturbed names, dtypes, shapes, offsets and metadata; CSV tables with edge-case cells
 * and labels, ragged rows, odd line ends; command lines from the real vocabulary of option names
 * and edge-case values. Plain random bytes and strings are a small share.
 *
 * At least FUZZ_RUNS malformed inputs per parser (default 10,000; `npm run fuzz`: 200,000), seed
 * FUZZ_SEED (default fixed, so CI is reproducible; a failure prints its seed and path for replay);
 * FUZZ_VERBOSE=1 lists the distinct checks each parser reached.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type CommandSpec, type OptionSpec } from '../../src/cli/args.js';
import { HessianLensError } from '../../src/errors.js';
import { parseCsv, type ParseCsvOptions } from '../../src/io/csv.js';
import { loadMlp, readSafetensors, saveMlp } from '../../src/io/safetensors.js';
import { ACTIVATIONS, initParameters, mlpSpec, parameterCount, type Activation } from '../../src/model/mlp.js';
import { f32Bytes, f64Bytes, stFile, type RawTensor } from '../cases/errors.js';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
/** Malformed inputs each parser must get (default 10,000). */
const TARGET = Number(env.FUZZ_RUNS ?? 10_000);
/** Inputs generated: about 90% of them are malformed, so this many yield ≥ TARGET malformed ones. */
const RUNS = Math.ceil(TARGET * 1.15);
const SEED = Number(env.FUZZ_SEED ?? 20_240_808);
const TIMEOUT = Math.max(120_000, RUNS * 5);

/** What a property saw: inputs tried, valid results, typed errors by kind, the slowest input. */
interface Tally {
  runs: number;
  valid: number;
  errors: Record<string, number>;
  /** distinct error messages with numbers and quoted values blanked: how many different checks fired */
  checks: Set<string>;
  slowestMs: number;
}

/** An error message with its source and values blanked, so messages from one check compare equal. */
function template(message: string): string {
  return message
    .replace(/^(f\.safetensors|d\.csv|csv|): /, '')
    .replace(/ \(.*$/, '')
    .replace(/'[^']*'|"[^"]*"|\[[^\]]*\]|-?\d+(\.\d+)?(e[+-]?\d+)?|NaN|-?Infinity/g, '#')
    .slice(0, 50);
}

/**
 * Runs `check` on RUNS inputs from `arb`: it must return (after its own validity checks) or throw
 * a HessianLensError. Logs and returns the tally.
 */
function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (input: T) => void): Tally {
  const tally: Tally = { runs: 0, valid: 0, errors: {}, checks: new Set(), slowestMs: 0 };
  const start = performance.now();
  fc.assert(
    fc.property(arb, (input) => {
      tally.runs++;
      const t0 = performance.now();
      try {
        check(input);
        tally.valid++;
      } catch (error) {
        if (!(error instanceof HessianLensError)) throw error;
        tally.errors[error.kind] = (tally.errors[error.kind] ?? 0) + 1;
        tally.checks.add(template(error.message));
      }
      const ms = performance.now() - t0;
      tally.slowestMs = Math.max(tally.slowestMs, ms);
    }),
    // a failing input is shrunk, which re-runs slow inputs many times: bound the whole property
    { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: TIMEOUT * 0.8, markInterruptAsFailure: true },
  );
  const errors = Object.entries(tally.errors).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `fuzz ${name}: ${tally.runs} inputs (seed ${SEED}) in ${((performance.now() - start) / 1000).toFixed(1)} s: ` +
      `${tally.runs - tally.valid} malformed (${errors}; ${tally.checks.size} distinct checks fired), ${tally.valid} valid; ` +
      `slowest ${tally.slowestMs.toFixed(1)} ms`,
  );
  if (env.FUZZ_VERBOSE) console.log([...tally.checks].sort().map((c) => `  ${c}`).join('\n'));
  return tally;
}

/** At least TARGET malformed inputs (typed errors), some valid ones, and many different checks reached. */
function expectMix(t: Tally, minChecks: number): void {
  expect(t.runs).toBeGreaterThanOrEqual(RUNS);
  expect(t.runs - t.valid).toBeGreaterThanOrEqual(TARGET);
  expect(t.valid).toBeGreaterThan(0);
  expect(t.checks.size).toBeGreaterThanOrEqual(minChecks);
}

// ---------------------------------------------------------------------------------------------
// safetensors

const FLOAT_EDGES = [0, -0, 1, -1, 0.5, 1e-45, 1e-300, 3.4e38, 3.5e38, 1e300, Number.NaN, Infinity, -Infinity];
/** float16 bit patterns: 0, −0, 1, −1, smallest subnormal, largest finite, +Inf, −Inf, NaN. */
const HALF_EDGES = [0x0000, 0x8000, 0x3c00, 0xbc00, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e00];
const DTYPES = [...Array<string>(12).fill('F32'), 'F64', 'F64', 'F16', 'BF16', 'I32', 'U8', 'BOOL', 'I64', 'F128', 'f32', ''];
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

/** `count` elements of `dtype` from edge values (index stream `picks`); unknown dtypes get 4 bytes each. */
function tensorBytes(dtype: string, count: number, picks: readonly number[]): Uint8Array {
  const size = DTYPE_BYTES[dtype] ?? 4;
  const out = new Uint8Array(count * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const pick = picks[i % Math.max(1, picks.length)] ?? 0;
    // mostly ordinary small values; an edge value where the pick says so
    const v = pick < 80 ? ((pick % 17) - 8) / 8 : FLOAT_EDGES[pick % FLOAT_EDGES.length]!;
    const at = i * size;
    if (dtype === 'F64') view.setFloat64(at, v, true);
    else if (dtype === 'F16') view.setUint16(at, pick < 80 ? 0x3800 + (pick % 7) : HALF_EDGES[pick % HALF_EDGES.length]!, true);
    else if (dtype === 'BF16') {
      const w = new DataView(new ArrayBuffer(4));
      w.setFloat32(0, v);
      view.setUint16(at, w.getUint16(0), true);
    } else if (dtype === 'F32' || !(dtype in DTYPE_BYTES)) view.setFloat32(at, v, true);
    else for (let b = 0; b < size; b++) out[at + b] = (pick * 31 + b) & 0xff;
  }
  return out;
}

/** A layer stack and how to spoil it: the generator of files that reach loadMlp's checks. */
const layerFileArb = fc
  .record({
    widths: fc.array(fc.constantFrom(0, 1, 2, 2, 3, 3, 4, 5), { minLength: 2, maxLength: 4 }),
    prefix: fc.constantFrom('', '', 'net.', 'model.layers.', 'x.'),
    indexStep: fc.constantFrom(1, 2, 2),
    dtypes: fc.array(fc.constantFrom(...DTYPES), { minLength: 8, maxLength: 8 }),
    picks: fc.array(fc.nat(99), { minLength: 1, maxLength: 40 }),
    edits: fc.array(
      fc.record({
        tensor: fc.nat(7),
        op: fc.constantFrom('drop', 'dropLayer', 'rename', 'rows', 'cols', 'dim+', 'dim-', 'transpose', 'offset', 'duplicate', 'bytes', 'none', 'none'),
        value: fc.integer({ min: -2, max: 3 }),
      }),
      { maxLength: 2 },
    ),
    metadata: fc.option(
      fc.record(
        {
          activation: fc.constantFrom<unknown>(...ACTIVATIONS, ...ACTIVATIONS, 'GELU', ' Tanh ', 'swish', '', 3),
          arch: fc.constantFrom<unknown>('2-3-2', '[2, 3, 2]', '3x4x2', '2-2', '3-3-3', 'big', '', null),
          format: fc.constantFrom<unknown>('pt', 'pt', 'pt', 7),
        },
        { requiredKeys: [] },
      ),
      { freq: 2 },
    ),
    trailing: fc.constantFrom(0, 0, 0, 4),
  })
  .map(({ widths, prefix, indexStep, dtypes, picks, edits, metadata, trailing }) => {
    interface Entry { name: string; dtype: string; shape: number[]; extraBytes: number; offsetShift: number | null }
    let entries: Entry[] = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const name = `${prefix}${l * indexStep}`;
      entries.push({ name: `${name}.weight`, dtype: dtypes[(2 * l) % 8]!, shape: [widths[l + 1]!, widths[l]!], extraBytes: 0, offsetShift: null });
      entries.push({ name: `${name}.bias`, dtype: dtypes[(2 * l + 1) % 8]!, shape: [widths[l + 1]!], extraBytes: 0, offsetShift: null });
    }
    // shape edits keep the bytes consistent (so the load-time checks see them) unless the edit is 'bytes'
    for (const { tensor, op, value } of edits) {
      const i = tensor % Math.max(1, entries.length);
      const t = entries[i];
      if (!t) break;
      const last = t.shape.length - 1;
      switch (op) {
        case 'drop': entries = entries.filter((_, j) => j !== i); break;
        case 'dropLayer': entries = entries.filter((_, j) => j >> 1 !== i >> 1); break;
        case 'rename': t.name = ['weight', 'bias', `${t.name}.weight`, 'running_mean', '__metadata__', ''][Math.abs(value) % 6]!; break;
        case 'rows': if (last >= 0) t.shape[0] = Math.max(0, t.shape[0]! + value); break;
        case 'cols': if (last >= 0) t.shape[last] = Math.max(0, t.shape[last]! + value); break;
        case 'dim+': t.shape.push(1); break;
        case 'dim-': t.shape.shift(); break;
        case 'transpose': t.shape.reverse(); break;
        case 'offset': t.offsetShift = value; break;
        case 'duplicate': entries.push({ ...t, shape: [...t.shape] }); break;
        case 'bytes': t.extraBytes = value; break;
      }
    }
    let at = 0;
    const tensors: RawTensor[] = entries.map((e, k) => {
      const count = e.shape.reduce((a, b) => a * b, 1);
      const exact = tensorBytes(e.dtype, count, picks.slice(k));
      const bytes = e.extraBytes === 0 ? exact : tensorBytes(e.dtype, Math.max(0, count + e.extraBytes), picks);
      const begin = at;
      at += bytes.length;
      return { name: e.name, dtype: e.dtype, shape: e.shape, bytes, ...(e.offsetShift !== null ? { offsets: [Math.max(0, begin + e.offsetShift), begin + bytes.length + e.offsetShift] as const } : {}) };
    });
    return stFile(tensors, metadata ?? undefined, new Uint8Array(trailing));
  });

/** Valid files the mutations start from. */
const VALID_FILES: readonly Uint8Array[] = (() => {
  const save = (sizes: number[], activation: Activation, seed: number, meta?: Record<string, string>): Uint8Array =>
    saveMlp(mlpSpec(sizes, activation), initParameters(mlpSpec(sizes, activation), seed), meta);
  const theta = initParameters(mlpSpec([3, 4, 2]), 5);
  return [
    save([2, 3, 2], 'tanh', 1),
    save([4, 5, 3], 'relu', 2, { epochs: '10' }),
    save([3, 2], 'identity', 3),
    save([1, 4, 4, 2], 'gelu', 4),
    stFile([
      { name: 'net.0.weight', dtype: 'F64', shape: [4, 3], bytes: f64Bytes(theta.subarray(0, 12)) },
      { name: 'net.0.bias', dtype: 'F64', shape: [4], bytes: f64Bytes(theta.subarray(12, 16)) },
      { name: 'net.2.weight', dtype: 'F16', shape: [2, 4], bytes: tensorBytes('F16', 8, [1, 2, 3, 4]) },
      { name: 'net.2.bias', dtype: 'BF16', shape: [2], bytes: tensorBytes('BF16', 2, [5, 6]) },
    ], { activation: 'sigmoid', arch: '3-4-2' }),
    stFile([
      { name: 'bias', dtype: 'F32', shape: [2], bytes: f32Bytes([0.5, -0.5]) },
      { name: 'weight', dtype: 'F32', shape: [2, 2], bytes: f32Bytes([1, 2, 3, 4]) },
    ]),
  ];
})();

const HEADER_NUMBERS = ['0', '1', '-1', '2', '3', '4', '5', '8', '16', '1.5', '-0', '1e3', '1e400', '9007199254740993', '4294967296', '100000001', 'NaN', 'null', 'true', '"4"', '[]', '{}', '[0]', '[0,0]', '[1,2,3]'];
const HEADER_STRINGS = ['"F32"', '"F64"', '"F16"', '"BF16"', '"I32"', '"U8"', '"BOOL"', '"F128"', '""', '"dtype"', '"shape"', '"data_offsets"', '"__metadata__"', '"0.weight"', '"0.bias"', '"2.weight"', '"2.bias"', '"weight"', '"bias"', '"net.0.weight"', '"__proto__"', '"constructor"', '"relu"', '"swish"', '"GELU"', '"2-3-2"', '"[2, 3, 2]"', '"big"', '"activation"', '"arch"', '"\\ud800"', `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`];
const JSON_CHARS = '{}[],:"0123456789-.eE \\tfnu';

/** One edit of a safetensors file. */
const byteEditArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0x20, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xff), fc.nat(255)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      value: fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(0x7fffffff, 0xffffffff, 100_000_000, 100_000_001)),
      high: fc.constantFrom(0, 0, 0, 1, 0xffffffff),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('number' as const), which: fc.nat(), value: fc.constantFrom(...HEADER_NUMBERS), fixLength: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('string' as const), which: fc.nat(), value: fc.constantFrom(...HEADER_STRINGS), fixLength: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), at: fc.nat(), count: fc.nat(6), insert: fc.string({ unit: fc.constantFrom(...JSON_CHARS), maxLength: 3 }), fixLength: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.constantFrom(...FLOAT_EDGES), width: fc.constantFrom(2, 4, 8) }) },
);
type ByteEdit = typeof byteEditArb extends fc.Arbitrary<infer E> ? E : never;

function headerLengthOf(b: Uint8Array): number {
  return b.length >= 8 ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : 0;
}

/** Rewrites the header text with `edit` (when the header is in range), re-fixing its length if asked. */
function editHeader(b: Uint8Array, edit: (text: string) => string, fixLength: boolean): Uint8Array {
  const n = headerLengthOf(b);
  if (b.length < 8 || 8 + n > b.length) return b;
  const text = new TextDecoder().decode(b.subarray(8, 8 + n));
  const json = new TextEncoder().encode(edit(text));
  const out = new Uint8Array(8 + json.length + b.length - 8 - n);
  new DataView(out.buffer).setUint32(0, fixLength ? json.length : n, true);
  out.set(json, 8);
  out.set(b.subarray(8 + n), 8 + json.length);
  return out;
}

/** Replaces the `which`-th match of `re` in `text` (cyclically) with `value`. */
function replaceMatch(text: string, re: RegExp, which: number, value: string): string {
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return text;
  const m = matches[which % matches.length]!;
  return text.slice(0, m.index) + value + text.slice(m.index! + m[0].length);
}

function applyEdit(b: Uint8Array, e: ByteEdit): Uint8Array {
  const len = b.length;
  switch (e.kind) {
    case 'flip': {
      if (!len) return b;
      const c = b.slice();
      c[e.at % len]! ^= 1 << e.bit;
      return c;
    }
    case 'set': {
      if (!len) return b;
      const c = b.slice();
      c[e.at % len] = e.value;
      return c;
    }
    case 'truncate': return b.slice(0, e.at % (len + 1));
    case 'append': {
      const c = new Uint8Array(len + e.bytes.length);
      c.set(b);
      c.set(e.bytes, len);
      return c;
    }
    case 'insert': {
      const at = e.at % (len + 1);
      return Uint8Array.from([...b.subarray(0, at), e.value, ...b.subarray(at)]);
    }
    case 'delete': {
      const at = e.at % (len + 1);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + e.count)]);
    }
    case 'length': {
      if (len < 8) return b;
      const c = b.slice();
      const view = new DataView(c.buffer);
      const v = Math.abs(e.value) < 10 ? headerLengthOf(b) + e.value : e.value;
      view.setUint32(0, v >>> 0, true);
      view.setUint32(4, e.high, true);
      return c;
    }
    case 'number': return editHeader(b, (t) => replaceMatch(t, /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, e.which, e.value), e.fixLength);
    case 'string': return editHeader(b, (t) => replaceMatch(t, /"(?:[^"\\]|\\.)*"/g, e.which, e.value), e.fixLength);
    case 'text': return editHeader(b, (t) => {
      const at = e.at % (t.length + 1);
      return t.slice(0, at) + e.insert + t.slice(at + e.count);
    }, e.fixLength);
    case 'value': {
      const start = 8 + headerLengthOf(b);
      if (start + e.width > len) return b;
      const c = b.slice();
      const view = new DataView(c.buffer);
      const at = start + ((e.at % (len - start - e.width + 1)) & ~(e.width - 1));
      if (at + e.width > len) return b;
      if (e.width === 8) view.setFloat64(at, e.value, true);
      else if (e.width === 4) view.setFloat32(at, e.value, true);
      else view.setUint16(at, HALF_EDGES[Math.abs(Math.trunc(e.value)) % HALF_EDGES.length]!, true);
      return c;
    }
  }
}

const safetensorsArb: fc.Arbitrary<{ bytes: Uint8Array; activation?: Activation }> = fc
  .record({
    bytes: fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...VALID_FILES), fc.array(byteEditArb, { minLength: 1, maxLength: 3 })).map(([f, edits]) => edits.reduce(applyEdit, f)) },
      { weight: 4, arbitrary: fc.tuple(layerFileArb, fc.array(byteEditArb, { maxLength: 1 })).map(([f, edits]) => edits.reduce(applyEdit, f)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    ),
    activation: fc.option(fc.constantFrom<Activation>(...ACTIVATIONS, 'swish' as Activation), { freq: 8 }),
  })
  .map(({ bytes, activation }) => (activation === null ? { bytes } : { bytes, activation }));

// ---------------------------------------------------------------------------------------------
// CSV

const EDGE_CELLS = ['', ' ', 'NaN', 'nan', 'inf', '-Infinity', '+inf', '1e39', '-3.5e38', '3.4e38', '1e-46', '-0', '+0', '.5', '5.', '.', '-', '+', 'e5', '1e', '1e+', '0x10', '1_000', '１', '٣', '"3"', '"', '""', ' 2 ', '\t7', '2147483647', '2147483648', '9007199254740993', '1e300', '1.0', '2.5', '\u00a01', '\ufeff1', '1'.repeat(400), `${'1'.repeat(100_000)}x`, `${'9'.repeat(100_000)}e1e`];
const LABEL_CELLS = ['0', '1', '2', '3', '0', '1', '2', '-1', '1.5', '2.0', '1e300', '2147483648', '', 'a', '"1"', ' 1 ', '1e0'];
const CSV_ALPHABET = ',\n\r"eE.-+ 0123456789aNI\ufeff\u00a0\t';

const cellArb = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 5 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_CELLS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const labelArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom(...LABEL_CELLS) });

const tableArb = fc
  .record({
    d: fc.integer({ min: 0, max: 4 }),
    rows: fc.array(fc.tuple(fc.array(cellArb, { minLength: 5, maxLength: 5 }), labelArb, fc.integer({ min: -1, max: 1 }), fc.nat(20)), { maxLength: 7 }),
    header: fc.option(fc.array(fc.constantFrom('f0', 'x', '"a"', 'label', '', 'NaN', '1', 'y z'), { minLength: 6, maxLength: 6 }), { freq: 2 }),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    trailing: fc.constantFrom('', '\n', '\n\n', ' \n', '\r\n'),
    blankAt: fc.option(fc.nat(8), { freq: 6 }),
  })
  .map(({ d, rows, header, eol, bom, trailing, blankAt }) => {
    const lines: string[] = [];
    if (header) lines.push(header.slice(0, d + 1).join(','));
    for (const [cells, label, ragged, spaces] of rows) {
      const feats = cells.slice(0, Math.max(0, d + (spaces === 0 ? ragged : 0)));
      const padded = spaces === 1 ? feats.map((c) => ` ${c} `) : spaces === 2 ? feats.map((c) => `"${c}"`) : feats;
      lines.push([...padded, label].join(','));
    }
    if (blankAt !== null && lines.length > 1) lines.splice(1 + (blankAt % (lines.length - 1)), 0, '');
    return `${bom ? '\ufeff' : ''}${lines.join(eol)}${trailing}`;
  });

/** A valid CSV (header, n rows of d features, labels covering ≥ 2 classes) with character edits. */
const mutatedCsvArb = fc
  .record({
    d: fc.integer({ min: 1, max: 4 }),
    values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), { minLength: 8, maxLength: 32 }),
    edits: fc.array(
      fc.record({
        op: fc.constantFrom('insert', 'delete', 'replace', 'truncate', 'dupLine', 'swapLines'),
        at: fc.nat(),
        text: fc.string({ unit: fc.constantFrom(...CSV_ALPHABET), minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ d, values, edits }) => {
    const n = Math.max(2, Math.floor(values.length / d));
    const rows = Array.from({ length: n }, (_, i) => [...Array.from({ length: d }, (_, j) => String(Math.fround(values[(i * d + j) % values.length]!))), String(i % 3)].join(','));
    let text = `${[...Array.from({ length: d }, (_, j) => `f${j}`), 'label'].join(',')}\n${rows.join('\n')}\n`;
    for (const { op, at, text: t } of edits) {
      const i = at % (text.length + 1);
      const lines = text.split('\n');
      const li = at % lines.length;
      if (op === 'insert') text = text.slice(0, i) + t + text.slice(i);
      else if (op === 'delete') text = text.slice(0, i) + text.slice(i + t.length);
      else if (op === 'replace') text = text.slice(0, i) + t + text.slice(i + t.length);
      else if (op === 'truncate') text = text.slice(0, i);
      else if (op === 'dupLine') text = [...lines.slice(0, li + 1), lines[li]!, ...lines.slice(li + 1)].join('\n');
      else text = [...lines.slice(0, li), ...lines.slice(li, li + 2).reverse(), ...lines.slice(li + 2)].join('\n');
    }
    return text;
  });

const csvOptionsArb: fc.Arbitrary<ParseCsvOptions> = fc.record(
  {
    classes: fc.constantFrom(2, 3, 4, 5, 1, 0, -1, 2.5, Number.NaN, 2 ** 31),
    expectFeatures: fc.constantFrom(1, 2, 3, 4, 0, 2.5, Number.NaN),
    source: fc.constantFrom('d.csv', ''),
  },
  { requiredKeys: [] },
);

const csvArb = fc.record({
  text: fc.oneof(
    { weight: 5, arbitrary: tableArb },
    { weight: 4, arbitrary: mutatedCsvArb },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...CSV_ALPHABET), maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  ),
  options: fc.oneof({ weight: 3, arbitrary: fc.constant<ParseCsvOptions>({}) }, { weight: 2, arbitrary: csvOptionsArb }),
});

// ---------------------------------------------------------------------------------------------
// command line

const opt = (name: string, kind: OptionSpec['kind'], extra: Partial<OptionSpec> = {}): OptionSpec => ({ name, kind, description: name, ...extra });
/** A spec set shaped like the CLI's: every option kind, choices, minimums, defaults, required options, positionals. */
const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'evaluate',
    summary: 'evaluate',
    options: [opt('model', 'string', { required: true, value: 'M.safetensors' }), opt('data', 'string', { required: true }), opt('activation', 'string', { choices: ACTIVATIONS }), opt('json', 'boolean'), opt('precision', 'string', { choices: ['f32', 'f64'], default: 'f32' }), opt('threads', 'int', { min: 1 })],
  },
  {
    name: 'hvp',
    summary: 'hvp',
    options: [opt('model', 'string', { required: true }), opt('data', 'string', { required: true }), opt('vector', 'string', { required: true, value: 'V.json' }), opt('json', 'boolean')],
  },
  {
    name: 'spectrum',
    summary: 'spectrum',
    options: [opt('model', 'string', { required: true }), opt('top', 'int', { min: 1, default: 10 }), opt('which', 'string', { choices: ['LA', 'SA', 'LM'], default: 'LA' }), opt('tol', 'number', { min: 0, default: 1e-6 }), opt('dense', 'boolean'), opt('seed', 'int', { default: 0 })],
  },
  {
    name: 'train',
    summary: 'train',
    options: [opt('hidden', 'ints'), opt('lr', 'number', { min: 0 }), opt('epochs', 'int', { min: 1 }), opt('budget', 'number', { min: 0 }), opt('quiet', 'boolean')],
  },
  { name: 'report', summary: 'report', options: [opt('out', 'string')], positionals: ['result.json'] },
];
const OPTION_NAMES = [...new Set(COMMANDS.flatMap((c) => c.options.map((o) => o.name)))];
const VALUES = ['0', '1', '-1', '1.5', '1e3', '1e309', '-0', 'NaN', 'Infinity', '0x10', ' 3 ', '', 'true', 'false', 'f32', 'f64', 'LA', 'relu', 'swish', '2,3', '1,,2', '0,1', 'a,b', '8,16,16', ' 4 , 5 ', '--json', '-', 'm.safetensors', '__proto__', 'constructor'];

const tokenArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...COMMANDS.map((c) => c.name), 'help', '--help', '-h', '--', '-', '---', '--=', '--=1', '-x', 'frobnicate') },
  { weight: 4, arbitrary: fc.constantFrom(...OPTION_NAMES, 'help', 'bogus', '__proto__', 'hasOwnProperty').map((n) => `--${n}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...OPTION_NAMES, 'bogus'), fc.constantFrom(...VALUES)).map(([n, v]) => `--${n}=${v}`) },
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const argvArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...COMMANDS.map((c) => c.name)), fc.array(tokenArb, { maxLength: 10 })).map(([c, rest]) => [c, ...rest]) },
  { weight: 1, arbitrary: fc.array(tokenArb, { maxLength: 8 }) },
);

// ---------------------------------------------------------------------------------------------

describe('fuzzing: every input ends in a valid result or a typed error', () => {
  it(`readSafetensors and loadMlp: ≥ ${TARGET} malformed files`, () => {
    const t = fuzz('safetensors', safetensorsArb, ({ bytes, activation }) => {
      const file = readSafetensors(bytes, 'f.safetensors');
      for (const tensor of file.tensors.values()) {
        expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
      }
      const m = loadMlp(bytes, { source: 'f.safetensors', ...(activation ? { activation } : {}) });
      expect(m.spec.sizes.every((w) => Number.isInteger(w) && w >= 1)).toBe(true);
      expect(m.spec.sizes[m.spec.sizes.length - 1]).toBeGreaterThanOrEqual(2);
      expect(ACTIVATIONS).toContain(m.spec.activation);
      expect(m.theta.length).toBe(parameterCount(m.spec));
      expect(m.theta.every(Number.isFinite)).toBe(true);
    });
    expectMix(t, 35);
  }, TIMEOUT);

  it(`parseCsv: ≥ ${TARGET} malformed texts`, () => {
    const t = fuzz('csv', csvArb, ({ text, options }) => {
      const data = parseCsv(text, options);
      expect(data.n).toBeGreaterThanOrEqual(1);
      expect(data.d).toBeGreaterThanOrEqual(1);
      if (options.expectFeatures !== undefined) expect(data.d).toBe(options.expectFeatures);
      expect(data.x.length).toBe(data.n * data.d);
      expect(data.x.every(Number.isFinite)).toBe(true);
      expect(data.y.length).toBe(data.n);
      expect(Number.isInteger(data.classes) && data.classes >= 2).toBe(true);
      expect(data.y.every((y) => y >= 0 && y < data.classes)).toBe(true);
      if (data.featureNames) expect(data.featureNames).toHaveLength(data.d);
    });
    expectMix(t, 15);
  }, TIMEOUT);

  it(`parseCommandLine: ≥ ${TARGET} malformed command lines`, () => {
    const t = fuzz('command line', argvArb, (argv) => {
      const parsed = parseCommandLine(argv, COMMANDS);
      if (parsed.help) return;
      const spec = COMMANDS.find((c) => c.name === parsed.command);
      expect(spec).toBeDefined();
      expect(parsed.positionals.length).toBeLessThanOrEqual(spec!.positionals?.length ?? 0);
      for (const [name, value] of Object.entries(parsed.options)) {
        const o = spec!.options.find((x) => x.name === name);
        expect(o, `option ${name}`).toBeDefined();
        if (value === undefined) continue;
        if (o!.kind === 'boolean') expect(typeof value).toBe('boolean');
        else if (o!.kind === 'string') {
          expect(typeof value).toBe('string');
          if (o!.choices) expect(o!.choices).toContain(value);
        } else if (o!.kind === 'ints') {
          expect(Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 1)).toBe(true);
        } else {
          expect(typeof value === 'number' && Number.isFinite(value)).toBe(true);
          if (o!.kind === 'int') expect(Number.isInteger(value)).toBe(true);
          if (o!.min !== undefined) expect(value as number).toBeGreaterThanOrEqual(o!.min);
        }
      }
      for (const o of spec!.options) if (o.required) expect(parsed.options[o.name]).toBeDefined();
    });
    expectMix(t, 30);
  }, TIMEOUT);
});
