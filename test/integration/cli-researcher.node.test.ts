/**
 * The command line as a researcher meets it (issue 18): a CSV is the whole training set unless
 * --split cuts it, --test/--val add held-out files, and the JSON's data.split says which; the
 * short summaries (a golden analyze summary on a fixed seed); every warning, on stderr and in the
 * JSON; --no-dense; hvp's random and eigenvector vectors; compare's table; one monotone progress
 * fraction per command. References: the CSV's own row counts, the fixtures' PyTorch eigenvalues
 * (an independent float64 LAPACK spectrum) for --eigenvector, and v·(Hv) computed here for random v.
 * No test asserts a duration. (The progress printer on its own: test/cli/progress.test.ts.)
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { analyze, createEngine, loadMlp, parseCsv } from '../../src/index.js';
import { compare } from '../../src/analysis/compare.js';
import { loadFixture } from '../helpers/fixtures.js';
import { repoRoot } from '../helpers/chromium.js';

async function cli(args: string[], signal?: AbortSignal, onStderr?: (s: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => {
      stderr += s;
      onStderr?.(s);
    },
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}

const IRIS = 'iris_4-16-3_relu';
const fixture = (file: string, name = IRIS): string => join(repoRoot, 'test', 'fixtures', name, file);
const irisModel = ['--model', fixture('model.safetensors')];
/** a quick analysis of the iris fixture model: no dense path, no grid (4-D inputs), 3 eigenpairs */
const quick = ['--top', '3', '--no-dense', '--json', '--quiet'];

/** The fractions a non-TTY progress printer wrote (`[1.2s] 45% stage …`). */
function printedFractions(stderr: string): number[] {
  return [...stderr.matchAll(/^\[[\d.]+s\] (\d+)% /gm)].map((m) => Number(m[1]));
}

const nondecreasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

