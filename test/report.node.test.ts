/**
 * The HTML report (src/report/html.ts) as a reader gets it: reports of real analyses (the gauss
 * preset, Iris, a three-minimum comparison) are written to test/artifacts/ and opened from
 * file:// in Debian's Chromium. Checked: no console errors or page errors, no request but the
 * file itself, every figure of issue 6 present by id and drawn (heat-map PNGs decode at the grid
 * size, the density has one red line per outlier), the tables for Iris, and the embedded JSON
 * equal to the result. The reference is independent of the renderer: the expected numbers and
 * counts are read from the AnalysisReport/CompareReport records, not from the HTML.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { analyze, compare, createEngine, InputError, type AnalysisReport, type CompareReport, type Engine } from '../src/index.js';
import { classBoundarySegments, contourSegments } from '../src/report/contour.js';
import { renderHtmlReport, RESULT_ELEMENT_ID, type HtmlReportOptions } from '../src/report/html.js';
import { encodePng, gridImage, rampIndex } from '../src/report/raster.js';
import { logTicks, niceTicks } from '../src/report/svg.js';
import { browserAvailable, launchChromium, repoRoot } from './helpers/chromium.js';

const artifacts = join(repoRoot, 'test/artifacts');

let engine: Engine;
let gauss: AnalysisReport;
let iris: AnalysisReport;
let cmp: CompareReport;

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  gauss = await analyze(engine, { preset: 'gauss-normal', budget: 0.02, dense: false });
  iris = await analyze(engine, { preset: 'iris', budget: 0.1 });
  cmp = await compare(engine, [
    { label: 'gauss 16-16 seed 0 </script>', budget: 0.03, hidden: [16, 16], seed: 0, gridRes: 40, top: 6 },
    { label: 'gauss 16-16 seed 1', budget: 0.03, hidden: [16, 16], seed: 1, gridRes: 40, top: 6 },
    { label: 'gauss 8 tanh seed 2', budget: 0.02, hidden: [8], activation: 'tanh', seed: 2, gridRes: 40, top: 6 },
  ]);
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('report building blocks', () => {
  it('writes PNGs that zlib (an independent inflater) reads back row by row', () => {
    const res = 37;
    const field = Array.from({ length: res * res }, (_, i) => Math.sin(i / 7));
    const image = gridImage(field, res, rampIndex(-1, 1), new Uint8Array(768).map((_, i) => i % 256));
    const png = encodePng(image);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let o = 8;
    const chunks: Record<string, Uint8Array> = {};
    while (o < png.length) {
      const len = new DataView(png.buffer, png.byteOffset + o).getUint32(0);
      chunks[String.fromCharCode(...png.subarray(o + 4, o + 8))] = png.subarray(o + 8, o + 8 + len);
      o += 12 + len;
    }
    expect(Object.keys(chunks)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    const raw = inflateSync(chunks.IDAT!);
    expect(raw.length).toBe(res * (res + 1));
    for (let y = 0; y < res; y++) {
      expect(raw[y * (res + 1)]).toBe(0); // filter: none
      expect([...raw.subarray(y * (res + 1) + 1, (y + 1) * (res + 1))]).toEqual([...image.pixels.subarray(y * res, (y + 1) * res)]);
    }
    // row 0 of the image is the grid's top row (largest y)
    expect(image.pixels[0]).toBe(Math.round(rampIndex(-1, 1)(field[(res - 1) * res]!)));
  });

  it('traces level lines where the field crosses the level', () => {
    const res = 41;
    const xs = Array.from({ length: res }, (_, i) => -2 + (4 * i) / (res - 1));
    const grid = { res, xs, ys: xs };
    const field = xs.flatMap((y) => xs.map((x) => x * x + y * y));
    const segments = contourSegments(grid, field, 1);
    expect(segments.length).toBeGreaterThan(40);
    const h = 4 / (res - 1);
    for (const s of segments) for (const [x, y] of [[s[0], s[1]], [s[2], s[3]]] as const) expect(Math.abs(Math.hypot(x, y) - 1)).toBeLessThan(h * h);
    // two half-planes: the class boundary is the vertical line halfway between the grid columns
    const predicted = xs.flatMap(() => xs.map((x) => (x < 0.01 ? 0 : 1)));
    const boundary = classBoundarySegments(grid, predicted, 2);
    expect(boundary.length).toBe(res - 1);
    const mid = (xs[20]! + xs[21]!) / 2;
    for (const s of boundary) expect([s[0], s[2]]).toEqual([mid, mid]);
  });

  it('picks round ticks', () => {
    expect(niceTicks(-3.8, 3.9, 4)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(logTicks(1e-7, 20)).toEqual([1e-7, 1e-5, 1e-3, 1e-1, 10]);
    expect(logTicks(0.15, 0.9)).toEqual([0.2, 0.5]);
  });
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
      gPoints: document.querySelectorAll('#fig-acc-vs-G circle').length,
      mPoints: document.querySelectorAll('#fig-acc-vs-margin circle').length,
      spearman: [...document.querySelectorAll('#table-spearman tbody tr')].map((tr) => tr.firstElementChild!.textContent),
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
    }));
    expect(c.rows).toBe(3);
    expect(c.cards).toBe(3);
    expect(c.gPoints).toBe(cmp.rows.filter((r) => r.testAccuracy !== null).length);
    expect(c.mPoints).toBe(cmp.rows.filter((r) => r.testAccuracy !== null && r.margin !== null).length);
    expect(c.spearman).toEqual(['G', 'margin', 'lambdaMax', 'trace', 'outliers']);
    expect(new Set(c.ids).size).toBe(c.ids.length); // ids stay unique with several analyses on one page
    const embedded = await page.evaluate((id) => JSON.parse(document.getElementById(id)!.textContent!), RESULT_ELEMENT_ID);
    expect(embedded.rows[0].label).toBe('gauss 16-16 seed 0 </script>');
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
