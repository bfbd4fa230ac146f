/**
 * `hessian-lens reproduce` end to end at a tiny budget (0.002 of the paper's epochs, one seed, an
 * 8×8 grid, top 4, no dense path): the JSON and the page hold every experiment and every claim
 * row, the page asks for nothing from the network, `report` renders the saved JSON again, and a
 * result whose text fields are hostile markup renders escaped or is refused with a typed error.
 * Why the reference is independent: the expected experiments and claims are the lists of the issue
 * (written out here, not read from the module), and the page is searched as text.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { HessianLensError } from '../../src/errors.js';
import { renderReproductionPage } from '../../src/report/reproduction.js';
import type { ReproductionReport } from '../../src/analysis/reproduce.js';

const EXPERIMENTS = ['gauss-normal', 'gauss-adversarial', 'gauss-large-norm', 'checkerboard-linear', 'checkerboard-wide-margin', 'iris', 'hierarchical-normal', 'hierarchical-merged'];
const CLAIMS = ['adversarial-G', 'adversarial-test-accuracy', 'wide-margin-margin', 'wide-margin-test-accuracy', 'outliers-hierarchical', 'outliers-adversarial', 'boundary-alignment'];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** Every value of attribute `attr` in the page. */
function attrs(html: string, attr: string): string[] {
  return [...html.matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

function outsideJson(html: string): string {
  return html.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/, '');
}

let dir: string;
let result: ReproductionReport;
let page: string;
let run: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hl-reproduce-'));
  run = await cli(['reproduce', '--budget', '0.002', '--seeds', '0', '--top', '4', '--grid', '8', '--dense=false', '--threads', '2',
    '--report', join(dir, 'r.html'), '--out', join(dir, 'r.json')]);
  result = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
  page = await readFile(join(dir, 'r.html'), 'utf8');
}, 120_000);

describe('hessian-lens reproduce (tiny budget)', () => {
  it('writes a JSON with every experiment, every claim, and the runs\' full analyses', () => {
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/8\/8 /); // progress names the run among all runs
    expect(run.stdout).toMatch(/^8 experiments × 1 seed\(s\), budget 0.002/);
    expect(result.schema).toBe('hessian-lens/reproduction@1');
    expect(result.experiments.map((e) => e.id)).toEqual(EXPERIMENTS);
    expect(result.claims.map((c) => c.id)).toEqual(CLAIMS);
    expect(result.reports).toHaveLength(8);
    for (const e of result.experiments) {
      expect(e.runs).toHaveLength(1);
      expect(e.gOver).toBe('top-k'); // dense path off
      expect(e.runs[0]!.GAll).toBeNull();
      expect(e.eigenvalues).toHaveLength(4);
      expect(e.stats.testAccuracy.n).toBe(1);
      expect(result.reports[e.runs[0]!.report]!.settings.preset).toBe(e.id);
    }
    const normal = result.experiments[0]!;
    expect(normal.paper).toEqual({ eigenvalues: [0.154, 0.023, 0.009, 0.006, 0.005, 0.002, 0.002], outliers: 2 });
    expect(result.experiments.map((e) => e.paper.outliers)).toEqual([2, 3, 1, null, null, null, null, null]);
    for (const c of result.claims) {
      expect(['holds', 'fails', 'n/a']).toContain(c.verdict);
      expect(c.of).toBe(1);
      expect(c.agree).toBe(c.verdict === 'holds' ? 1 : 0);
    }
    expect(result.settings).toMatchObject({ budget: 0.002, seeds: [0], dataSeeds: null, top: 4, dense: false, gridRes: 8 });
  });

  it('the page has a row for every experiment and every claim, the paper\'s values, and makes no request', () => {
    const html = outsideJson(page);
    const rows = [...html.matchAll(/<tr id="experiment-\d+" data-experiment="([^"]*)"/g)].map((m) => m[1]);
    expect(rows).toEqual(EXPERIMENTS);
    expect([...html.matchAll(/<section id="exp-\d+" data-experiment="([^"]*)"/g)].map((m) => m[1])).toEqual(EXPERIMENTS);
    expect([...html.matchAll(/<tr id="claim-\d+" data-claim="([^"]*)"/g)].map((m) => m[1])).toEqual(CLAIMS);
    expect(html.match(/class="verdict (holds|fails)"/g)?.length ?? 0).toBe(result.claims.filter((c) => c.verdict !== 'n/a').length);
    expect(html).toContain('<td class="num">0.154</td>');
    expect(html).toMatch(/id="table-eigenvalues"/);
    // no request: nothing but in-page anchors and data: URLs
    expect(attrs(html, 'src').filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(attrs(html, 'href').filter((u) => !u.startsWith('#') && !u.startsWith('data:'))).toEqual([]);
    expect(page).toContain("default-src 'none'");
  });

  it('report renders the saved JSON again (same bytes)', async () => {
    const again = await cli(['report', join(dir, 'r.json'), '--html', join(dir, 'again.html'), '--quiet']);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'again.html'), 'utf8')).toBe(page);
  });

  it('hostile text fields render escaped, or are refused with a typed error', () => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    const replaceStrings = (v: unknown, key = ''): unknown => {
      if (typeof v === 'string') return key === 'schema' ? v : payload;
      if (Array.isArray(v)) return v.map((x) => replaceStrings(x));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceStrings(x, k)]));
      return v;
    };
    const html = renderReproductionPage(replaceStrings(result) as ReproductionReport);
    expect(outsideJson(html)).not.toMatch(/<img|onerror="window/);
    // numbers where strings belong, strings where numbers belong: refused by the check, typed
    for (const bad of [
      { ...result, claims: [{ ...result.claims[0]!, agree: payload }] },
      { ...result, experiments: [{ ...result.experiments[0]!, stats: { ...result.experiments[0]!.stats, G: { median: payload, min: 0, max: 0, n: 1 } } }] },
      { ...result, experiments: [{ ...result.experiments[0]!, runs: [{ ...result.experiments[0]!.runs[0]!, report: 99 }] }] },
    ]) {
      expect(() => renderReproductionPage(bad as unknown as ReproductionReport)).toThrow(HessianLensError);
    }
  });
});
