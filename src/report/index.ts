/**
 * hessian-lens/report: the self-contained HTML pages for analysis, compare and reproduction
 * results. A separate entry point (package.json `exports["./report"]`), so an app that only
 * computes does not load the renderer.
 *
 * @example
 * ```ts
 * import { renderHtmlReport } from 'hessian-lens/report';
 * const html = renderHtmlReport(await analyze(engine, { preset: 'gauss-normal', budget: 0.05, dense: false }));
 * ```
 */
export { renderHtmlReport, RESULT_ELEMENT_ID, type HtmlReportOptions } from './html.js';
export { renderReproductionPage } from './reproduction.js';
