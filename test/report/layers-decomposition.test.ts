/**
 * The report's per-layer spectra and outlier decomposition (src/report/html.ts sections `layers`
 * and `decomposition`, src/report/figures.ts): the sections appear exactly when the record has the
 * fields; every number shown (a cell's data-value, a bar's tooltip) is the record's own; the
 * outliers each spectrum's rule counts are the ones marked; a negative residual part is drawn below
 * zero at its size; equal records give equal pages; and a string in a numeric field never reaches
 * the page. The reference is the AnalysisReport record of a real small run (test/report/records.ts),
 * read field by field — not the renderer's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, InputError, type AnalysisReport, type Engine } from '../../src/index.js';
import { ggnDensityFigure, ggnSharesFigure, ggnSpectraFigure, layerEigenvalueFigure } from '../../src/report/figures.js';
import { analysisBody, renderHtmlReport } from '../../src/report/html.js';
import { layeredAnalysis } from './records.js';

let engine: Engine;
let r: AnalysisReport;

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  r = await layeredAnalysis(engine);
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

/** a result as parsed JSON, to be changed field by field */
type Json = Record<string, any>;

/** A mutable copy of the record, changed by `edit`. */
function changed(edit: (x: Json) => void): AnalysisReport {
  const x = JSON.parse(JSON.stringify(r)) as Json;
  edit(x);
  return x as AnalysisReport;
}

/** The markup of the element `<tag id="id" …>…</tag>` (no element of the same tag nests in these). */
function element(html: string, tag: string, id: string): string {
  const start = html.indexOf(`<${tag} id="${id}"`);
  if (start < 0) throw new Error(`no <${tag} id="${id}">`);
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
}

/** The body rows of a table. */
function rows(table: string): string[] {
  return table.slice(table.indexOf('<tbody>')).match(/<tr[^>]*>[\s\S]*?<\/tr>/g) ?? [];
}

/** The full-precision numbers of a row's cells, in order. */
function values(row: string): number[] {
  return [...row.matchAll(/data-value="([^"]*)"/g)].map((m) => Number(m[1]));
}

/** The text of a row's cells. */
function cells(row: string): string[] {
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
}

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

