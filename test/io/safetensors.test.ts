/**
 * Tests of src/io/safetensors.ts: read, write, MLP load/save, against the PyTorch fixtures (whose
 * files PyTorch wrote) and against files with deliberate defects built byte by byte here
 * (`rawFile`), independently of the writer, so the reader's checks are tested against the format
 * itself. The fixtures' CSV files are read alongside (src/io/csv.ts: csv.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { HessianLensError, InputError, ShapeError } from '../../src/errors.js';
import { formatCsv, parseCsv } from '../../src/io/csv.js';
import { loadMlp, MAX_HEADER_BYTES, readSafetensors, saveMlp, writeSafetensors, type SafetensorsInput } from '../../src/io/safetensors.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';
import { FIXTURE_CASES, loadFixture } from '../helpers/fixtures.js';
import { expectThrow } from '../helpers/throws.js';

/** A safetensors file from a header (object or literal JSON text) and data bytes, without padding. */
function rawFile(header: object | string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** Little-endian float32 bytes. */
function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Tensors of a 3-5-4-3 MLP under `prefix.<index>.weight/bias`, from a seeded θ. */
function layerTensors(indices: number[], prefix: string): { tensors: SafetensorsInput[]; theta: Float32Array } {
  const spec = mlpSpec([3, 5, 4, 3]);
  const theta = initParameters(spec, 9);
  const sizes = spec.sizes;
  const tensors: SafetensorsInput[] = [];
  let at = 0;
  indices.forEach((index, l) => {
    const [inp, out] = [sizes[l]!, sizes[l + 1]!];
    tensors.push({ name: `${prefix}${index}.weight`, shape: [out, inp], data: theta.slice(at, at + out * inp) });
    at += out * inp;
    tensors.push({ name: `${prefix}${index}.bias`, shape: [out], data: theta.slice(at, at + out) });
    at += out;
  });
  return { tensors, theta };
}

describe.each(FIXTURE_CASES.map((c) => [c]))('fixture %s', (name) => {
  it('model and data load with the reference shapes', async () => {
    const fx = await loadFixture(name);
    const { spec, theta, metadata } = loadMlp(fx.model, { source: 'model.safetensors' });
    expect(spec.sizes).toEqual(fx.ref.arch);
    expect(spec.activation).toBe(fx.ref.activation);
    expect(parameterCount(spec)).toBe(fx.ref.p);
    expect(theta.length).toBe(fx.ref.p);
    expect(metadata.activation).toBe(fx.ref.activation);
    const data = parseCsv(fx.csv, { source: 'data.csv', expectFeatures: fx.ref.arch[0] });
    expect(data.n).toBe(fx.ref.n);
    expect(data.classes).toBe(fx.ref.num_classes);
    expect(data.d).toBe(fx.ref.arch[0]);
    expect(data.featureNames).toEqual(Array.from({ length: data.d }, (_, j) => `f${j}`));
  });

  it('save → load and formatCsv → parseCsv are bit-exact', async () => {
    const fx = await loadFixture(name);
    const m = loadMlp(fx.model);
    const again = loadMlp(saveMlp(m.spec, m.theta, { note: 'kept' }));
    expect(again.spec).toEqual(m.spec);
    expect(new Uint32Array(again.theta.buffer)).toEqual(new Uint32Array(m.theta.buffer));
    expect(again.metadata).toMatchObject({ note: 'kept', activation: m.spec.activation, arch: m.spec.sizes.join('-'), format: 'pt' });
    const data = parseCsv(fx.csv);
    const back = parseCsv(formatCsv(data));
    expect(new Uint32Array(back.x.buffer)).toEqual(new Uint32Array(data.x.buffer));
    expect(back.y).toEqual(data.y);
  });
});

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips F32 and F64 with metadata; header is space-padded to a multiple of 8', () => {
    const a = Float32Array.from([1.5, -2.25, 3e-39, 7]);
    const b = Float64Array.from([Math.PI, -1e300, 5e-324]);
    const bytes = writeSafetensors([{ name: 'a', shape: [2, 2], data: a }, { name: '7', shape: [3], data: b }, { name: 'e', shape: [0], data: new Float32Array(0) }], { k: 'v' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header).toMatch(/^\{"a":.*"7":.*"e":.*"__metadata__":\{"k":"v"\}\} *$/);
    const file = readSafetensors(bytes);
    expect([...file.tensors.keys()].sort()).toEqual(['7', 'a', 'e']);
    expect(file.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 2], data: a });
    expect(file.tensors.get('7')).toEqual({ dtype: 'F64', shape: [3], data: b });
    expect(file.tensors.get('e')!.data.length).toBe(0);
    expect(file.metadata).toEqual({ k: 'v' });
  });

  it('reads unaligned offsets, F16, BF16 and integer tensors', () => {
    const header = {
      x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      h: { dtype: 'F16', shape: [3], data_offsets: [8, 14] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [14, 18] },
      i: { dtype: 'I64', shape: [1], data_offsets: [18, 26] },
      u: { dtype: 'U8', shape: [1], data_offsets: [26, 27] },
      f: { dtype: 'F32', shape: [1], data_offsets: [27, 31] },
    };
    const data = new Uint8Array(31);
    const view = new DataView(data.buffer);
    view.setFloat32(0, 0.1, true);
    view.setFloat32(4, -3, true);
    [0x3c00, 0xc000, 0x0001].forEach((h, k) => view.setUint16(8 + 2 * k, h, true));
    [0x3f80, 0x4049].forEach((h, k) => view.setUint16(14 + 2 * k, h, true));
    view.setBigInt64(18, -42n, true);
    view.setUint8(26, 200);
    view.setFloat32(27, 2.5, true); // at an odd offset
    const file = rawFile(header, data);
    // also from a view whose byteOffset is odd
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    for (const bytes of [file, shifted.subarray(3)]) {
      const t = readSafetensors(bytes).tensors;
      expect(t.get('x')!.data).toEqual(Float32Array.from([0.1, -3]));
      expect(Array.from(t.get('h')!.data)).toEqual([1, -2, 2 ** -24]);
      expect(Array.from(t.get('b')!.data)).toEqual([1, 3.140625]);
      expect(Array.from(t.get('i')!.data)).toEqual([-42]);
      expect(Array.from(t.get('u')!.data)).toEqual([200]);
      expect(Array.from(t.get('f')!.data)).toEqual([2.5]);
    }
  });

  it('rejects bad input to the writer', () => {
    expectThrow(() => writeSafetensors([{ name: 'a', shape: [3], data: new Float32Array(2) }]), ShapeError, "tensor 'a': shape [3] has 3 elements, but data has 2");
    expectThrow(() => writeSafetensors([{ name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) }]), InputError, "'a' appears twice");
    expectThrow(() => writeSafetensors([{ name: 'a', shape: [1], data: Float64Array.from([NaN]) }]), InputError, 'NaN at flat index 0');
  });
});

