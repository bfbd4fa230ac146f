/**
 * A report is a file people share, and the result JSON it is made from can come from anyone. Here
 * every field of real results (an analysis and a comparison) is replaced, one at a time, by
 * markup meant to run script; every page is rendered and then (1) searched for the markup outside
 * the embedded JSON, and (2) opened in Debian's Chromium with its Content-Security-Policy removed,
 * so that escaping alone must keep the script from running. A separate check shows that the
 * policy by itself also stops an injected handler while the page's own script still runs.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { analyze, compare, createEngine, HessianLensError, type AnalysisReport, type CompareReport, type Engine } from '../../src/index.js';
import { renderHtmlReport, REPORT_SCRIPT, REPORT_SCRIPT_SHA256 } from '../../src/report/html.js';
import { generateToy } from '../../src/data/toy.js';
import { browserAvailable, launchChromium } from '../helpers/chromium.js';

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
  'x" onmouseover="window.__pwned=1" autofocus onfocus="window.__pwned=1" tabindex="1" x="',
  '</script><script>window.__pwned=1</script>',
  '<svg onload="window.__pwned=1"></svg>',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths to every leaf and every array (an array's elements share a sink: its first one stands for all). */
function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    out.push(at);
    if (value.length > 0) paths(value[0]!, [...at, 0], out);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) paths(value[key]!, [...at, key], out);
  } else if (at.length > 0 && at[at.length - 1] !== 'schema') {
    out.push(at);
  }
  return out;
}

/** Every text field but the schema tags replaced by `payload`. */
function everyStringReplaced(value: Json, payload: string, key = ''): Json {
  if (typeof value === 'string') return key === 'schema' ? value : payload;
  if (Array.isArray(value)) return value.map((v) => everyStringReplaced(v, payload));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyStringReplaced(v, payload, k)]));
  return value;
}

function replaced(result: Json, path: readonly (string | number)[], payload: string): Json {
  const copy = structuredClone(result);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1]!] = payload;
  return copy;
}

/** The page without its embedded JSON (where markup is inert: `<` is written \u003c there). */
function outsideJson(html: string): string {
  return html.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/, '');
}

let engine: Engine;
const pages: { what: string; html: string }[] = [];
const everyString: { what: string; html: string }[] = [];
const untyped: string[] = [];
let refused = 0;

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  // Small results (every field present, tracking too), so that each page loads quickly.
  const data = { train: generateToy('gauss', { seed: 0, n: 24 }), test: generateToy('gauss', { seed: 1, n: 12 }), name: 'tiny gauss' };
  const small = { data, hidden: [6], epochs: 20, trackEvery: 10, gridRes: 6, top: 2 } as const;
  const a: AnalysisReport = await analyze(engine, small);
  const c: CompareReport = await compare(engine, [{ label: 'one', ...small, seed: 0 }, { label: 'two', ...small, seed: 1 }]);
  // the optional per-layer and decomposition fields, attacked on their own paths (the rest is as above)
  const layered: AnalysisReport = await analyze(engine, { ...small, trackEvery: 0, gridRes: 0, density: false, perLayer: true, decompose: true });
  expect(a.tracking.length).toBeGreaterThan(0);
  for (const [name, result, only] of [['analysis', a, null], ['compare', c, null], ['layered analysis', layered, ['layers', 'decomposition']]] as const) {
    const json = JSON.parse(JSON.stringify(result)) as Json;
    for (const payload of PAYLOADS) {
      everyString.push({ what: `${name}: every text field = ${payload}`, html: renderHtmlReport(everyStringReplaced(json, payload) as unknown as AnalysisReport) });
    }
    for (const path of paths(json).filter((p) => only === null || (only as readonly string[]).includes(String(p[0])))) {
      for (const payload of PAYLOADS) {
        const what = `${name}.${path.join('.')} = ${payload}`;
        try {
          pages.push({ what, html: renderHtmlReport(replaced(json, path, payload) as unknown as AnalysisReport) });
        } catch (error) {
          // refusing a malformed result is fine, as long as it says so with our error type
          if (!(error instanceof HessianLensError)) untyped.push(`${what}: ${String(error)}`);
          refused++;
        }
      }
    }
  }
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('hostile result JSON in the report', () => {
  it('renders or refuses with a typed error, and never writes the markup into the page', () => {
    expect(pages.length + refused).toBeGreaterThan(1000);
    expect(pages.length).toBeGreaterThan(100);
    expect(untyped).toEqual([]);
    const leaked = [...everyString, ...pages].filter((p) => /<img|<svg onload|<script>window|" onmouseover|" onfocus/.test(outsideJson(p.html))).map((p) => p.what);
    expect(leaked).toEqual([]);
  });

  it('the page policy lets only the report script run, by its hash', () => {
    expect(createHash('sha256').update(REPORT_SCRIPT).digest('base64')).toBe(REPORT_SCRIPT_SHA256);
    const html = pages[0]!.html;
    expect(html).toContain(`script-src 'sha256-${REPORT_SCRIPT_SHA256}'`);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
});

describe.runIf(browserAvailable())('hostile result JSON in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('no script runs from any field, with the page policy removed (escaping alone)', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const ran: string[] = [];
    // every text field hostile at once, and every tenth single-field page (the check above covers all)
    const opened = [...everyString, ...pages.filter((_, i) => i % 10 === 0)];
    for (const { what, html } of opened) {
      await page.setContent(html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''), { waitUntil: 'load' });
      await page.mouse.move(300, 300);
      if (await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned !== undefined)) ran.push(what);
    }
    expect(everyString).toHaveLength(3 * PAYLOADS.length);
    expect(ran).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('with the policy, an injected handler is blocked and the download script still runs', async () => {
    const page = await browser.newPage();
    const html = pages[0]!.html.replace('<main>', `<main>${PAYLOADS[0]}`);
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const download = page.waitForEvent('download');
    await page.click('#download-json');
    expect((await download).suggestedFilename()).toBe('hessian-lens-result.json');
    await page.close();
  });
});
