/**
 * The HTML report (src/report/html.ts) as a reader gets it: reports of real analyses (the gauss
 * preset, Iris, a three-minimum comparison) are written to test/artifacts/ and opened from
 * file:// in Debian's Chromium (and one with the per-layer spectra and the outlier decomposition).
 * Checked: no console errors or page errors, no request but the file itself, every figure of issue 6 present by id and drawn (heat-map PNGs decode at the grid
 * size, the density has one red line per outlier), the tables for Iris, and the embedded JSON
 * equal to the result. The reference is independent of the renderer: the expected numbers and
 * counts are read from the AnalysisReport/CompareReport records, not from the HTML.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { analyze, compare, createEngine, InputError, type AnalysisReport, type CompareReport, type Engine } from '../../src/index.js';
import { renderHtmlReport, RESULT_ELEMENT_ID, type HtmlReportOptions } from '../../src/report/html.js';
import { browserAvailable, launchChromium, repoRoot } from '../helpers/chromium.js';
import { layeredAnalysis } from './records.js';

const artifacts = join(repoRoot, 'test/artifacts');

let engine: Engine;
let gauss: AnalysisReport;
let iris: AnalysisReport;
let cmp: CompareReport;
let layered: AnalysisReport;

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  gauss = await analyze(engine, { preset: 'gauss-normal', budget: 0.02, dense: false });
  iris = await analyze(engine, { preset: 'iris', budget: 0.1 });
  cmp = await compare(engine, [
    { label: 'gauss 16-16 seed 0 </script>', budget: 0.03, hidden: [16, 16], seed: 0, gridRes: 40, top: 6 },
    { label: 'gauss 16-16 seed 1', budget: 0.03, hidden: [16, 16], seed: 1, gridRes: 40, top: 6 },
    { label: 'gauss 8 tanh seed 2', budget: 0.02, hidden: [8], activation: 'tanh', seed: 2, gridRes: 40, top: 6 },
  ]);
  layered = await layeredAnalysis(engine);
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('renderHtmlReport in Node', () => {
  it('has the documented signature', () => {
    expectTypeOf(renderHtmlReport).parameters.toEqualTypeOf<[AnalysisReport | CompareReport, HtmlReportOptions?]>();
    expectTypeOf(renderHtmlReport).returns.toEqualTypeOf<string>();
  });

  it('is deterministic, embeds the JSON safely and accepts parsed JSON', () => {
    const html = renderHtmlReport(gauss);
    expect(renderHtmlReport(JSON.parse(JSON.stringify(gauss)) as AnalysisReport)).toBe(html);
    const c = renderHtmlReport(cmp);
    // the label with </script> must not end the embedded JSON early
    expect(c.match(/<\/script>/g)?.length).toBe(2);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/@import|url\(http/);
  });

  it('keeps a number with its text in captions and headings (no "4." alone on a line)', () => {
    const html = renderHtmlReport(gauss);
    expect(html).toContain('Fig.&nbsp;4.');
    expect(html).not.toMatch(/Fig\. \d/);
    const c = renderHtmlReport(cmp);
    for (let i = 1; i <= cmp.rows.length; i++) {
      expect(c).toContain(`<h3>${i}.&nbsp;`);
      expect(c).toContain(`Full analysis of ${i}.&nbsp;`);
    }
  });

  it('says so when the training accuracy never moves, and not otherwise', () => {
    const flat = structuredClone(gauss) as unknown as { training: { record: { curve: Record<string, number[] | null> } }[] };
    for (const ph of flat.training) {
      const c = ph.record.curve;
      for (const key of ['accuracy', 'fullAccuracy', 'valAccuracy']) if (c[key]) c[key] = c[key]!.map(() => 1);
    }
    const html = renderHtmlReport(flat as unknown as AnalysisReport);
    const fig = html.slice(html.indexOf('<svg id="fig-training-accuracy"'), html.indexOf('</figure>', html.indexOf('<svg id="fig-training-accuracy"')));
    expect(fig).toContain('class="note chart-note">accuracy 1 at every epoch, on every set</text>');
    expect(fig).toContain('<span class="flat-accuracy">1 at every recorded epoch on every set, so the curve is a flat line</span>');
    expect(renderHtmlReport(gauss)).not.toContain('chart-note');
  });

  it('shows the analysis warnings when the result has them, escaped, and refuses a malformed list', () => {
    const withWarnings = { ...gauss, warnings: ['the validation split has 3 points <b>', 'second'] };
    const html = renderHtmlReport(withWarnings as AnalysisReport);
    expect(html).toContain('<section id="warnings" class="warnings"><h2>Warnings</h2><ul><li>the validation split has 3 points &lt;b&gt;</li><li>second</li></ul></section>');
    const { warnings: _, ...without } = gauss as AnalysisReport & { warnings?: unknown };
    expect(renderHtmlReport(without as AnalysisReport)).not.toContain('id="warnings"');
    expect(renderHtmlReport({ ...gauss, warnings: [] } as AnalysisReport)).not.toContain('id="warnings"');
    expect(() => renderHtmlReport({ ...gauss, warnings: 'one' } as unknown as AnalysisReport)).toThrow(InputError);
    expect(() => renderHtmlReport({ ...gauss, warnings: [{}] } as unknown as AnalysisReport)).toThrow(InputError);
  });

  it('rejects results it does not know', () => {
    expect(() => renderHtmlReport({ schema: 'something/else@1' } as unknown as AnalysisReport)).toThrow(InputError);
  });
});

describe.runIf(browserAvailable())('the report in Chromium (file://, offline)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a report file, recording console errors and every request. */
  async function open(name: string, result: AnalysisReport | CompareReport): Promise<{ page: Page; errors: string[]; requests: string[]; url: string }> {
    const file = join(artifacts, name);
    writeFileSync(file, renderHtmlReport(result));
    const url = pathToFileURL(file).href;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests, url };
  }

  const present = (page: Page, ids: readonly string[]): Promise<string[]> =>
    page.evaluate((list) => list.filter((id) => !document.getElementById(id)), [...ids]);

  it('gauss: every plot, no console errors, no requests, embedded JSON', async () => {
    const { page, errors, requests, url } = await open('report-gauss.html', gauss);
    const maps = gauss.grid!.alignment.length;
    const figures = [
      'fig-eigenvalues', 'fig-residuals', 'fig-density', 'fig-class-alignment', 'fig-decision-boundary', 'fig-reconstructed-boundary',
      'fig-margin', 'fig-training-loss', 'fig-training-accuracy', 'fig-alignment-maps', ...Array.from({ length: maps }, (_, i) => `fig-map-${i + 1}`),
    ];
    expect(await present(page, [...figures, 'table-summary', 'table-eigenvalues', 'table-G', 'table-model', 'table-training'])).toEqual([]);
    // every plot is an SVG with a title and labelled axes
    const svgs = await page.evaluate((ids) => ids.filter((id) => id !== 'fig-alignment-maps').map((id) => {
      const el = document.getElementById(id)!;
      return { id, tag: el.tagName, title: el.querySelector('title')?.textContent ?? '', labels: el.querySelectorAll('.axis-label').length, w: el.getBoundingClientRect().width };
    }), figures);
    for (const s of svgs) {
      expect(s.tag, s.id).toBe('svg');
      expect(s.title.length, s.id).toBeGreaterThan(10);
      expect(s.labels, `${s.id} axis labels`).toBeGreaterThanOrEqual(2);
      expect(s.w, s.id).toBeGreaterThan(100);
    }
    // heat maps: PNG data URLs that decode at the grid resolution
    const sizes = await page.evaluate(async () => Promise.all([...document.querySelectorAll('svg image')].map(async (img) => {
      const im = new Image();
      im.src = img.getAttribute('href')!;
      await im.decode();
      return [im.naturalWidth, im.naturalHeight];
    })));
    expect(sizes.length).toBe(maps + 3); // A_i maps, class map, reconstruction, margin
    for (const s of sizes) expect(s).toEqual([gauss.grid!.res, gauss.grid!.res]);
    // the spectrum: one red line per outlier, one rug tick per eigenvalue, one bar per eigenvalue
    const k = gauss.spectrum.eigenvalues.length;
    const d = await page.evaluate(() => ({
      outlierLines: document.querySelectorAll('#fig-density line.outlier').length,
      rug: document.querySelectorAll('#fig-density line.rug').length,
      bars: document.querySelectorAll('#fig-eigenvalues rect.bar').length,
      redBars: document.querySelectorAll('#fig-eigenvalues rect.bar.outlier').length,
      cells: document.querySelectorAll('#fig-class-alignment rect[fill^="rgb"]').length,
      boundary: document.querySelector('#fig-map-1 path.boundary')?.getAttribute('d')?.length ?? 0,
      points: document.querySelectorAll('#fig-map-1 g.points > *').length,
      marginSegment: document.querySelectorAll('#fig-margin line.margin-segment').length,
      otherDistance: document.querySelectorAll('#fig-margin line.other-distance').length,
    }));
    expect(d.outlierLines).toBe(gauss.spectrum.outliers.count);
    expect(d.rug).toBe(k);
    expect(d.redBars).toBe(gauss.spectrum.outliers.count);
    expect(d.bars).toBe(k);
    expect(d.cells).toBe(k * gauss.data.classes);
    expect(d.boundary).toBeGreaterThan(100);
    expect(d.points).toBe(gauss.data.n.train);
    expect([d.marginSegment, d.otherDistance]).toEqual([1, 1]);
    // numbers shown at full precision match the record
    const shown = await page.evaluate(() => [...document.querySelectorAll('#table-summary td[data-value]')].map((td) => Number(td.getAttribute('data-value'))));
    expect(shown).toContain(gauss.spectrum.lambdaMax.value);
    expect(shown).toContain(gauss.generalization.topK.G);
    expect(shown).toContain(gauss.margin!.margin);
    expect(shown).toContain(gauss.jacobianNorm.mean);
    const embedded = await page.evaluate((id) => JSON.parse(document.getElementById(id)!.textContent!), RESULT_ELEMENT_ID);
    expect(embedded).toEqual(JSON.parse(JSON.stringify(gauss)));
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: false });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('iris (4-D): the tables and the non-map plots, no maps', async () => {
    const { page, errors, requests, url } = await open('report-iris.html', iris);
    expect(await present(page, [
      'table-summary', 'table-eigenvalues', 'table-G', 'table-model', 'table-training',
      'fig-eigenvalues', 'fig-residuals', 'fig-density', 'fig-class-alignment', 'fig-training-loss', 'fig-training-accuracy',
    ])).toEqual([]);
    const t = await page.evaluate(() => ({
      maps: document.querySelectorAll('[id^="fig-map-"], #fig-margin, #fig-decision-boundary').length,
      eigenRows: document.querySelectorAll('#table-eigenvalues tbody tr').length,
      gRows: document.querySelectorAll('#table-G tbody tr').length,
      text: document.getElementById('table-summary')!.textContent!,
    }));
    expect(t.maps).toBe(0);
    expect(t.eigenRows).toBe(iris.spectrum.eigenvalues.length);
    expect(t.gRows).toBe(iris.generalization.all ? 2 : 1);
    for (const name of ['λmax', 'trace', 'G (top-k', 'ε', 'margin', 'Jacobian norm', 'train accuracy', 'test accuracy']) expect(t.text).toContain(name);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('compare: minima side by side, accuracy vs G and vs margin, the Spearman table', async () => {
    const { page, errors, requests, url } = await open('report-compare.html', cmp);
    expect(await present(page, ['table-compare', 'table-spearman', 'fig-acc-vs-G', 'fig-acc-vs-margin', 'compare-minima', 'm1-fig-eigenvalues', 'm3-fig-margin'])).toEqual([]);
    const c = await page.evaluate(() => ({
      rows: document.querySelectorAll('#table-compare tbody tr').length,
      cards: document.querySelectorAll('#compare-minima .card').length,
      gPoints: document.querySelectorAll('#fig-acc-vs-G circle.point').length,
      mPoints: document.querySelectorAll('#fig-acc-vs-margin circle.point').length,
      legend: [...document.querySelectorAll('#fig-acc-vs-G g.legend text')].map((t) => t.textContent),
      spearman: [...document.querySelectorAll('#table-spearman tbody tr')].map((tr) => tr.firstElementChild!.textContent),
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
    }));
    expect(c.rows).toBe(3);
    expect(c.cards).toBe(3);
    expect(c.gPoints).toBe(cmp.rows.filter((r) => r.testAccuracy !== null).length);
    expect(c.mPoints).toBe(cmp.rows.filter((r) => r.testAccuracy !== null && r.margin !== null).length);
    expect(c.spearman).toEqual(['G', 'margin', 'lambdaMax', 'trace', 'outliers']);
    // the point colours have a legend: one entry per point, numbered as in the table
    expect(c.legend).toEqual(cmp.rows.map((r, i) => `${i + 1}. ${r.label}`).filter((_, i) => cmp.rows[i]!.testAccuracy !== null));
    expect(new Set(c.ids).size).toBe(c.ids.length); // ids stay unique with several analyses on one page
    const embedded = await page.evaluate((id) => JSON.parse(document.getElementById(id)!.textContent!), RESULT_ELEMENT_ID);
    expect(embedded.rows[0].label).toBe('gauss 16-16 seed 0 </script>');
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('per-layer spectra and the decomposition: their tables and figures, drawn, no console errors, no requests', async () => {
    const { page, errors, requests, url } = await open('report-layers.html', layered);
    const figures = ['fig-layer-eigenvalues', 'fig-ggn-spectra', 'fig-ggn-shares', 'fig-ggn-density'];
    expect(await present(page, ['layers', 'decomposition', 'table-layers', 'table-decomposition', ...figures])).toEqual([]);
    const drawn = await page.evaluate((ids) => ids.map((id) => {
      const el = document.getElementById(id)!;
      return { id, w: el.getBoundingClientRect().width, labels: el.querySelectorAll('.axis-label').length, marks: el.querySelectorAll('rect.bar, path[class^="density"], circle').length };
    }), figures);
    for (const f of drawn) {
      expect(f.w, f.id).toBeGreaterThan(300);
      expect(f.labels, f.id).toBeGreaterThanOrEqual(2);
      expect(f.marks, f.id).toBeGreaterThan(0);
    }
    // the label over H's outliers is drawn red (its style attribute is allowed by the page's policy)
    const band = await page.evaluate(() => getComputedStyle([...document.querySelectorAll('#fig-ggn-shares text')].find((t) => t.textContent === 'outliers of H')!).fill);
    expect(band).toBe('rgb(192, 57, 43)');
    const nav = await page.evaluate(() => [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href')));
    expect(nav).toContain('#layers');
    expect(nav).toContain('#decomposition');
    await page.locator('#decomposition').screenshot({ path: join(artifacts, 'report-decomposition.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  /** Boxes (getBBox, in SVG units) of the point labels and the points of a scatter. */
  const scatterBoxes = (page: Page, id: string): Promise<{ labels: Rect[]; points: Rect[]; legend: number }> => page.evaluate((svgId) => {
    const box = (e: Element): { x: number; y: number; width: number; height: number } => {
      const b = (e as SVGGraphicsElement).getBBox();
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    };
    const svg = document.getElementById(svgId)!;
    return {
      labels: [...svg.querySelectorAll('text.point-label')].map(box),
      points: [...svg.querySelectorAll('circle.point')].map(box),
      legend: svg.querySelectorAll('g.legend circle').length,
    };
  }, id);

  interface Rect { x: number; y: number; width: number; height: number }
  const apart = (a: Rect, b: Rect): boolean => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;

  it('compare: labels of minima that tie do not overlap each other or the points', async () => {
    // every minimum at the same test accuracy; three at the same G and margin, one a hair apart
    const tie = structuredClone(cmp) as unknown as { rows: { testAccuracy: number; G: number; margin: number }[]; reports: unknown[] };
    tie.rows.push({ ...structuredClone(tie.rows[0]!), G: tie.rows[0]!.G + 1e-3, margin: 1.001 }); // a fourth row (and its report)
    tie.reports.push(structuredClone(tie.reports[0]));
    tie.rows.forEach((r, i) => {
      r.testAccuracy = 0.9;
      if (i < 3) { r.G = tie.rows[0]!.G; r.margin = 1; }
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.setContent(renderHtmlReport(tie as unknown as CompareReport), { waitUntil: 'load' });
    for (const id of ['fig-acc-vs-G', 'fig-acc-vs-margin']) {
      const { labels, points, legend } = await scatterBoxes(page, id);
      expect(labels, id).toHaveLength(4);
      expect(points, id).toHaveLength(4);
      expect(legend, `${id} legend`).toBe(4);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) expect(apart(labels[i]!, labels[j]!), `${id}: labels ${i + 1} and ${j + 1} overlap`).toBe(true);
        for (let j = 0; j < points.length; j++) expect(apart(labels[i]!, points[j]!), `${id}: label ${i + 1} covers point ${j + 1}`).toBe(true);
      }
    }
    await page.screenshot({ path: join(artifacts, 'report-compare-tie.png'), clip: { x: 0, y: 0, width: 1400, height: 1000 } });
    await page.close();
  });

  it('the training-accuracy curve at 1 stays clear of the frame', async () => {
    const page = await browser.newPage();
    await page.setContent(renderHtmlReport(gauss), { waitUntil: 'load' });
    const g = await page.evaluate(() => {
      const svg = document.getElementById('fig-training-accuracy')!;
      const frameTop = Math.min(...[...svg.querySelectorAll('rect[fill="none"]')].map((r) => (r as SVGGraphicsElement).getBBox().y));
      const plotHeight = Math.max(...[...svg.querySelectorAll('rect[fill="none"]')].map((r) => (r as SVGGraphicsElement).getBBox().height));
      const curveTop = Math.min(...[...svg.querySelectorAll('path[stroke-linejoin]')].map((p) => (p as SVGGraphicsElement).getBBox().y));
      return { frameTop, plotHeight, curveTop };
    });
    expect(Math.max(...gauss.training!.flatMap((ph) => ph.record.curve.accuracy))).toBe(1);
    expect(g.curveTop - g.frameTop).toBeGreaterThan(0.03 * g.plotHeight);
    await page.close();
  });
});