describe('the report of the per-layer spectra and the outlier decomposition', () => {
  it('the run has what the tests rely on (a negative residual part, unequal outlier counts)', () => {
    const d = r.decomposition!;
    expect(r.layers!.blocks.length).toBe(3);
    expect(d.shares.some((s) => s.residual < 0)).toBe(true);
    expect(d.outliers.hessian).toBeGreaterThan(0);
    expect(d.outliers.ggn).not.toBe(d.outliers.hessian);
    expect(r.spectrum.density).not.toBeNull();
    expect(d.ggnDensity).not.toBeNull();
  });

  it('has the sections, their figures and tables and nav links when the fields exist, and not otherwise', () => {
    const ids = ['section id="layers"', 'table id="table-layers"', 'svg id="fig-layer-eigenvalues"', 'href="#layers"'];
    const dIds = ['section id="decomposition"', 'table id="table-decomposition"', 'svg id="fig-ggn-spectra"', 'svg id="fig-ggn-shares"', 'svg id="fig-ggn-density"', 'href="#decomposition"'];
    const both = renderHtmlReport(r);
    for (const id of [...ids, ...dIds]) expect(both).toContain(`<${id.startsWith('href') ? 'a ' : ''}${id}`);
    // after the spectrum, before the alignment
    expect(both.indexOf('<section id="spectrum"')).toBeLessThan(both.indexOf('<section id="layers"'));
    expect(both.indexOf('<section id="layers"')).toBeLessThan(both.indexOf('<section id="decomposition"'));
    expect(both.indexOf('<section id="decomposition"')).toBeLessThan(both.indexOf('<section id="alignment"'));
    const neither = renderHtmlReport(changed((x) => { delete x.layers; delete x.decomposition; }));
    for (const id of [...ids, ...dIds]) expect(neither).not.toContain(id);
    const layersOnly = renderHtmlReport(changed((x) => { delete x.decomposition; }));
    for (const id of ids) expect(layersOnly).toContain(id);
    for (const id of dIds) expect(layersOnly).not.toContain(id);
    const nulls = renderHtmlReport(changed((x) => { x.layers = null; x.decomposition = null; }));
    for (const id of [...ids, ...dIds]) expect(nulls).not.toContain(id);
  });

  it('the per-layer table shows each block\'s numbers as recorded, and says how the diagonal was had', () => {
    const L = r.layers!;
    const html = renderHtmlReport(r);
    const body = rows(element(html, 'table', 'table-layers'));
    expect(body).toHaveLength(L.blocks.length + 1);
    L.blocks.forEach((b, j) => {
      const c = cells(body[j]!);
      expect(c.slice(0, 3)).toEqual([b.block, b.tensors.join(', '), String(b.size)]);
      expect(values(body[j]!)).toEqual([...b.eigenvalues.slice(0, 3), b.trace.estimate, b.diagonal.mean, b.diagonal.min, b.diagonal.max]);
      expect(c[7]).toContain(`${b.trace.probes} probes`);
    });
    // the last row: the whole operator, from the spectrum
    expect(cells(body[L.blocks.length]!)[2]).toBe(String(r.model.parameters));
    expect(values(body[L.blocks.length]!)).toEqual([...r.spectrum.eigenvalues.slice(0, 3), r.spectrum.trace.estimate]);
    const section = element(html, 'section', 'layers');
    expect(L.operator).toBe('hessian');
    expect(section).toContain('The diagonal block of the loss Hessian H for each Linear layer');
    expect(L.diagonal.method).toBe('hutchinson');
    expect(section).toContain(`by Hutchinson's estimator with ${L.diagonal.probes} probes`);
    const exact = renderHtmlReport(changed((x) => { x.layers.diagonal.method = 'exact'; }));
    expect(element(exact, 'section', 'layers')).toContain('which is exact (one product per parameter)');
    // the figure: one series per block and the whole operator, one marker per eigenvalue
    const fig = element(html, 'svg', 'fig-layer-eigenvalues');
    for (const b of L.blocks) expect(fig).toContain(`>${b.block} (${b.tensors.join(' + ')})</text>`);
    expect(count(fig, /<circle /g)).toBe(L.blocks.reduce((n, b) => n + b.eigenvalues.length, 0) + r.spectrum.eigenvalues.length);
  });

  it('the decomposition table shows the record\'s numbers; the outliers of H and of G are the ones marked', () => {
    const d = r.decomposition!;
    const html = renderHtmlReport(r);
    const body = rows(element(html, 'table', 'table-decomposition'));
    expect(body).toHaveLength(Math.max(d.shares.length, d.ggnEigenvalues.length));
    body.forEach((row, i) => {
      const s = d.shares[i]!;
      expect(values(row)).toEqual([s.eigenvalue, s.ggn, s.residual, d.ggnEigenvalues[i]]);
      expect(row.startsWith('<tr class="outlier">')).toBe(i < d.outliers.hessian);
      expect(cells(row)[5]).toBe([i < d.outliers.hessian ? 'H' : '', i < d.outliers.ggn ? 'G' : ''].filter(Boolean).join(', '));
    });
    // the two spectra: every bar, the outliers red, H's threshold dashed
    const k = d.shares.length;
    const spectra = element(html, 'svg', 'fig-ggn-spectra');
    expect(count(spectra, /class="bar hessian[ "]/g)).toBe(k);
    expect(count(spectra, /class="bar hessian outlier"/g)).toBe(d.outliers.hessian);
    expect(count(spectra, /class="bar ggn[ "]/g)).toBe(d.ggnEigenvalues.length);
    expect(count(spectra, /class="bar ggn outlier"/g)).toBe(d.outliers.ggn);
    expect(count(spectra, /class="bar [a-z]+ outlier" [^>]* fill="#c0392b"/g)).toBe(d.outliers.hessian + d.outliers.ggn);
    expect(count(spectra, /class="threshold"/g)).toBe(r.spectrum.outliers.threshold === null ? 0 : 1);
    expect(spectra).toContain(`Hessian H: ${d.outliers.hessian} outlier(s)`);
    expect(spectra).toContain(`Gauss–Newton G: ${d.outliers.ggn} outlier(s)`);
    // the two panels share the y axis: their horizontal grid lines are at the same heights
    const heights = (panel: string): string[] => [...panel.matchAll(/<line x1="[^"]*" y1="([^"]*)" x2="[^"]*" y2="\1" class="grid"\/>/g)].map((m) => m[1]!);
    const left = spectra.slice(spectra.indexOf('<g class="panel-hessian">'), spectra.indexOf('<g class="panel-ggn"'));
    const right = spectra.slice(spectra.indexOf('<g class="panel-ggn"'), spectra.indexOf('<g class="legend">'));
    expect(heights(left).length).toBeGreaterThan(1);
    expect(heights(right)).toEqual(heights(left));
    // the split: a GGN bar and a residual bar per eigenvalue, a tick at λᵢ, H's outliers shaded
    const shares = element(html, 'svg', 'fig-ggn-shares');
    expect(count(shares, /class="bar ggn/g)).toBe(k);
    expect(count(shares, /class="bar residual/g)).toBe(k);
    expect(count(shares, /class="sum"/g)).toBe(k);
    expect(count(shares, /class="bar [a-z]+ negative"/g)).toBe(d.shares.filter((s) => s.ggn < 0).length + d.shares.filter((s) => s.residual < 0).length);
    expect(count(shares, /class="outlier-band"/g)).toBe(d.outliers.hessian > 0 ? 1 : 0);
    // the densities: both curves, a red line per outlier of each
    const density = element(html, 'svg', 'fig-ggn-density');
    expect(count(density, /class="density-hessian"/g)).toBe(1);
    expect(count(density, /class="density-ggn"/g)).toBe(1);
    expect(count(density, /class="outlier hessian"/g)).toBe(d.outliers.hessian);
    expect(count(density, /class="outlier ggn"/g)).toBe(d.outliers.ggn);
  });

  it('draws a negative part below the zero line and a positive one above, equal sizes at equal heights', () => {
    const x = changed((y) => {
      y.decomposition.shares[0] = { eigenvalue: 1, ggn: 1.5, residual: -0.5 };
      y.decomposition.shares[1] = { eigenvalue: 0, ggn: 0.25, residual: -0.25 };
    });
    const fig = ggnSharesFigure(x);
    const zero = Number(/<line class="zero" x1="[^"]*" y1="([^"]*)"/.exec(fig)![1]);
    const bars = [...fig.matchAll(/<rect class="bar (ggn|residual)( negative)?" x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"/g)]
      .map((m) => ({ what: m[1], negative: !!m[2], y: Number(m[3]), height: Number(m[4]) }));
    expect(bars).toHaveLength(2 * x.decomposition!.shares.length);
    const [g0, r0, g1, r1] = bars;
    expect([g0!.negative, r0!.negative, g1!.negative, r1!.negative]).toEqual([false, true, false, true]);
    expect(g0!.y + g0!.height).toBeCloseTo(zero, 1); // above: ends at zero
    expect(r0!.y).toBeCloseTo(zero, 1); // below: starts at zero
    expect(g1!.height).toBeCloseTo(r1!.height, 1); // ±0.25: the same size either side
    expect(r0!.height).toBeGreaterThan(r1!.height);
    expect(fig).toContain('(symlog, linear within ±');
  });

  it('is deterministic: equal records (also through JSON) give equal pages', () => {
    const html = renderHtmlReport(r);
    expect(renderHtmlReport(r)).toBe(html);
    expect(renderHtmlReport(JSON.parse(JSON.stringify(r)) as AnalysisReport)).toBe(html);
  });

  it('shows a null (JSON\'s NaN) as a dash and draws no coordinate from it', () => {
    const x = changed((y) => {
      y.decomposition.shares[2].ggn = null;
      y.decomposition.ggnEigenvalues[3] = null;
      y.layers.blocks[1].eigenvalues[0] = null;
      y.layers.blocks[1].trace.stderr = null;
    });
    const html = renderHtmlReport(x);
    const body = rows(element(html, 'table', 'table-decomposition'));
    expect(cells(body[2]!)[2]).toBe('–');
    expect(cells(body[3]!)[4]).toBe('–');
    const layerRow = cells(rows(element(html, 'table', 'table-layers'))[1]!);
    expect(layerRow[3]).toBe('–');
    expect(layerRow[7]).toMatch(/^± – /);
    for (const fig of [ggnSpectraFigure(x), ggnSharesFigure(x), ggnDensityFigure(x)]) expect(fig).not.toContain('NaN');
  });

  it('draws a density that is absent from the file (not null) as missing', () => {
    // found by fuzzing the new fields: the check lets an optional field be absent
    const x = changed((y) => { delete y.decomposition.ggnDensity; });
    const fig = element(renderHtmlReport(x), 'svg', 'fig-ggn-density');
    expect(count(fig, /class="density-hessian"/g)).toBe(1);
    expect(count(fig, /class="density-ggn"/g)).toBe(0);
    const neither = renderHtmlReport(changed((y) => { delete y.decomposition.ggnDensity; y.spectrum.density = null; }));
    expect(neither).not.toContain('id="fig-ggn-density"');
    expect(neither).toContain('id="fig-ggn-shares"');
  });

  it('a string in a numeric field is refused by the check, and the renderers format numbers themselves', () => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    expect(() => renderHtmlReport(changed((x) => { x.decomposition.shares[0].ggn = payload; }))).toThrow(InputError);
    expect(() => renderHtmlReport(changed((x) => { x.layers.blocks[0].trace.estimate = payload; }))).toThrow(InputError);
    // past the check (a caller of the figures, or a bug in it), every number is still formatted:
    // every number of the two records replaced by the payload, the arrays and objects kept
    const hostile = (v: unknown): unknown => (typeof v === 'number' ? payload : Array.isArray(v) ? v.map(hostile) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, hostile(w)])) : v);
    const x = changed((y) => {
      y.layers = hostile(y.layers);
      y.decomposition = hostile(y.decomposition);
    });
    const out = [analysisBody(x), layerEigenvalueFigure(x), ggnSpectraFigure(x), ggnSharesFigure(x), ggnDensityFigure(x)].join('\n');
    expect(out).toContain('id="table-decomposition"');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('onerror');
  });
});
