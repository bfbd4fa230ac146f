/**
 * Fuzzing the report renderer: random mutations of real results (an analysis and a comparison,
 * computed here) — fields of the wrong type, hostile strings, huge and tiny numbers, missing
 * fields, arrays emptied or grown — each sent through JSON (as `hessian-lens report R.json` reads
 * it) and rendered by `renderHtmlReport`. Every page must either render or be refused with a typed
 * `HessianLensError`; a rendered page must carry no hostile markup outside its embedded JSON (the
 * static check of report-hostile.node.test.ts, which also opens pages in Chromium) and only the
 * page's own two script elements. The reference is independent of the renderer: the generator
 * knows nothing of the checks in src/report/check.ts.
 *
 * REPORT_FUZZ_RUNS sets the count: 10,000 under CI=true (the issue's floor for CI; 70–85 s on a busy
 * 2-core machine), 2,000 otherwise (a local `npm test`); `npm run fuzz` runs at least 10,000 with a
 * fresh seed. FUZZ_SEED sets the seed; REPORT_FUZZ_TRACE=F writes each case to F before it renders
 * (a crash that takes the worker down leaves its case there).
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, compare, createEngine, HessianLensError, type AnalysisReport, type Engine } from '../../src/index.js';
import { renderHtmlReport } from '../../src/report/index.js';
import { generateToy } from '../../src/data/toy.js';

const RUNS = Number(process.env.REPORT_FUZZ_RUNS ?? (process.env.CI === 'true' || process.env.CI === '1' ? 10_000 : 2_000));
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_808);
/** a file each case is written to before it renders, so that a crash of the worker leaves it */
const TRACE = process.env.REPORT_FUZZ_TRACE;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Hostile text: each carries the marker PWN inside markup that would run script if written raw. */
const HOSTILE = [
  '<img src=x onerror="PWN()">',
  '"><script>PWN()</script>',
  "'><svg onload=PWN()>",
  '</script><script>PWN()</script>',
  '<!--<script>PWN()</script>',
  'x" onmouseover="PWN()" y="',
  '<iframe srcdoc="<script>PWN()</script>">',
  'javascript:PWN()',
  '\u2028</script>\u2029<script>PWN()</script>',
  '<a href="javascript:PWN()">x</a>',
];
/**
 * A hostile string as it would appear if written into the page unescaped: a raw tag, a quote that
 * ends an attribute and opens a handler, or a `javascript:` URL in a link (which runs even escaped).
 */
const LEAK = /<(?:img|svg|iframe|a|script)\b[^>]*PWN|<script>PWN|["']\s*on\w+=["']?PWN|(?:href|src)=["']?\s*javascript:/i;

/** Larger mutated results are skipped: growing arrays again and again would only test the heap. */
const MAX_JSON = 4_000_000;

const NUMBERS: Json[] = [0, -1, 1e308, -1e308, 5e-324, 1e21, 2 ** 53 + 2, 1.5, -0.5, 1e9, 4096, null];

/** Every path in `value`: objects, arrays, leaves (an array's first elements stand for the rest). */
function pathsOf(value: Json, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) pathsOf(value[key]!, [...at, key], out);
  return out;
}

type Mutation = { kind: 'delete' } | { kind: 'set'; value: Json } | { kind: 'grow'; times: number } | { kind: 'empty' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'delete' }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE).map((value): Mutation => ({ kind: 'set', value })) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS).map((value): Mutation => ({ kind: 'set', value })) },
  { weight: 1, arbitrary: fc.double().map((value): Mutation => ({ kind: 'set', value })) },
  { weight: 2, arbitrary: fc.constantFrom<Json>(true, false, '', [], {}, [HOSTILE[0]!], { x: HOSTILE[1]! }, '1e999', 'NaN').map((value): Mutation => ({ kind: 'set', value })) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 50 }).map((times): Mutation => ({ kind: 'grow', times })) },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'empty' }) },
);