describe('data: a CSV is the whole training set', () => {
  it('analyze --data D.csv uses every row for the Hessian; data.split is none and names the file', async () => {
    const rows = (await readFile(fixture('data.csv'), 'utf8')).trim().split('\n').length - 1;
    const { code, stdout } = await cli(['analyze', ...irisModel, '--data', fixture('data.csv'), ...quick]);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.data.n).toEqual({ train: rows, test: 0, val: 0 });
    expect(r.data.split).toBe('none');
    expect(r.data.files).toEqual({ train: fixture('data.csv') });
    expect(r.evaluation.test).toBeNull();
    expect(r.alignment.values[0]).toHaveLength(rows);
  });

  it('--test and --val add held-out files; --split cuts the file, seeded by --seed', async () => {
    const data = fixture('data.csv');
    const held = JSON.parse((await cli(['analyze', ...irisModel, '--data', data, '--test', data, '--val', data, ...quick])).stdout);
    expect(held.data.n).toEqual({ train: 150, test: 150, val: 150 });
    expect(held.data.split).toBe('none');
    expect(held.data.files).toEqual({ train: data, test: data, val: data });
    expect(held.evaluation.test).toEqual(held.evaluation.train);

    const cut = JSON.parse((await cli(['analyze', ...irisModel, '--data', data, '--split', '0.5,0.2,0.3', '--seed', '1', ...quick])).stdout);
    expect(cut.data.n).toEqual({ train: 75, test: 30, val: 45 });
    expect(cut.data.split).toEqual({ train: 0.5, test: 0.2, val: 0.3, seed: 1 });
    const again = JSON.parse((await cli(['analyze', ...irisModel, '--data', data, '--split', '0.5,0.2,0.3', '--seed', '1', ...quick])).stdout);
    expect(again.alignment.values).toEqual(cut.alignment.values);
    const other = JSON.parse((await cli(['analyze', ...irisModel, '--data', data, '--split', '0.5,0.2,0.3', '--seed', '2', ...quick])).stdout);
    expect(other.alignment.values).not.toEqual(cut.alignment.values);
  });

  it('refuses --split with --test, and the three with a named set (exit 2, one line)', async () => {
    const data = fixture('data.csv');
    for (const args of [
      ['analyze', '--data', data, '--split', '0.5,0.5', '--test', data],
      ['analyze', '--data', 'moons', '--split', '0.5,0.5'],
      ['train', '--data', 'gauss', '--test', data],
      ['analyze', '--data', data, '--split', '0.5'],
    ]) {
      const { code, stderr } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('train reports the training accuracy and the data it used', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-train-'));
    const model = join(dir, 'm.safetensors');
    const { code, stdout } = await cli(['train', '--data', fixture('data.csv'), '--hidden', '8', '--epochs', '5', '--save', model, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^accuracy {3}train \d/m);
    expect(stdout).toMatch(/150 train — the training set given whole/);
    expect(stdout).toMatch(new RegExp(`saved {6}model ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const json = JSON.parse((await cli(['train', '--data', fixture('data.csv'), '--hidden', '8', '--epochs', '5', '--json', '--quiet'])).stdout);
    expect(json.evaluation.train.n).toBe(150);
    expect(json.data.split).toBe('none');
  });
});

/** `analyze --data moons --hidden 8 --optimizer adam --lr 0.05 --epochs 100 --seed 0 --grid 0` without --json. */
const GOLDEN = `model      2-8-2 relu, p = 42, ‖θ‖ = 11.40: trained here (adam, lr 0.05, batch 64, 100 epochs, seed 0)
data       moons: 100 train, 40 test, 60 val — split 100/40/60 with seed 0
accuracy   train 1 (loss 0.01123), test 1 (loss 0.02651), val 1 (loss 0.009031)
top-10 λ   0.7964, 0.4018, 0.08248, 0.05636, 0.03164, 0.01529, 0.006730, 0.004506, 0.002971, 0.002389 (all 10 converged)
outliers   2 above the bulk (λ > 0.2421); all 42 eigenvalues in the JSON (dense path)
G          all p = 42: 0.1429 (6 of 42 above ε = 0.09979); top-10: 0.6000 (6 of 10 above ε = 0.09979)
           share of Hessian eigenvectors the training gradients align with (mean |cos|) more than random directions do (ε); lower = simpler boundary (the paper's reading)
margin     0.2268 (distance from the boundary point x_b to the nearer extreme training point along v_1; search NOT converged: approximate)
curvature  λ_max 0.7964 (power iteration), trace 1.404 ± 0.002267 (Hutch++), Jacobian norm 13.87 (mean ‖∂f/∂x‖_F)
warnings   3, printed on stderr above and kept in the JSON's warnings: do not trust the flagged numbers as printed
output     --json prints the whole analysis, --out R.json saves it, --report R.html draws it
`;

describe('summaries', () => {
  const golden = ['analyze', '--data', 'moons', '--hidden', '8', '--optimizer', 'adam', '--lr', '0.05', '--epochs', '100', '--seed', '0', '--grid', '0'];

  it('analyze prints a short summary (golden, fixed seed), its warnings on stderr and in the JSON, and progress that never goes back', async () => {
    const { code, stdout, stderr } = await cli(golden);
    expect(code).toBe(0);
    expect(stdout).toBe(GOLDEN);
    expect(stdout.trim().split('\n').length).toBeLessThanOrEqual(25);
    // every warning is one stderr line, and the JSON keeps the same sentences
    const warned = [...stderr.matchAll(/^hessian-lens: warning: (.*)$/gm)].map((m) => m[1]);
    const json = JSON.parse((await cli([...golden, '--json', '--quiet'])).stdout);
    expect(warned).toEqual(json.warnings);
    expect(json.warnings.some((w: string) => /^G over top-k = 10 = 0\.600: \d+ of its 10 statistics m_i lie within 3 standard errors of ε/.test(w))).toBe(true);
    expect(json.warnings.some((w: string) => /^margin: the boundary search did not converge/.test(w))).toBe(json.margin.converged === false);
    // one overall fraction, stage named, never decreasing, ending at 100%
    const fractions = printedFractions(stderr);
    expect(fractions.length).toBeGreaterThan(5);
    expect(nondecreasing(fractions)).toBe(true);
    expect(fractions.at(-1)).toBe(100);
    expect(stderr).toMatch(/^\[[\d.]+s\] \d+% lanczos: /m);
  });

  it('--verbose adds the long form; no string is cut', async () => {
    const { stdout } = await cli([...golden, '--verbose', '--quiet']);
    expect(stdout.startsWith(GOLDEN)).toBe(true);
    expect(stdout.length).toBeGreaterThan(2 * GOLDEN.length);
    expect(stdout).toMatch(/^ +rule: .{100,}$/m); // the outlier rule, whole
    expect(stdout).not.toMatch(/…$/m);
  });

  it('report prints where it wrote the page (no stray schema line)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-report-'));
    const out = join(dir, 'r.json');
    expect((await cli(['analyze', ...irisModel, '--data', fixture('data.csv'), ...quick, '--out', out])).code).toBe(0);
    const { code, stdout } = await cli(['report', out]);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${join(dir, 'r.html')}\n`);
  });
});

describe('warnings', () => {
  it('Lanczos pairs that did not converge', async () => {
    const { code, stdout, stderr } = await cli(['analyze', ...irisModel, '--data', fixture('data.csv'), '--top', '3', '--tol', '1e-13', '--no-dense', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.spectrum.converged).toContain(false);
    expect(r.warnings[0]).toMatch(/^Lanczos: \d of 3 eigenpairs did not converge \(λ1 residual/);
    expect(stderr).toContain(`hessian-lens: warning: ${r.warnings[0]}`);
  });

  it('a class with no samples: labels that look 1-based say so and how to fix them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-labels-'));
    const text = await readFile(fixture('data.csv'), 'utf8');
    const [head, ...rows] = text.trim().split('\n');
    const shifted = join(dir, 'one-based.csv');
    await writeFile(shifted, [head, ...rows.map((r) => r.replace(/(\d+)$/, (l) => String(Number(l) + 1)))].join('\n'));
    const { code, stdout, stderr } = await cli(['train', '--data', shifted, '--hidden', '4', '--epochs', '2', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.model.sizes).toEqual([4, 4, 4]);
    expect(r.warnings).toEqual([expect.stringMatching(/^class 0 has no training samples while the labels run 1\.\.3: the labels look 1-based.*subtract 1 from every label/)]);
    expect(stderr).toContain('hessian-lens: warning: class 0 has no training samples');
  });

  it('a long dense path is announced with its predicted time before it starts; --no-dense skips it', async () => {
    const controller = new AbortController();
    const args = ['analyze', '--data', 'gauss', '--epochs', '1', '--top', '2', '--grid', '0'];
    const { code, stderr } = await cli(args, controller.signal, (s) => {
      if (s.includes('warning: the dense path')) controller.abort(new Error('seen the warning'));
    });
    expect(code).toBe(1); // aborted at the warning, not after minutes of dense path
    expect(stderr).toMatch(/warning: the dense path \(all p = 10,703 eigenvalues, G over every eigenvector\) will take ≈ 2 min 20 s \(measured 140 s at p = 10,703 on 2 cores, scaled as p³\).*\(CLI --no-dense\) skips it/);
    const skipped = await cli([...args, '--no-dense', '--json']);
    expect(skipped.code).toBe(0);
    const r = JSON.parse(skipped.stdout);
    expect(r.generalization.all).toBeNull();
    expect(r.spectrum.dense).toBeNull();
    expect(r.warnings.join('\n')).not.toMatch(/dense path/);
    expect(skipped.stderr).not.toMatch(/dense path/);

    // spectrum --dense on the same model says so too, before the dense path starts
    const dir = await mkdtemp(join(tmpdir(), 'hl-dense-'));
    const model = join(dir, 'm.safetensors');
    const data = join(dir, 'd.csv');
    expect((await cli(['train', '--data', 'gauss', '--epochs', '1', '--save', model, '--save-data', data, '--quiet'])).code).toBe(0);
    const stop = new AbortController();
    const spectrum = await cli(['spectrum', '--model', model, '--data', data, '--top', '2', '--dense'], stop.signal, (s) => {
      if (s.includes('warning: the dense path')) stop.abort(new Error('seen the warning'));
    });
    expect(spectrum.code).toBe(1);
    expect(spectrum.stderr).toMatch(/^hessian-lens: warning: the dense path \(all p = 10,703 eigenvalues\) will take ≈ 2 min 20 s/m);
  });
});

describe('--no-X flags', () => {
  it('--no-dense is --dense=false; it takes no value and cannot be given with --dense; help shows --[no-]dense', async () => {
    for (const args of [['analyze', '--no-dense=1'], ['analyze', '--dense', '--no-dense'], ['analyze', '--no-bogus']]) {
      const { code, stderr } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await cli(['analyze', '--help'])).stdout).toMatch(/--\[no-\]dense .*--no-dense skips it/);
    const a = JSON.parse((await cli(['analyze', ...irisModel, '--data', fixture('data.csv'), '--top', '2', '--dense=false', '--json', '--quiet'])).stdout);
    const b = JSON.parse((await cli(['analyze', ...irisModel, '--data', fixture('data.csv'), '--top', '2', '--no-dense', '--json', '--quiet'])).stdout);
    expect(b.spectrum).toEqual(a.spectrum);
    expect(b.generalization.all).toBeNull();
  });
});

describe('hvp vectors', () => {
  const base = ['hvp', ...irisModel, '--data', fixture('data.csv')];

  it('--vector random:0 is a seeded unit Gaussian vector; the JSON carries v, H·v and vᵀHv', async () => {
    const { code, stdout } = await cli([...base, '--vector', 'random:0', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(Object.keys(r)).toEqual(['vector', 'rayleigh', 'v', 'hv']);
    expect(r.v).toHaveLength(131);
    expect(r.vector.norm).toBeCloseTo(1, 12);
    const vhv = r.v.reduce((s: number, x: number, i: number) => s + x * r.hv[i], 0);
    expect(r.rayleigh).toBeCloseTo(vhv, 12);
    expect(JSON.parse((await cli([...base, '--vector', 'random:0', '--json'])).stdout).hv).toEqual(r.hv);
    expect(JSON.parse((await cli([...base, '--vector', 'random:1', '--json'])).stdout).v).not.toEqual(r.v);
    expect((await cli([...base, '--vector', 'random:x'])).code).toBe(2);
    expect((await cli(base)).code).toBe(2);
  });

  it('--eigenvector K reads row K of spectrum --save-eigenvectors; vᵀHv is its eigenvalue (PyTorch reference)', async () => {
    const { ref } = await loadFixture(IRIS);
    const dir = await mkdtemp(join(tmpdir(), 'hl-hvp-'));
    const file = join(dir, 'E.safetensors');
    expect((await cli(['spectrum', ...irisModel, '--data', fixture('data.csv'), '--top', '2', '--save-eigenvectors', file, '--quiet'])).code).toBe(0);
    const r = JSON.parse((await cli([...base, '--eigenvector', '2', '--eigenvectors', file, '--json'])).stdout);
    expect(r.vector.source).toBe(`eigenvector 2 of 2 in ${file}`);
    expect(Math.abs(r.rayleigh - ref.hessian_eigenvalues_desc[1]!)).toBeLessThan(1e-4 * ref.hessian_eigenvalues_desc[0]!);
    const missing = await cli([...base, '--eigenvector', '3', '--eigenvectors', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/holds 2 eigenvectors/);
    expect((await cli([...base, '--eigenvector', '1'])).code).toBe(2);
  });
});

describe('compare', () => {
  it('prints a table, one row per minimum, and says why a ρ is undefined', async () => {
    const { code, stdout } = await cli(['compare', '--presets', 'gauss-normal', '--seeds', '0,0,0', '--budget', '0.0005', '--top', '2', '--no-dense', '--quiet']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run +test acc +train acc +G \(top-k\) +margin +λ_max +trace +outliers$/);
    expect(lines.slice(1, 4).every((l) => l.startsWith('gauss-normal seed 0 '))).toBe(true);
    // three runs of one seed: every test accuracy ties, so no ρ is defined
    expect(stdout).toMatch(/Spearman ρ against test accuracy: G n\/a: all test accuracies equal; margin n\/a: all test accuracies equal;/);
    expect(stdout).not.toMatch(/entries; see --json/);
  });
});

describe('progress', () => {
  it('analyze and compare report one overall fraction that never decreases and ends at 1', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      const model = loadMlp(new Uint8Array(await readFile(fixture('model.safetensors', 'moons_2-16-16-2_tanh'))));
      const train = parseCsv(await readFile(fixture('data.csv', 'moons_2-16-16-2_tanh'), 'utf8'));
      const seen: { stage: string; overall: number }[] = [];
      await analyze(engine, { model, data: { train }, top: 3, gridRes: 6, onProgress: (p) => seen.push({ stage: p.stage, overall: p.overall }) });
      expect(nondecreasing(seen.map((s) => s.overall))).toBe(true);
      expect(seen.at(-1)).toEqual({ stage: 'done', overall: 1 });
      expect(new Set(seen.map((s) => s.stage))).toEqual(new Set(['evaluate', 'lanczos', 'power', 'trace', 'density', 'dense', 'alignment', 'margin', 'jacobian', 'grid', 'done']));
      const runs: number[] = [];
      await compare(engine, [0, 1].map((seed) => ({ data: 'moons', hidden: [4], epochs: 5, seed, top: 2, gridRes: 0 })), { onProgress: (p) => runs.push(p.overall) });
      expect(nondecreasing(runs)).toBe(true);
      expect(runs.at(-1)).toBe(1);
      expect(runs.some((f) => f > 0.4 && f < 0.6)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('the spectrum command prints one fraction that never decreases', async () => {
    const { code, stderr } = await cli(['spectrum', ...irisModel, '--data', fixture('data.csv'), '--top', '3', '--density', '--dense']);
    expect(code).toBe(0);
    const fractions = printedFractions(stderr);
    expect(fractions.length).toBeGreaterThan(3);
    expect(nondecreasing(fractions)).toBe(true);
  });
});
