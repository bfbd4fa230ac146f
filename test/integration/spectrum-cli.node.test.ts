/**
 * `hessian-lens spectrum` against the PyTorch fixtures (eigenvalues from LAPACK on the exact
 * float64 Hessian): top-10 within 1e-4·|λ1|, eigenvectors with a clear gap aligned to |cos| ≥ 0.999,
 * the dense path's p eigenvalues within 1e-4·|λ1|, the trace within 3 standard errors, the density
 * integrating to 1; the saved eigenvector file holds F32 `eigenvectors` [k, p].
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadMlp, readSafetensors } from '../../src/io/safetensors.js';
import { parseCsv } from '../../src/io/csv.js';
import { createEngine } from '../../src/engine/engine.js';
import { symmetricEigen } from '../../src/hessian/dense.js';
import { layerBlocks, parameterBlock } from '../../src/hessian/block.js';
import { operatorMatrix } from '../../src/hessian/operator.js';
import { FIXTURE_CASES, loadFixture } from '../helpers/fixtures.js';
import { repoRoot } from '../helpers/chromium.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe.each(FIXTURE_CASES)('spectrum CLI on %s', (name) => {
  it('matches the PyTorch spectrum', async () => {
    const { ref } = await loadFixture(name);
    const dir = await mkdtemp(join(tmpdir(), 'hl-spec-'));
    const eigFile = join(dir, 'E.safetensors');
    const f = (file: string): string => join(repoRoot, 'test/fixtures', name, file);
    const { code, stdout, stderr } = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'),
      '--top', '10', '--density', '--dense', '--save-eigenvectors', eigFile, '--json', '--quiet']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    for (const key of ['eigenvalues', 'residuals', 'converged', 'matvecs', 'lambdaMax', 'trace', 'outliers', 'density']) expect(out).toHaveProperty(key);
    expect(Object.keys(out.trace)).toEqual(expect.arrayContaining(['estimate', 'stderr']));
    expect(Object.keys(out.outliers)).toEqual(expect.arrayContaining(['count', 'rule']));
    expect(Object.keys(out.density)).toEqual(expect.arrayContaining(['grid', 'values', 'nodes', 'weights']));
    const lambda1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
    out.eigenvalues.forEach((l: number, i: number) => expect(Math.abs(l - ref.hessian_eigenvalues_desc[i]!)).toBeLessThan(1e-4 * lambda1));
    out.converged.forEach((c: boolean, i: number) => {
      if (c) expect(out.residuals[i]).toBeLessThanOrEqual(1e-6 * Math.abs(out.eigenvalues[0]) * 1.0001);
    });
    expect(out.dense.eigenvalues).toHaveLength(ref.p);
    out.dense.eigenvalues.forEach((l: number, i: number) => expect(Math.abs(l - ref.hessian_eigenvalues_desc[i]!)).toBeLessThan(1e-4 * lambda1));
    expect(Math.abs(out.trace.estimate - ref.hessian_trace)).toBeLessThan(3 * out.trace.stderr + 1e-9 * lambda1);
    expect(Math.abs(out.lambdaMax.value - ref.hessian_eigenvalues_desc[0]!)).toBeLessThan(1e-4 * lambda1);
    const grid: number[] = out.density.grid;
    const values: number[] = out.density.values;
    let integral = 0;
    for (let i = 1; i < grid.length; i++) integral += 0.5 * (values[i]! + values[i - 1]!) * (grid[i]! - grid[i - 1]!);
    expect(Math.abs(integral - 1)).toBeLessThan(1e-3);
    const file = readSafetensors(new Uint8Array(await readFile(eigFile)));
    const t = file.tensors.get('eigenvectors')!;
    expect(t.dtype).toBe('F32');
    expect(t.shape).toEqual([10, ref.p]);
    for (let i = 0; i < 10; i++) {
      if (ref.top10_relative_gaps[i]! < 1e-2) continue;
      let dot = 0;
      for (let j = 0; j < ref.p; j++) dot += t.data[i * ref.p + j]! * ref.top10_eigenvectors[i]![j]!;
      expect(Math.abs(dot)).toBeGreaterThan(0.999);
    }
  });
});

/** A fixture's files, its model, and a float64 session on its data (in a one-thread engine: close both). */
async function fixtureSession(name: string) {
  const f = (file: string): string => join(repoRoot, 'test/fixtures', name, file);
  const model = loadMlp(new Uint8Array(await readFile(f('model.safetensors'))));
  const data = parseCsv(await readFile(f('data.csv'), 'utf8'), { classes: model.spec.sizes[model.spec.sizes.length - 1]! });
  const engine = await createEngine({ threads: 1 });
  const session = await engine.session(model, data, { precision: 'f64' });
  return { f, model, engine, session };
}

