/**
 * Reads files under test/ in Node (fs) and in the browser (fetched from the Vite server that
 * vitest's browser mode runs at the project root), so one test file runs in both.
 */
export const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

/** Bytes of `test/<relPath>`. */
export async function readTestFile(relPath: string): Promise<Uint8Array> {
  if (inBrowser) {
    const res = await fetch(`/test/${relPath}`);
    if (!res.ok) throw new Error(`fetch /test/${relPath}: ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const fs = await import('node:fs/promises');
  const url = new URL(`../${relPath}`, import.meta.url);
  return new Uint8Array(await fs.readFile(url));
}

/** Text of `test/<relPath>`. */
export async function readTestText(relPath: string): Promise<string> {
  return new TextDecoder().decode(await readTestFile(relPath));
}

/** The float64 PyTorch reference of one fixture case (test/fixtures/README.md). */
export interface FixtureReference {
  case: string;
  arch: number[];
  activation: string;
  n: number;
  p: number;
  num_classes: number;
  loss: number;
  grad_norm: number;
  accuracy: number;
  grad: number[];
  predicted_labels: number[];
  logit_margin: number[];
  hvp: { v: number[]; Hv: number[] };
  hessian_trace: number;
  hessian_eigenvalues_desc: number[];
  top10_relative_gaps: number[];
  top10_eigenvectors: number[][];
  per_sample_grad_norm: number[];
  alignment: number[][];
  mean_abs_alignment: number[];
  epsilon: { value: number; theory_E_abs_cos_random_unit: number; [k: string]: unknown };
  G: Record<string, number>;
}

/** A fixture case: model bytes, CSV text and reference numbers. */
export interface Fixture {
  name: string;
  model: Uint8Array;
  csv: string;
  ref: FixtureReference;
}

export const FIXTURE_CASES = ['moons_2-16-16-2_tanh', 'iris_4-16-3_relu'] as const;

/** Loads one fixture case from test/fixtures/. */
export async function loadFixture(name: string): Promise<Fixture> {
  const [model, csv, refText] = await Promise.all([
    readTestFile(`fixtures/${name}/model.safetensors`),
    readTestText(`fixtures/${name}/data.csv`),
    readTestText(`fixtures/${name}/reference.json`),
  ]);
  return { name, model, csv, ref: JSON.parse(refText) as FixtureReference };
}

/** Relative L2 error ‖a − b‖ / ‖b‖. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num / den);
}
