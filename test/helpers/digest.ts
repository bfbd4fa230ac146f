/**
 * The bits of a fixed computation, for comparing Node and Chromium: loss, gradient and Hv of both
 * fixtures with a given kernel build and precision, as hex strings of their float64 bytes.
 */
import { createEngine } from '../../src/engine/engine.js';
import type { Precision } from '../../src/engine/dense-net.js';
import type { KernelBuild } from '../../src/engine/wasm.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { FIXTURE_CASES, loadFixture } from './fixtures.js';

function hex(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Hex digests keyed by `<fixture>.<quantity>`. */
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
  return out;
}