describe.each(FIXTURE_CASES)('spectrum --operator on %s', (name) => {
  it('ggn, fisher and residual: top 10 within 1e-4·|λ1| of a dense float64 computation of the same operator', async () => {
    const { f, model, engine, session } = await fixtureSession(name);
    try {
      for (const operator of ['ggn', 'fisher', 'residual'] as const) {
        const { code, stdout, stderr } = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--top', '10', '--operator', operator, '--json', '--quiet']);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const out = JSON.parse(stdout);
        expect(out.operator).toBe(operator);
        // the operator's matrix, column by column, in float64
        const p = session.p;
        const M = await operatorMatrix(session.curvature(operator));
        const dense = await symmetricEigen(M, p, { vectors: false });
        const lambda1 = Math.abs(dense.eigenvalues[0]!);
        expect(out.eigenvalues).toHaveLength(10);
        out.eigenvalues.forEach((l: number, i: number) => expect(Math.abs(l - dense.eigenvalues[i]!)).toBeLessThan(1e-4 * lambda1));
        if (operator !== 'residual') expect(dense.eigenvalues[p - 1]!).toBeGreaterThan(-1e-12 * lambda1); // positive semi-definite
      }
    } finally {
      await session.close();
      await engine.close();
    }
  });
});

describe.each(FIXTURE_CASES)('spectrum --block and --per-layer on %s', (name) => {
  it('each layer\'s top 3 and a named block\'s top 3 within 1e-4·|λ1| of the dense float64 eigenvalues of that block of H; the diagonal exact with --dense', async () => {
    const { f, model, engine, session } = await fixtureSession(name);
    try {
      const p = session.p;
      const H = await operatorMatrix(session.hessian());
      const blockEigenvalues = async (indices: Int32Array): Promise<Float64Array> => {
        const m = indices.length;
        const M = new Float64Array(m * m);
        for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) M[a * m + b] = H[indices[a]! * p + indices[b]!]!;
        return (await symmetricEigen(M, m, { vectors: false })).eigenvalues;
      };
      const run = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--top', '3', '--per-layer', '--dense', '--json', '--quiet']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      const blocks = layerBlocks(model.spec);
      expect(out.perLayer).toHaveLength(blocks.length);
      for (const [l, block] of blocks.entries()) {
        const want = await blockEigenvalues(block.indices);
        const got: number[] = out.perLayer[l].eigenvalues;
        got.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThan(1e-4 * Math.abs(want[0]!)));
        expect(out.perLayer[l].tensors).toEqual(block.tensors);
      }
      expect(out.diagonal.method).toBe('exact');
      const diagScale = Math.max(...Array.from({ length: p }, (_, j) => Math.abs(H[j * p + j]!)));
      out.diagonal.values.forEach((x: number, j: number) => expect(Math.abs(x - H[j * p + j]!)).toBeLessThan(1e-4 * diagScale));
      const named = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--top', '3', '--block', '0.weight', '--json', '--quiet']);
      expect(named.code).toBe(0);
      const one = JSON.parse(named.stdout);
      expect(one.block).toEqual({ name: '0.weight', tensors: ['0.weight'], size: model.spec.sizes[0]! * model.spec.sizes[1]! });
      const want = await blockEigenvalues(parameterBlock(model.spec, '0.weight').indices);
      one.eigenvalues.forEach((x: number, i: number) => expect(Math.abs(x - want[i]!)).toBeLessThan(1e-4 * Math.abs(want[0]!)));
      const bad = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--block', '1.weight']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("no parameter named '1.weight'; the model's parameters are 0.weight, 0.bias, 2.weight");
    } finally {
      await session.close();
      await engine.close();
    }
  });
});

describe('spectrum --decompose', () => {
  it('splits the top eigenvalues into Gauss–Newton and residual parts that sum back to them; refused with another operator', async () => {
    const f = (file: string): string => join(repoRoot, 'test/fixtures', FIXTURE_CASES[0], file);
    const run = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--top', '4', '--decompose', '--json', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    const lambda1 = Math.abs(out.eigenvalues[0]);
    expect(out.decomposition.shares).toHaveLength(4);
    out.decomposition.shares.forEach((s: { eigenvalue: number; ggn: number; residual: number }, i: number) => {
      expect(s.eigenvalue).toBe(out.eigenvalues[i]);
      expect(Math.abs(s.ggn + s.residual - s.eigenvalue)).toBeLessThan(1e-4 * lambda1);
      expect(s.ggn).toBeGreaterThanOrEqual(-1e-6 * lambda1);
    });
    expect(out.decomposition.ggnEigenvalues).toHaveLength(4);
    expect(Object.keys(out.decomposition.outliers)).toEqual(['hessian', 'ggn']);
    const bad = await cli(['spectrum', '--model', f('model.safetensors'), '--data', f('data.csv'), '--decompose', '--operator', 'ggn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--decompose splits the whole Hessian');
  });
});
