/**
 * safetensors reading and writing, and MLP load/save in PyTorch's `nn.Sequential` state_dict form.
 *
 * Format: 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the
 * tensor bytes (little-endian, offsets relative to the start of the data, contiguous, no gaps).
 * see: https://github.com/huggingface/safetensors (format description in its README).
 *
 * The reader treats its input as untrusted: any byte string yields a result or one of our typed
 * errors (InputError, ShapeError), never another exception, and its work is bounded by the file
 * size. Values are read through a DataView, so unaligned offsets and big-endian hosts are fine.
 */
import { InputError, ShapeError } from '../errors.js';
import { ACTIVATIONS, checkParameters, layerSlices, mlpSpec, type Activation, type MlpSpec } from '../model/mlp.js';
import { quoteText } from './quote.js';

/** Element types the safetensors format names. */
export type SafetensorsDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8'
  | 'BOOL';

/** One tensor as read: floats of up to 32 bits come back as Float32Array, F64 and integers as Float64Array. */
export interface SafetensorsTensor {
  /** element type in the file */
  readonly dtype: SafetensorsDtype;
  /** dimensions, outermost first */
  readonly shape: readonly number[];
  /** row-major values; F16/BF16 widened exactly to float32, I64/U64 rounded to the nearest float64 */
  readonly data: Float32Array | Float64Array;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** tensors by name, in the header's JSON object order (integer-like names first, as in JavaScript) */
  readonly tensors: Map<string, SafetensorsTensor>;
  /** the `__metadata__` string map ({} when absent) */
  readonly metadata: Record<string, string>;
}