/** A copy of `result` with `m` applied at `path` (a mutation that does not fit the node is a replacement). */
function mutate(result: Json, path: Path, m: Mutation): Json {
  const copy = structuredClone(result);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  const target = node[key]!;
  if (m.kind === 'delete') {
    if (Array.isArray(node)) node.splice(key as number, 1);
    else delete node[key];
  } else if (m.kind === 'set') {
    node[key] = m.value;
  } else if (m.kind === 'grow') {
    node[key] = Array.isArray(target) ? Array.from({ length: target.length * m.times }, (_, i) => structuredClone(target[i % Math.max(1, target.length)] ?? null)) : HOSTILE[m.times % HOSTILE.length]!;
  } else {
    node[key] = Array.isArray(target) ? [] : typeof target === 'object' && target !== null ? {} : '';
  }
  return copy;
}

/** The page without its embedded JSON (where markup is inert: `<` is written \u003c there). */
function outsideJson(html: string): string {
  return html.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/, '');
}

let engine: Engine;
const bases: { name: string; json: Json; paths: Path[] }[] = [];

beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  // small results with every field present (tracking, grid, margin), so that each page renders quickly
  const data = { train: generateToy('gauss', { seed: 0, n: 24 }), test: generateToy('gauss', { seed: 1, n: 12 }), name: 'tiny gauss' };
  const small = { data, hidden: [6], epochs: 20, trackEvery: 10, gridRes: 6, top: 2 } as const;
  const a = await analyze(engine, small);
  const c = await compare(engine, [{ label: 'one', ...small, seed: 0 }, { label: 'two', ...small, seed: 1 }]);
  // the optional per-layer and decomposition fields, mutated on their own paths (small: no densities elsewhere)
  const layered = await analyze(engine, { ...small, trackEvery: 0, gridRes: 0, density: false, perLayer: true, decompose: true });
  for (const [name, result, only] of [['analysis', a, null], ['compare', c, null], ['layered analysis', layered, ['layers', 'decomposition']]] as const) {
    const json = JSON.parse(JSON.stringify(result)) as Json;
    bases.push({ name, json, paths: pathsOf(json).filter((p) => only === null || (only as readonly string[]).includes(String(p[0]))) });
  }
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('fuzzing renderHtmlReport with mutated result JSON', () => {
  it(`${RUNS} mutated results render safely or are refused with a typed error`, () => {
    const tally = { rendered: 0, refused: 0 };
    const scripts = (html: string): number => (html.match(/<script\b/g) ?? []).length;
    expect(scripts(renderHtmlReport(bases[0]!.json as unknown as AnalysisReport))).toBe(2);
    const caseArb = fc.tuple(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }),
    );
    fc.assert(
      fc.property(caseArb, ([which, edits]) => {
        const base = bases[which]!;
        let json = base.json;
        const applied: string[] = [];
        for (const [pick, m] of edits) {
          // paths of the current (already mutated) result, so that later edits reach new nodes too
          const paths = applied.length === 0 ? base.paths : pathsOf(json);
          if (paths.length === 0) break;
          const path = paths[pick % paths.length]!;
          json = mutate(json, path, m);
          applied.push(`${path.join('.')} ${m.kind === 'set' ? `= ${JSON.stringify(m.value)}` : m.kind}`);
        }
        // as read from a file: NaN and ±∞ become null, -0 becomes 0; grown arrays stay below 4 MB of JSON
        const text = JSON.stringify(json);
        if (text.length > MAX_JSON) return;
        const read = JSON.parse(text) as unknown as AnalysisReport;
        const what = `${base.name}: ${applied.join('; ')}`;
        if (TRACE) writeFileSync(TRACE, what);
        let html: string;
        try {
          html = renderHtmlReport(read);
        } catch (error) {
          expect(error, `${what}: ${String(error)}`).toBeInstanceOf(HessianLensError);
          tally.refused++;
          return;
        }
        const outside = outsideJson(html);
        expect(LEAK.test(outside), what).toBe(false);
        expect(scripts(html), what).toBe(2);
        tally.rendered++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzz renderHtmlReport: ${RUNS} mutated results (seed ${SEED}): rendered ${tally.rendered}, refused ${tally.refused}`);
    expect(tally.rendered).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  }, 600_000);
});
