/**
 * The researcher-facing CLI commands end to end on quick budgets: analyze (JSON and HTML report),
 * train --save (a safetensors file that loads back to the same parameters and evaluates), report
 * from a saved result, compare with Spearman correlations, and --threads.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { formatCsv } from '../../src/io/csv.js';
import { loadPaperData } from '../../src/data/paper.js';
import { PRESETS, presetData } from '../../src/train/recipes.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('analyze, train, report, compare', () => {
  it('analyze --json on the built-in default (reduced budget) gives the versioned report; --report writes HTML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-analyze-'));
    const html = join(dir, 'r.html');
    const out = join(dir, 'r.json');
    const { code, stdout, stderr } = await cli(['analyze', '--budget', '0.05', '--dense=false', '--json', '--out', out, '--report', html, '--threads', '2']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/lanczos/); // plain progress lines (not a TTY)
    const r = JSON.parse(stdout);
    expect(r.schema).toBe('hessian-lens/analysis@1');
    for (const key of ['data', 'model', 'training', 'evaluation', 'spectrum', 'alignment', 'generalization', 'margin', 'jacobianNorm', 'tracking']) expect(r).toHaveProperty(key);
    expect(Object.keys(r.alignment)).toEqual(expect.arrayContaining(['meanAbs', 'maxAbs', 'epsilon']));
    expect(Object.keys(r.generalization.topK)).toEqual(expect.arrayContaining(['G', 'variant', 'epsilon', 'over']));
    expect(r.model.sizes).toEqual([2, 100, 100, 3]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(r);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/<script type="application\/json" id="hessian-lens-result">/);
    const again = await cli(['report', out, '--html', join(dir, 'again.html')]);
    expect(again.code).toBe(0);
    expect((await readFile(join(dir, 'again.html'), 'utf8')).length).toBeGreaterThan(1000);
  });

  it('train --save writes a model that loads back and evaluates like the training run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-train-'));
    const model = join(dir, 'm.safetensors');
    const data = join(dir, 'd.csv');
    const { code, stdout } = await cli(['train', '--data', 'moons', '--hidden', '16,16', '--activation', 'tanh', '--optimizer', 'adam', '--lr', '0.01', '--epochs', '50', '--save', model, '--save-data', data, '--json', '--quiet']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).model.sizes).toEqual([2, 16, 16, 2]);
    const loaded = loadMlp(new Uint8Array(await readFile(model)));
    expect(loaded.spec.sizes).toEqual([2, 16, 16, 2]);
    expect(loaded.spec.activation).toBe('tanh');
    expect(loaded.metadata.activation).toBe('tanh');
    const ev = await cli(['evaluate', '--model', model, '--data', data, '--json']);
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout).accuracy).toBeGreaterThan(0.8);
  });

  it('compare ranks G, margin, λ_max, trace, outliers against test accuracy', async () => {
    const { code, stdout } = await cli(['compare', '--presets', 'gauss-normal', '--seeds', '0,1,2', '--budget', '0.02', '--top', '3', '--dense=false', '--json', '--quiet']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.schema).toBe('hessian-lens/compare@1');
    expect(r.rows).toHaveLength(3);
    expect(Object.keys(r.spearman).sort()).toEqual(['G', 'lambdaMax', 'margin', 'outliers', 'trace']);
    // seed statistics: the three seeds of one preset form one group, each quantity as median and range
    expect(r.gOver).toBe('top-k');
    expect(r.rows.map((row: { G: number; GTopK: number }) => row.G)).toEqual(r.rows.map((row: { GTopK: number }) => row.GTopK));
    expect(r.groups).toHaveLength(1);
    const g = r.groups[0];
    expect([g.label, g.runs, g.seeds, g.dataSeeds]).toEqual(['gauss-normal', [0, 1, 2], [0, 1, 2], [null]]);
    const lambda1 = r.reports.map((a: { spectrum: { eigenvalues: number[] } }) => a.spectrum.eigenvalues[0]).sort((a: number, b: number) => a - b);
    expect(g.eigenvalues[0]).toEqual({ median: lambda1[1], min: lambda1[0], max: lambda1[2], n: 3 });
    expect(g.stats.G.n).toBe(3);
  });

  it('compare --data-seeds runs every preset on every draw with every seed, one group per preset', async () => {
    const { code, stdout } = await cli(['compare', '--presets', 'gauss-normal', '--seeds', '0,1', '--data-seeds', '3,4', '--budget', '0.001', '--top', '2', '--dense=false', '--json', '--quiet']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.rows.map((row: { seed: number; dataSeed: number }) => [row.seed, row.dataSeed])).toEqual([[0, 3], [1, 3], [0, 4], [1, 4]]);
    expect(r.reports.map((a: { settings: { dataSeed: number } }) => a.settings.dataSeed)).toEqual([3, 3, 4, 4]);
    expect(r.groups).toHaveLength(1);
    expect([r.groups[0].seeds, r.groups[0].dataSeeds, r.groups[0].stats.testAccuracy.n]).toEqual([[0, 1], [3, 4], 4]);
    const both = await cli(['compare', '--data-seed', '3', '--data-seeds', '3,4', '--quiet']);
    expect(both.code).toBe(2);
  });

  it('presets train on the paper\'s points; --data-seed draws afresh (train, analyze, compare), and needs --preset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-data-seed-'));
    const csv = async (args: string[]): Promise<string> => {
      const file = join(dir, `${args.join('_').replace(/\W/g, '')}.csv`);
      const { code } = await cli(['train', '--preset', 'gauss-normal', '--budget', '0.0005', '--save-data', file, '--json', '--quiet', ...args]);
      expect(code).toBe(0);
      return readFile(file, 'utf8');
    };
    const gauss = PRESETS['gauss-normal'].data;
    expect(await csv([])).toBe(formatCsv(loadPaperData('gauss').train));
    expect(await csv(['--data-seed', '7'])).toBe(formatCsv(presetData(gauss, { dataSeed: 7 }).train));
    const a = await cli(['analyze', '--preset', 'gauss-normal', '--data-seed', '7', '--budget', '0.001', '--top', '2', '--dense=false', '--json', '--quiet']);
    expect(a.code).toBe(0);
    const r = JSON.parse(a.stdout);
    expect([r.settings.dataSeed, r.data.name, r.model.source]).toEqual([7, 'gauss-normal, data seed 7 (150 train)', 'preset gauss-normal, budget 0.001, seed 0, data seed 7']);
    const c = await cli(['compare', '--presets', 'gauss-normal', '--seeds', '0', '--data-seed', '7', '--budget', '0.001', '--top', '2', '--dense=false', '--json', '--quiet']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).reports[0].settings.dataSeed).toBe(7);
    const bare = await cli(['train', '--data', 'gauss', '--data-seed', '7', '--epochs', '1', '--quiet']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--data-seed .*needs --preset/);
  });

  it('compare --study data runs the sweep and prints each claim with its verdict; analyze --per-layer --decompose --target-loss', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-study-'));
    const out = join(dir, 'study.json');
    const { code, stdout } = await cli(['compare', '--study', 'data', '--budget', '0.01', '--seeds', '0', '--out', out, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^study +Data sweep: the classes and the separability set the outliers \(Sagun et al\. 2017.*budget 0\.01, seeds 0\)$/m);
    expect(stdout).toMatch(/^(holds|fails|n\/a) +More classes give more outliers\. Spearman ρ\(K, outliers\) = /m);
    const r = JSON.parse(await readFile(out, 'utf8'));
    expect(r.schema).toBe('hessian-lens/compare@1');
    expect(r.study.levels).toHaveLength(7);
    expect(r.study.findings.map((f: { id: string }) => f.id)).toEqual(['outliers-follow-classes', 'outliers-vs-classes', 'gap-after-classes', 'separability']);
    for (const f of r.study.findings) expect(stdout).toContain(`${f.holds === null ? 'n/a  ' : f.holds ? 'holds' : 'fails'}      ${f.claim} ${f.evidence}`);
    const mixed = await cli(['compare', '--study', 'width', '--presets', 'gauss-normal', '--quiet']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--study width makes its own runs .*--presets does not apply/);
    const unknown = await cli(['compare', '--study', 'depth', '--quiet']);
    expect(unknown.code).toBe(2);
    const a = await cli(['analyze', '--data', 'moons', '--hidden', '6,6', '--epochs', '200', '--lr', '0.1', '--target-loss', '0.4', '--per-layer', '--decompose',
      '--top', '3', '--dense=false', '--grid', '0', '--json', '--quiet']);
    expect(a.code).toBe(0);
    const ar = JSON.parse(a.stdout);
    expect(ar.settings.targetLoss).toBe(0.4);
    expect(ar.training[0].record.epochs).toBeLessThan(200);
    expect(ar.layers.blocks.map((b: { block: string }) => b.block)).toEqual(['layer:0', 'layer:1', 'layer:2']);
    expect(ar.decomposition.shares).toHaveLength(3);
  });

  it('report rejects a file that is not a result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-report-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'x.json'), '{"schema":"nope"}');
    const { code, stderr } = await cli(['report', join(dir, 'x.json')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/x\.json: schema is "nope"/);
  });

  it('--cache-mb 0 (activations recomputed per Hv) gives the same spectrum bits as the default cache', async () => {
    const args = ['spectrum', '--model', 'test/fixtures/moons_2-16-16-2_tanh/model.safetensors', '--data', 'test/fixtures/moons_2-16-16-2_tanh/data.csv', '--top', '3', '--json'];
    const cached = await cli(args);
    const streamed = await cli([...args, '--cache-mb', '0']);
    expect(cached.code).toBe(0);
    expect(streamed.code).toBe(0);
    const a = JSON.parse(cached.stdout);
    const b = JSON.parse(streamed.stdout);
    expect(b.eigenvalues).toEqual(a.eigenvalues);
    expect(b.eigenvalues.length).toBe(3);
    expect((await cli([...args, '--cache-mb', '-1'])).code).toBe(2);
  });
});