/** One tensor to write; its dtype is F32 for a Float32Array and F64 for a Float64Array. */
export interface SafetensorsInput {
  readonly name: string;
  /** dimensions, outermost first; their product must equal data.length */
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** Options of {@link loadMlp}. */
export interface LoadMlpOptions {
  /** name of the input in error messages (a file name); default 'safetensors' */
  readonly source?: string;
  /** hidden activation; overrides `__metadata__.activation` (default 'relu' when neither is given) */
  readonly activation?: Activation;
}

/** An MLP read from a state_dict: its spec, θ in PyTorch order, and the file's metadata. */
export interface LoadedMlp {
  readonly spec: MlpSpec;
  /** [p] PyTorch order (weight [out, in] row-major, then bias, layer by layer) */
  readonly theta: Float32Array;
  readonly metadata: Record<string, string>;
}

/** The largest header accepted (the format's reference implementation uses the same bound). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F64', 'F32', 'F16', 'BF16'];

const METADATA_KEY = '__metadata__';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** A short rendering of a header value for messages; never throws (deeply nested JSON overflows the stack of JSON.stringify and String). */
function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = Array.isArray(v) ? `an array of ${v.length} (too deeply nested to print)` : `a value of type ${typeof v}`;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** IEEE half → float (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes `count` elements of `dtype` starting at byte `offset` of `view`. */
function decode(view: DataView, offset: number, count: number, dtype: SafetensorsDtype): Float32Array | Float64Array {
  switch (dtype) {
    case 'F64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
      return out;
    }
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(offset + 2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        word.setUint32(0, view.getUint16(offset + 2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      return out;
    }
    default: {
      const size = DTYPE_BYTES[dtype];
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const at = offset + size * i;
        switch (dtype) {
          case 'I64': out[i] = Number(view.getBigInt64(at, true)); break;
          case 'U64': out[i] = Number(view.getBigUint64(at, true)); break;
          case 'I32': out[i] = view.getInt32(at, true); break;
          case 'U32': out[i] = view.getUint32(at, true); break;
          case 'I16': out[i] = view.getInt16(at, true); break;
          case 'U16': out[i] = view.getUint16(at, true); break;
          case 'I8': out[i] = view.getInt8(at); break;
          case 'U8': out[i] = view.getUint8(at); break;
          case 'BOOL': out[i] = view.getUint8(at) === 0 ? 0 : 1; break;
        }
      }
      return out;
    }
  }
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseEntry(source: string, name: string, raw: unknown, dataBytes: number): HeaderEntry {
  const where = `${source}: tensor '${name}'`;
  if (!isRecord(raw)) throw new InputError(`${where}: header entry must be an object, got ${show(raw)}`);
  const dtype = own(raw, 'dtype');
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) {
    throw new InputError(`${where}: unsupported dtype ${show(dtype)} (expected one of ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  const shape = own(raw, 'shape');
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) {
    throw new InputError(`${where}: field 'shape' must be an array of non-negative integers, got ${show(shape)}`);
  }
  const offsets = own(raw, 'data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    throw new InputError(`${where}: field 'data_offsets' must be [begin, end] with non-negative integers, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new InputError(`${where}: data_offsets [${begin}, ${end}] has begin > end`);
  if (end > dataBytes) {
    throw new InputError(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes)`);
  }
  const size = DTYPE_BYTES[dtype as SafetensorsDtype];
  let elements = 1;
  for (const s of shape as number[]) elements *= s;
  if (elements * size !== end - begin) {
    throw new ShapeError(`${where}: shape [${(shape as number[]).join(', ')}] × ${dtype} (${size} bytes) = ${elements * size} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin} bytes`);
  }
  // `s || 0` turns a JSON -0 into 0, so shapes compare and print as written
  return { name, dtype: dtype as SafetensorsDtype, shape: (shape as number[]).map((s) => s || 0), begin, end };
}

function parseMetadata(source: string, raw: unknown): Record<string, string> {
  if (!isRecord(raw)) throw new InputError(`${source}: '${METADATA_KEY}' must be an object of strings, got ${show(raw)}`);
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new InputError(`${source}: '${METADATA_KEY}' field '${k}' must be a string, got ${show(v)}`);
    entries.push([k, v]);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Parses a safetensors file. Throws {@link InputError} (bad header length, JSON, dtype, offsets,
 * gaps, overlaps, trailing bytes, non-finite values) or {@link ShapeError} (shape × dtype size ≠
 * byte length), each naming `source`, the tensor, the field and the value.
 */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new InputError(`${source}: expected the file's bytes as a Uint8Array`);
  if (bytes.length < 8) throw new InputError(`${source}: file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo; // exact for the sizes that pass the checks below
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    throw new InputError(`${source}: header length ${hi === 0 ? lo : `≥ 2^32 (${headerLength})`} is above the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + lo > bytes.length) {
    throw new InputError(`${source}: header length ${lo} runs past the end of the ${bytes.length}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + lo));
  } catch {
    throw new InputError(`${source}: header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) throw new InputError(`${source}: header must be a JSON object, got ${show(header)}`);

  const dataStart = 8 + lo;
  const dataBytes = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(source, raw);
    else entries.push(parseEntry(source, name, raw, dataBytes));
  }

  // The data section must be tiled exactly: no overlaps, no gaps, nothing after the last tensor.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = '';
  for (const e of byOffset) {
    if (e.begin < cursor) {
      throw new InputError(`${source}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap tensor '${previous}' (which ends at ${cursor})`);
    }
    if (e.begin > cursor) {
      throw new InputError(`${source}: gap of ${e.begin - cursor} bytes before tensor '${e.name}' (data_offsets [${e.begin}, ${e.end}], previous data ends at ${cursor})`);
    }
    cursor = e.end;
    previous = e.name;
  }
  if (cursor !== dataBytes) {
    throw new InputError(`${source}: ${dataBytes - cursor} bytes after the last tensor's data (data section is ${dataBytes} bytes, tensors cover ${cursor})`);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    const data = decode(view, dataStart + e.begin, count, e.dtype);
    if (FLOAT_DTYPES.includes(e.dtype)) {
      for (let i = 0; i < count; i++) {
        if (!Number.isFinite(data[i]!)) throw new InputError(`${source}: tensor '${e.name}' holds ${data[i]} at flat index ${i} (values must be finite)`);
      }
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Serialises tensors to safetensors bytes: the header lists them in the given order with
 * contiguous data offsets, and is padded with spaces so the data starts at a multiple of 8.
 * Throws {@link InputError} for a duplicate or reserved name, non-finite values or a non-string
 * metadata value, and {@link ShapeError} when a shape does not match its data length.
 */
export function writeSafetensors(tensors: readonly SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  const parts: string[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (typeof t.name !== 'string' || t.name === METADATA_KEY) throw new InputError(`tensor name ${show(t.name)} is reserved or not a string`);
    if (seen.has(t.name)) throw new InputError(`tensor name '${t.name}' appears twice`);
    seen.add(t.name);
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      throw new InputError(`tensor '${t.name}': data must be a Float32Array or Float64Array`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new ShapeError(`tensor '${t.name}': shape must be non-negative integers, got ${show(t.shape)}`);
    }
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new ShapeError(`tensor '${t.name}': shape [${t.shape.join(', ')}] has ${elements} elements, but data has ${t.data.length}`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i]!)) throw new InputError(`tensor '${t.name}' holds ${t.data[i]} at flat index ${i} (values must be finite)`);
    }
    const dtype = t.data instanceof Float64Array ? 'F64' : 'F32';
    const end = offset + t.data.length * t.data.BYTES_PER_ELEMENT;
    // Built by hand, not JSON.stringify of an object, so integer-like names keep their order.
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new InputError(`metadata field '${k}' must be a string, got ${show(v)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let headerBytes = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(headerBytes);
    headerBytes = withSpaces;
  }
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let at = 8 + padded;
  for (const t of tensors) {
    if (t.data instanceof Float64Array) {
      for (let i = 0; i < t.data.length; i++, at += 8) view.setFloat64(at, t.data[i]!, true);
    } else {
      for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
    }
  }
  return out;
}

/** Compares two dotted paths component by component; numeric components in numeric order. */
function comparePaths(a: string, b: string): number {
  const pa = a === '' ? [] : a.split('.');
  const pb = b === '' ? [] : b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    } else if (nx !== ny) {
      return nx ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Longest `__metadata__.arch` read (a 1,000-layer MLP of 6-digit widths needs about 7,000 characters). */
export const MAX_ARCH_LENGTH = 10_000;
/** Longest `__metadata__.activation` read (the longest known name is 8 characters). */
export const MAX_ACTIVATION_LENGTH = 100;

/**
 * Widths from a `__metadata__.arch` such as "2-16-16-2" or "[2, 16, 16, 2]"; undefined if it does
 * not parse. A split on single separator characters and a check of each piece: linear time and no
 * recursion, so a 4 MB arch costs a few milliseconds (the earlier nested-quantifier pattern
 * overflowed the stack on 2 M groups).
 */
function parseArch(arch: string): number[] | undefined {
  let body = arch.trim();
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  const widths: number[] = [];
  for (const piece of body.split(/[-,x]/)) {
    const t = piece.trim();
    if (!/^\d{1,15}$/.test(t)) return undefined;
    widths.push(Number(t));
  }
  return widths;
}

function resolveActivation(source: string, option: string | undefined, fromFile: string | undefined): Activation {
  const where = option !== undefined ? 'option activation' : `${METADATA_KEY}.activation`;
  const given = option ?? fromFile;
  if (given !== undefined && typeof given !== 'string') throw new InputError(`${source}: ${where} must be a string, got ${show(given)}`);
  if (given !== undefined && given.length > MAX_ACTIVATION_LENGTH) {
    throw new InputError(`${source}: unsupported activation ${quoteText(given)} from ${where}: longer than the ${MAX_ACTIVATION_LENGTH}-character limit (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  const name = option ?? (fromFile !== undefined ? fromFile.trim().toLowerCase() : 'relu');
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new InputError(`${source}: unsupported activation ${quoteText(name)} from ${where} (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  return name as Activation;
}

/**
 * Reads a dense MLP from a PyTorch state_dict in safetensors form. Linear layers are found by the
 * names `<prefix>.weight` [out, in] and `<prefix>.bias` [out] (e.g. `0.weight`, `net.2.bias`,
 * `model.layers.4.weight`) and ordered by their paths with numeric components compared as numbers —
 * never by header order. Every other tensor name is an {@link InputError}, as are a missing weight or
 * bias, non-float tensors, an unsupported activation and an unparseable `__metadata__.arch`; widths
 * that do not chain, or an arch that disagrees with the tensors, are a {@link ShapeError}.
 * The activation comes from `options.activation`, else `__metadata__.activation`, else 'relu'.
 * θ is returned in float32 (F64 files are rounded to nearest).
 */
export function loadMlp(bytes: Uint8Array, options: LoadMlpOptions = {}): LoadedMlp {
  const source = options.source ?? 'safetensors';
  const { tensors, metadata } = readSafetensors(bytes, source);

  const groups = new Map<string, { weight?: SafetensorsTensor; bias?: SafetensorsTensor }>();
  for (const [name, tensor] of tensors) {
    const m = /^(?:(.*)\.)?(weight|bias)$/s.exec(name);
    if (!m) throw new InputError(`${source}: tensor '${name}' is not a Linear layer's weight or bias (expected names like '0.weight', 'net.2.bias')`);
    if (!FLOAT_DTYPES.includes(tensor.dtype)) throw new InputError(`${source}: tensor '${name}' has dtype ${tensor.dtype}; Linear parameters must be floating point`);
    const prefix = m[1] ?? '';
    const group = groups.get(prefix) ?? {};
    group[m[2] as 'weight' | 'bias'] = tensor;
    groups.set(prefix, group);
  }
  if (groups.size === 0) throw new InputError(`${source}: no Linear layers found (no tensors named '<layer>.weight' / '<layer>.bias')`);

  const prefixes = [...groups.keys()].sort(comparePaths);
  const label = (prefix: string): string => (prefix === '' ? "layer ''" : `layer '${prefix}'`);
  const dotted = (prefix: string, field: string): string => (prefix === '' ? field : `${prefix}.${field}`);
  const sizes: number[] = [];
  const layers: { weight: SafetensorsTensor; bias: SafetensorsTensor }[] = [];
  prefixes.forEach((prefix, l) => {
    const { weight, bias } = groups.get(prefix)!;
    if (!weight) throw new InputError(`${source}: ${label(prefix)} has a bias but no weight ('${dotted(prefix, 'weight')}' is missing)`);
    if (!bias) throw new InputError(`${source}: ${label(prefix)} has a weight but no bias ('${dotted(prefix, 'bias')}' is missing)`);
    if (weight.shape.length !== 2) {
      throw new ShapeError(`${source}: '${dotted(prefix, 'weight')}' has shape [${weight.shape.join(', ')}]; a Linear weight is [out, in]`);
    }
    const [out, inp] = weight.shape as [number, number];
    if (bias.shape.length !== 1 || bias.shape[0] !== out) {
      throw new ShapeError(`${source}: '${dotted(prefix, 'bias')}' has shape [${bias.shape.join(', ')}], but '${dotted(prefix, 'weight')}' [${out}, ${inp}] needs a bias of shape [${out}]`);
    }
    if (l === 0) sizes.push(inp);
    else if (inp !== sizes[sizes.length - 1]) {
      const prev = prefixes[l - 1]!;
      throw new ShapeError(`${source}: widths do not chain: ${label(prev)} outputs ${sizes[sizes.length - 1]} but ${label(prefix)} takes ${inp} inputs ('${dotted(prefix, 'weight')}' shape [${out}, ${inp}])`);
    }
    sizes.push(out);
    layers.push({ weight, bias });
  });

  if (metadata.arch !== undefined) {
    if (metadata.arch.length > MAX_ARCH_LENGTH) {
      throw new InputError(`${source}: ${METADATA_KEY}.arch ${quoteText(metadata.arch)} is longer than the ${MAX_ARCH_LENGTH.toLocaleString('en-US')}-character limit`);
    }
    const arch = parseArch(metadata.arch);
    if (!arch) throw new InputError(`${source}: ${METADATA_KEY}.arch ${quoteText(metadata.arch)} is not a list of widths like "2-16-16-2"`);
    if (arch.join('-') !== sizes.join('-')) {
      throw new ShapeError(`${source}: ${METADATA_KEY}.arch ${quoteText(metadata.arch)} disagrees with the tensors, which chain as ${sizes.join('-')}`);
    }
  }
  const activation = resolveActivation(source, options.activation, metadata.activation);
  if (sizes.some((w) => w < 1)) throw new ShapeError(`${source}: layer widths ${sizes.join('-')} include an empty layer`);
  if (sizes[sizes.length - 1]! < 2) {
    throw new ShapeError(`${source}: the last layer has ${sizes[sizes.length - 1]} output; a classifier needs at least 2 classes`);
  }
  const spec = mlpSpec(sizes, activation);

  const slices = layerSlices(spec);
  const theta = new Float32Array(slices.reduce((p, s) => p + s.inputs * s.outputs + s.outputs, 0));
  slices.forEach((s, l) => {
    theta.set(layers[l]!.weight.data, s.weight);
    theta.set(layers[l]!.bias.data, s.bias);
  });
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) throw new InputError(`${source}: parameter ${i} overflows float32 (${theta[i]})`);
  }
  return { spec, theta, metadata };
}

/**
 * Serialises an MLP as the safetensors state_dict of `nn.Sequential(Linear, Act, Linear, …)`:
 * tensors `0.weight`, `0.bias`, `2.weight`, … in float32, loadable by PyTorch's `load_state_dict`.
 * `__metadata__` holds the caller's entries plus `activation`, `arch` ("2-16-16-2") and
 * `format: "pt"`, which always describe `spec`. Throws {@link ShapeError} when θ has the wrong length.
 */
export function saveMlp(spec: MlpSpec, theta: ArrayLike<number>, metadata: Record<string, string> = {}): Uint8Array {
  checkParameters(spec, theta);
  const t = theta instanceof Float32Array ? theta : Float32Array.from(theta);
  const tensors: SafetensorsInput[] = [];
  layerSlices(spec).forEach((s, l) => {
    tensors.push({ name: `${2 * l}.weight`, shape: [s.outputs, s.inputs], data: t.subarray(s.weight, s.weight + s.inputs * s.outputs) });
    tensors.push({ name: `${2 * l}.bias`, shape: [s.outputs], data: t.subarray(s.bias, s.bias + s.outputs) });
  });
  return writeSafetensors(tensors, { ...metadata, activation: spec.activation, arch: spec.sizes.join('-'), format: 'pt' });
}
