/**
 * The reproduction page (src/report/reproduction.ts) of a small hand-made result: one claim, one
 * experiment with the paper's figure values, no runs. Checked by searching the page as text: a
 * row for the claim and the experiment with their verdict and values, every text field escaped,
 * the claims count in the subtitle, the page's policy that allows no request; anything but a
 * reproduction is refused with a typed error. The full page of a real (tiny) reproduction:
 * test/integration/reproduce.node.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ReproductionReport } from '../../src/analysis/reproduce.js';
import { InputError } from '../../src/errors.js';
import { renderReproductionPage } from '../../src/report/reproduction.js';

const stat = (median: number | null, n: number) => ({ median, min: median, max: median, n });
const QUANTITIES = ['outliers', 'G', 'GTopK', 'GAll', 'epsilon', 'margin', 'boundaryAlignment', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds'];

const RESULT = {
  schema: 'hessian-lens/reproduction@1',
  settings: { budget: 0.002, seeds: [0, 1], dataSeeds: null, top: 4, gridRes: 8, density: true, margin: true, statistic: 'meanAbs', precision: 'f32', kernelBuild: 'simd128', boundaryAlignmentFactor: 10 },
  seconds: 12.5,
  experiments: [{
    id: 'gauss-normal', description: 'the <b>normal</b> recipe', parameters: 10703, sizes: [2, 100, 100, 3], gOver: 'top-k',
    paper: { eigenvalues: [0.154, 0.023], outliers: 2 }, runs: [],
    stats: Object.fromEntries(QUANTITIES.map((q) => [q, stat(null, 0)])),
    eigenvalues: [{ median: 0.15, min: 0.11, max: 0.6, n: 2 }],
  }],
  claims: [{
    id: 'adversarial-G', statement: 'G is larger <script>alert(1)</script>', check: 'medians', verdict: 'holds',
    numbers: [{ label: 'G (top-k)', stat: { median: 0.6, min: 0.1, max: 0.7, n: 2 } }], agree: 1, of: 2,
  }],
  reports: [],
} as unknown as ReproductionReport;

describe('renderReproductionPage', () => {
  it('has a row for the claim and the experiment, the paper\'s values, every text escaped, and makes no request', () => {
    const html = renderReproductionPage(RESULT);
    const page = html.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/, '');
    expect(page).toContain('<tr id="claim-1" data-claim="adversarial-G"><td class="verdict holds" title="holds on the medians">✔</td>');
    expect(page).toContain('G is larger &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('<td class="num">1 / 2</td>');
    expect(page).toContain('<tr id="experiment-1" data-experiment="gauss-normal">');
    expect(page).toContain('<tr id="paper-eigenvalues-1" class="paper">');
    expect(page).toContain('<section id="exp-1" data-experiment="gauss-normal">');
    expect(page).toContain('the &lt;b&gt;normal&lt;/b&gt; recipe');
    expect(page).toContain('1 of 1 claims hold');
    expect(html).toContain("default-src 'none'");
  });

  it('refuses anything but a reproduction, and a malformed one, with an InputError', () => {
    expect(() => renderReproductionPage({ schema: 'hessian-lens/analysis@1' } as unknown as ReproductionReport)).toThrow(
      new InputError("renderReproductionPage: expected a 'hessian-lens/reproduction@1' result, got schema 'hessian-lens/analysis@1'"),
    );
    expect(() => renderReproductionPage({ ...RESULT, seconds: 'soon' } as unknown as ReproductionReport)).toThrow(new InputError('report: seconds must be a number, got a string ("soon")'));
  });
});
