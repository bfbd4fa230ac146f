/**
 * The report of a study's comparison (compare --study; src/report/html.ts `studySection`): the
 * section and its nav link appear exactly when the comparison has a `study` field; each claim is
 * shown with the verdict it has in the record (holds / fails / n/a) and its evidence, escaped; each
 * group's measures are the record's numbers; and check.ts refuses a study field of the wrong shape,
 * naming it. The study record here is written by hand onto a real small comparison: what is tested
 * is how a record is drawn, not how a study computes it (test/analysis/studies.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, createEngine, InputError, type CompareReport, type Engine, type StudyRecord } from '../../src/index.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { checkReportInput } from '../../src/report/check.js';

let engine: Engine;
let base: CompareReport;

const STUDY: StudyRecord = {
  name: 'width', title: 'Width sweep <b>test</b>', source: 'Sagun et al. 2017', budget: 0.5, seeds: [0, 1], factors: ['width'],
  levels: [{ group: 'width 6', factors: { width: 6 } }, { group: 'width 12', factors: { width: 12 } }],
  measures: [
    { group: 'width 6', p: 81, classes: 3, outliers: 1, lambdaMax: 2.04, trace: 2.17, bulkShare: 0.741, bulkTrace: 0.131, classGap: 3.41, reachedTarget: null, runs: 2 },
    { group: 'width 12', p: 231, classes: 3, outliers: 2, lambdaMax: 1.5, trace: 1.67, bulkShare: null, bulkTrace: null, classGap: 3.36, reachedTarget: 1, runs: 2 },
  ],
  findings: [
    { id: 'a', claim: 'The outlier count stays.', source: 'Sagun', holds: true, evidence: 'width 6: 1, width 12: 2' },
    { id: 'b', claim: 'About C outliers <img src=x>.', source: 'Sagun', holds: false, evidence: 'median 1 (3)' },
    { id: 'c', claim: 'The bulk grows.', source: 'Sagun', holds: null, evidence: 'no dense path' },
  ],
};

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  const run = { data: 'moons', hidden: [4], epochs: 5, top: 2, dense: false, gridRes: 0, margin: false, density: false } as const;
  base = await compare(engine, [{ ...run, label: 'one', seed: 0 }, { ...run, label: 'two', seed: 1 }]);
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

function rows(html: string, id: string): string[] {
  const start = html.indexOf(`<table id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body = html.slice(start, html.indexOf('</table>', start));
  return body.split('<tr').slice(2);
}

describe('a study in the comparison report', () => {
  it('shows each claim with the record\'s verdict and evidence, and each group\'s measures; escaped; nav link', () => {
    const html = renderHtmlReport({ ...base, study: STUDY } as CompareReport);
    expect(html).toContain('<a href="#study">Study</a>');
    expect(html).toContain('<h2>Study: Width sweep &lt;b&gt;test&lt;/b&gt;</h2>');
    const findings = rows(html, 'table-study-findings');
    expect(findings).toHaveLength(3);
    expect(findings[0]).toContain('<td class="ok">holds</td>');
    expect(findings[1]).toContain('<td class="bad">fails</td>');
    expect(findings[1]).toContain('About C outliers &lt;img src=x&gt;.');
    expect(findings[2]).toContain('<td>n/a</td>');
    STUDY.findings.forEach((f, i) => expect(findings[i]).toContain(f.evidence));
    const measures = rows(html, 'table-study-measures');
    expect(measures).toHaveLength(2);
    expect(measures[0]).toContain('data-value="0.741"');
    expect(measures[0]).toContain('>81<');
    expect(measures[1]).toContain('1 / 2');
    // a group without the dense path shows a dash, not a number
    expect(measures[1]).not.toContain('data-value="null"');
    expect(html).not.toContain('<img src=x>');
  });

  it('a comparison without a study has no study section or link; the same record gives the same page', () => {
    const html = renderHtmlReport(base);
    expect(html).not.toContain('id="study"');
    expect(html).not.toContain('href="#study"');
    expect(renderHtmlReport({ ...base, study: STUDY } as CompareReport)).toBe(renderHtmlReport(JSON.parse(JSON.stringify({ ...base, study: STUDY })) as CompareReport));
  });

  it('a study field of the wrong shape is refused, naming it', () => {
    const bad = (edit: (s: Record<string, any>) => void): unknown => {
      const s = JSON.parse(JSON.stringify(STUDY)) as Record<string, any>;
      edit(s);
      return { ...base, study: s };
    };
    const refusal = (value: unknown): string => {
      try {
        checkReportInput(value, 'compare');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(bad((s) => { s.findings[0].holds = 'yes'; }))).toBe('report: study.findings[0].holds must be a boolean, got a string ("yes")');
    expect(refusal(bad((s) => { s.measures[1].p = -1; }))).toMatch(/^report: study\.measures\[1\]\.p must be an integer ≥ 0, got -1/);
    expect(refusal(bad((s) => { s.measures[0].lambdaMax = '<script>'; }))).toMatch(/^report: study\.measures\[0\]\.lambdaMax must be a number/);
    expect(refusal(bad((s) => { delete s.findings; }))).toMatch(/^report: study\.findings must be an array/);
  });
});
