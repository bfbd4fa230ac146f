/**
 * The bits of a fixed computation, for comparing Node and Chromium: loss, gradient and Hv of both
 * fixtures with a given kernel build and precision, and a dense eigen-decomposition (values,
 * vectors, projections) of a fixed matrix, as hex strings of their float64 bytes (the vectors as
 * a 64-bit FNV-1a hash of them).
 */
import { createEngine } from '../../src/engine/engine.js';
import type { Precision } from '../../src/engine/dense-net.js';
import type { KernelBuild } from '../../src/engine/wasm.js';
import { symmetricEigen } from '../../src/hessian/dense.js';
import { parseCsv } from '../../src/io/csv.js';
import { Rng } from '../../src/model/rng.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { FIXTURE_CASES, loadFixture } from './fixtures.js';

function hex(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** 64-bit FNV-1a of the float64 bytes, as hex. */
function fnv(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** Hex digests keyed by `<fixture>.<quantity>`, and `eigen.*` for the dense eigensolver. */
export async function computeDigests(build: KernelBuild, precision: Precision): Promise<Record<string, string>> {
  const engine = await createEngine({ build });
  const out: Record<string, string> = {};
  for (const name of FIXTURE_CASES) {
    const { model: bytes, csv, ref } = await loadFixture(name);
    const model = loadMlp(bytes);
    const data = parseCsv(csv);
    const g = await engine.gradient(model, data, { precision, chunkSize: 64 });
    out[`${name}.loss`] = hex([g.loss, g.accuracy]);
    out[`${name}.gradient`] = hex(g.gradient);
    out[`${name}.hv`] = hex(await engine.hvp(model, data, ref.hvp.v, { precision, chunkSize: 64 }));
  }
  if (precision === 'f64') {
    const n = 257;
    const A = new Float64Array(n * n);
    const rng = new Rng(257); // not Math.sin: engines differ in its last bit (src/model/detmath.ts)
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal() + (i === j ? 0.1 * i : 0);
    const r = await symmetricEigen(A, n, { build });
    out['eigen.values'] = hex(r.eigenvalues);
    out['eigen.vectors'] = fnv(r.eigenvectors!);
    const rows = Float64Array.from({ length: 2 * n }, () => rng.normal());
    out['eigen.projections'] = hex((await symmetricEigen(A, n, { build, project: rows })).projections!);
  }
  return out;
}
