/**
 * The report's figures (src/report/figures.ts) drawn in Debian's Chromium: the per-class figure
 * keeps every text inside its own viewBox, for any number of classes. The reference is the
 * browser's layout of the rendered SVG (getBoundingClientRect), not the figure code's arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { AnalysisReport } from '../../src/analysis/analyze.js';
import { classAlignmentFigure } from '../../src/report/figures.js';
import { browserAvailable, launchChromium } from '../helpers/chromium.js';

describe.runIf(browserAvailable())('the report in Chromium (file://, offline)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
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
      const outside = await page.evaluate(() => {
        const svg = document.querySelector('svg')!;
        const [, , w, h] = svg.getAttribute('viewBox')!.split(' ').map(Number);
        return [...svg.querySelectorAll('text')].filter((t) => {
          const b = t.getBoundingClientRect();
          const s = svg.getBoundingClientRect();
          return b.left < s.left - 0.5 || b.top < s.top - 0.5 || b.right > s.left + w! + 0.5 || b.bottom > s.top + h! + 0.5;
        }).map((t) => t.textContent);
      });
      expect(outside, `${classes} classes`).toEqual([]);
    }
    await page.close();
  });
});