describe('readSafetensors errors', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = f32Bytes([1, 2]);
  const cases: [string, Uint8Array, typeof InputError | typeof ShapeError, string | RegExp][] = [
    ['file shorter than 8 bytes', new Uint8Array(5), InputError, 'm.st: file is 5 bytes, shorter than the 8-byte header length'],
    ['header length beyond the file', (() => { const b = rawFile(ok, eight); new DataView(b.buffer).setUint32(0, 1000, true); return b; })(), InputError, 'header length 1000 runs past the end of the'],
    ['header length above 100 MB', (() => { const b = rawFile(ok, eight); new DataView(b.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true); return b; })(), InputError, 'above the 100000000-byte limit'],
    ['header length ≥ 2^32', (() => { const b = rawFile(ok, eight); new DataView(b.buffer).setUint32(4, 1, true); return b; })(), InputError, 'header length ≥ 2^32'],
    ['invalid JSON', rawFile('{"a": {', []), InputError, 'm.st: header is not valid JSON'],
    ['invalid UTF-8', rawFile('{"\xff"}', []).map((v, i) => (i === 10 ? 0xff : v)), InputError, 'not valid UTF-8'],
    ['header not an object', rawFile('[1, 2]'), InputError, 'header must be a JSON object, got [1,2]'],
    ['unknown dtype', rawFile({ a: { dtype: 'F128', shape: [2], data_offsets: [0, 8] } }, eight), InputError, `tensor 'a': unsupported dtype "F128"`],
    ['bad shape field', rawFile({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eight), InputError, "field 'shape' must be an array of non-negative integers, got [-2]"],
    ['bad data_offsets field', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, eight), InputError, "field 'data_offsets' must be [begin, end]"],
    ['shape × dtype size ≠ byte length', rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight), ShapeError, "tensor 'a': shape [3] × F32 (4 bytes) = 12 bytes, but data_offsets [0, 8] hold 8 bytes"],
    ['offsets out of range', rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eight), InputError, "tensor 'a': data_offsets [0, 16] run past the end of the data section (8 bytes)"],
    ['begin > end', rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, eight), InputError, 'has begin > end'],
    ['overlapping tensors', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), InputError, "tensor 'b' data_offsets [4, 8] overlap tensor 'a'"],
    ['gap between tensors', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32Bytes([1, 2, 3])), InputError, "gap of 4 bytes before tensor 'b'"],
    ['bytes after the last tensor', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight), InputError, '4 bytes after the last tensor'],
    ['non-finite value', rawFile(ok, f32Bytes([1, Infinity])), InputError, "m.st: tensor 'a' holds Infinity at flat index 1"],
    ['NaN in F16', rawFile({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0x00, 0x7e]), InputError, "tensor 'h' holds NaN at flat index 0"],
    ['non-string metadata', rawFile({ ...ok, __metadata__: { epochs: 3 } }, eight), InputError, "'__metadata__' field 'epochs' must be a string, got 3"],
  ];
  it.each(cases)('%s', (_name, bytes, kind, fragment) => {
    expectThrow(() => readSafetensors(bytes, 'm.st'), kind, fragment);
  });

  it('throws only typed errors on random and mutated bytes', () => {
    const rng = new Rng(2024);
    const valid = saveMlp(mlpSpec([2, 3, 2], 'tanh'), initParameters(mlpSpec([2, 3, 2], 'tanh'), 1));
    const samples: Uint8Array[] = [];
    for (let k = 0; k < 150; k++) samples.push(Uint8Array.from({ length: rng.int(64) }, () => rng.int(256)));
    for (let k = 0; k < 400; k++) {
      const b = valid.slice(0, rng.int(4) === 0 ? rng.int(valid.length) : valid.length);
      for (let m = 1 + rng.int(4); m > 0; m--) if (b.length) b[rng.int(b.length)] = rng.int(256);
      samples.push(b);
    }
    for (const b of samples) {
      for (const f of [() => readSafetensors(b), () => loadMlp(b)]) {
        try {
          f();
        } catch (e) {
          expect(e).toBeInstanceOf(HessianLensError);
        }
      }
    }
  });
});

