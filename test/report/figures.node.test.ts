/**
 * The report's figures (src/report/figures.ts) drawn in Debian's Chromium: the per-class figure
 * keeps every text inside its own viewBox, for any number of classes, and so do the per-layer and
 * decomposition figures, whose texts also do not overlap one another. The reference is the
 * browser's layout of the rendered SVG (getBoundingClientRect), not the figure code's arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AnalysisReport } from '../../src/analysis/analyze.js';
import { createEngine } from '../../src/index.js';
import { classAlignmentFigure, ggnDensityFigure, ggnSharesFigure, ggnSpectraFigure, layerEigenvalueFigure } from '../../src/report/figures.js';
import { FIGURE_CSS } from '../../src/report/svg.js';
import { browserAvailable, launchChromium } from '../helpers/chromium.js';
import { layeredAnalysis } from './records.js';

/** The texts of the page's first SVG that reach outside its viewBox. */
const outsideViewBox = (page: Page): Promise<(string | null)[]> => page.evaluate(() => {
  const svg = document.querySelector('svg')!;
  const [, , w, h] = svg.getAttribute('viewBox')!.split(' ').map(Number);
  return [...svg.querySelectorAll('text')].filter((t) => {
    const b = t.getBoundingClientRect();
    const s = svg.getBoundingClientRect();
    return b.left < s.left - 0.5 || b.top < s.top - 0.5 || b.right > s.left + w! + 0.5 || b.bottom > s.top + h! + 0.5;
  }).map((t) => t.textContent);
});

describe.runIf(browserAvailable())('the report in Chromium (file://, offline)', () => {
  let browser: Browser;
  let layered: AnalysisReport;

  beforeAll(async () => {
    browser = await launchChromium();
    const engine = await createEngine({ threads: 1 });
    layered = await layeredAnalysis(engine).finally(() => engine.close());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the per-class figure holds its rotated titles for any number of classes', async () => {
    const page = await browser.newPage();
    for (const classes of [1, 2, 3, 10]) {
      const k = 10;
      const cells = Array.from({ length: k }, (_, i) => Array.from({ length: classes }, (_, c) => Math.sin(i + c)));
      const r = { alignment: { perClassMean: cells, perClassMeanAbs: cells }, data: { classes } } as unknown as AnalysisReport;
      await page.setContent(`<!doctype html><body>${classAlignmentFigure(r)}</body>`);
      expect(await outsideViewBox(page), `${classes} classes`).toEqual([]);
    }
    await page.close();
  });

  it('the per-layer and decomposition figures keep their texts inside the viewBox and apart', async () => {
    const page = await browser.newPage();
    for (const draw of [layerEigenvalueFigure, ggnSpectraFigure, ggnSharesFigure, ggnDensityFigure]) {
      await page.setContent(`<!doctype html><style>${FIGURE_CSS}</style><body>${draw(layered)}</body>`);
      expect(await outsideViewBox(page), draw.name).toEqual([]);
      const overlapping = await page.evaluate(() => {
        const boxes = [...document.querySelectorAll('svg text')].filter((t) => t.textContent).map((t) => ({ text: t.textContent, b: t.getBoundingClientRect() }));
        const out: string[] = [];
        boxes.forEach((p, i) => boxes.slice(i + 1).forEach((q) => {
          if (p.b.left < q.b.right - 0.5 && q.b.left < p.b.right - 0.5 && p.b.top < q.b.bottom - 0.5 && q.b.top < p.b.bottom - 0.5) out.push(`${p.text} / ${q.text}`);
        }));
        return out;
      });
      expect(overlapping, draw.name).toEqual([]);
    }
    await page.close();
  });
});