describe('loadMlp', () => {
  it('orders layers by numeric path, never by header order', () => {
    const { tensors, theta } = layerTensors([0, 2, 10], 'net.');
    const scrambled = [tensors[5]!, tensors[2]!, tensors[1]!, tensors[4]!, tensors[0]!, tensors[3]!];
    expect(scrambled.map((t) => t.name)).toEqual(['net.10.bias', 'net.2.weight', 'net.0.bias', 'net.10.weight', 'net.0.weight', 'net.2.bias']);
    const m = loadMlp(writeSafetensors(scrambled, { activation: 'tanh' }));
    expect(m.spec.sizes).toEqual([3, 5, 4, 3]);
    expect(m.spec.activation).toBe('tanh');
    expect(m.theta).toEqual(theta);
  });

  it('reads model.layers.N names and a bare nn.Linear state_dict', () => {
    const { tensors, theta } = layerTensors([4, 9, 12], 'model.layers.');
    expect(loadMlp(writeSafetensors(tensors.slice().reverse())).theta).toEqual(theta);
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const m = loadMlp(writeSafetensors([{ name: 'bias', shape: [2], data: Float32Array.from([7, 8]) }, { name: 'weight', shape: [2, 3], data: w }]));
    expect(m.spec.sizes).toEqual([3, 2]);
    expect(Array.from(m.theta)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('takes the activation from the option, else the metadata, else relu', () => {
    const { tensors } = layerTensors([0, 2, 4], '');
    expect(loadMlp(writeSafetensors(tensors)).spec.activation).toBe('relu');
    expect(loadMlp(writeSafetensors(tensors, { activation: 'GELU' })).spec.activation).toBe('gelu');
    expect(loadMlp(writeSafetensors(tensors, { activation: 'gelu' }), { activation: 'sigmoid' }).spec.activation).toBe('sigmoid');
    expectThrow(() => loadMlp(writeSafetensors(tensors, { activation: 'swish' }), { source: 'm.st' }), InputError, "m.st: unsupported activation 'swish' from __metadata__.activation");
  });

  it('checks __metadata__.arch in both spellings', () => {
    const { tensors } = layerTensors([0, 2, 4], '');
    expect(loadMlp(writeSafetensors(tensors, { arch: '[3, 5, 4, 3]' })).spec.sizes).toEqual([3, 5, 4, 3]);
    expect(loadMlp(writeSafetensors(tensors, { arch: '3-5-4-3' })).spec.sizes).toEqual([3, 5, 4, 3]);
    expectThrow(() => loadMlp(writeSafetensors(tensors, { arch: '3-5-3' })), ShapeError, "arch '3-5-3' disagrees with the tensors, which chain as 3-5-4-3");
    expectThrow(() => loadMlp(writeSafetensors(tensors, { arch: 'big' })), InputError, "arch 'big' is not a list of widths");
  });

  it('rejects a missing weight or bias, unchained widths and foreign tensors', () => {
    const { tensors } = layerTensors([0, 2, 4], '');
    const without = (name: string) => writeSafetensors(tensors.filter((t) => t.name !== name));
    expectThrow(() => loadMlp(without('2.bias'), { source: 'm.st' }), InputError, "m.st: layer '2' has a weight but no bias ('2.bias' is missing)");
    expectThrow(() => loadMlp(without('4.weight')), InputError, "layer '4' has a bias but no weight ('4.weight' is missing)");
    const gap = tensors.filter((t) => !t.name.startsWith('2.'));
    expectThrow(() => loadMlp(writeSafetensors(gap)), ShapeError, "widths do not chain: layer '0' outputs 5 but layer '4' takes 4 inputs");
    const badBias = tensors.map((t) => (t.name === '0.bias' ? { ...t, shape: [1, 5] } : t));
    expectThrow(() => loadMlp(writeSafetensors(badBias)), ShapeError, "'0.bias' has shape [1, 5]");
    const extra = [...tensors, { name: '1.running_mean', shape: [1], data: new Float32Array(1) }];
    expectThrow(() => loadMlp(writeSafetensors(extra)), InputError, "tensor '1.running_mean' is not a Linear layer's weight or bias");
    const oneClass = layerTensors([0], '').tensors.map((t) => ({ ...t, shape: t.name.endsWith('weight') ? [1, 15] : [1], data: t.data.subarray(0, t.name.endsWith('weight') ? 15 : 1) }));
    expectThrow(() => loadMlp(writeSafetensors(oneClass)), ShapeError, 'at least 2 classes');
  });

  it('saveMlp writes the nn.Sequential names, F32 data and the arch/activation metadata', () => {
    const spec = mlpSpec([2, 16, 16, 2], 'tanh');
    const theta = initParameters(spec, 3);
    const file = readSafetensors(saveMlp(spec, theta));
    expect([...file.tensors.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect(file.tensors.get('2.weight')!.shape).toEqual([16, 16]);
    expect(file.tensors.get('4.bias')!.dtype).toBe('F32');
    expect(file.metadata).toEqual({ activation: 'tanh', arch: '2-16-16-2', format: 'pt' });
    expectThrow(() => saveMlp(spec, theta.subarray(1)), ShapeError, 'p = 354');
  });
});
