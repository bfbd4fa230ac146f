/**
 * The playground page (demo/, built by scripts/build-demo.mjs into dist/demo/) driven in Debian's
 * Chromium from a static server on 127.0.0.1. The page loads, its analysis worker starts the
 * library's worker pool, the browser goes offline, the `gauss-normal` preset is trained at a
 * short budget, and the numbers the page shows (#lambda1, #G, #margin, full precision in
 * data-value) and the JSON it exports must equal what the public API returns for the same preset,
 * budget and seed. The reference is independent of the page: `analyze(engine, { preset })` from
 * dist/index.js (the library as users get it), which trains inside `analyze`, while the page's
 * worker trains with `runPreset` and analyses the given model. The API runs in the same browser
 * (same kernel build: bitwise-equal results required) and in Node (bitwise equal too when Node
 * runs the same kernel build — every function outside wasm comes from src/model/detmath.ts — and
 * within 1e-9 (λ1, G) and 1e-2 (margin, an iterative ascent that amplifies rounding) otherwise).
 * Needs `npm run build` for dist/index.js; the page itself is rebuilt here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadMlp } from '../../src/index.js';
import { browserAvailable, launchChromium, repoRoot, serveRepo } from '../helpers/chromium.js';

const artifacts = join(repoRoot, 'test/artifacts');
const BUDGET = 0.02;
const SEED = 0;

interface Shown { lambda1: string | null; G: string | null; margin: string | null }

describe.runIf(browserAvailable())('the playground in Chromium', () => {
  let server: Awaited<ReturnType<typeof serveRepo>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build-demo.mjs')], { cwd: repoRoot, stdio: 'pipe' });
    mkdirSync(artifacts, { recursive: true });
    server = await serveRepo();
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1100 } });
    page = await context.newPage();
    // Counts WebAssembly compilations and instantiations in the page's main thread (workers have
    // their own globals): the page must leave all computing to its workers.
    await page.addInitScript(() => {
      const counts = { wasm: 0 };
      (window as unknown as { wasmOnMain: typeof counts }).wasmOnMain = counts;
      const W = WebAssembly as unknown as Record<string, unknown>;
      for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
        const original = W[name] as ((...args: unknown[]) => unknown) | undefined;
        if (original) W[name] = (...args: unknown[]): unknown => { counts.wasm++; return original.apply(WebAssembly, args); };
      }
      for (const name of ['Module', 'Instance']) {
        const Original = W[name] as new (...args: unknown[]) => object;
        W[name] = new Proxy(Original, { construct(target, args) { counts.wasm++; return Reflect.construct(target, args); } });
      }
    });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${server.url}/dist/demo/`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const state = (): Promise<string | undefined> => page.evaluate(() => document.body.dataset.state);
  async function trainAndWait(): Promise<void> {
    await page.click('#train');
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: 60_000 });
    if ((await state()) === 'error') throw new Error(`the page reported: ${await page.textContent('#status-text')}`);
  }

  /** Distinct RGB colours on the heat-map canvas and a cheap hash of its pixels. */
  const canvasStats = (): Promise<{ colours: number; hash: number; width: number }> => page.evaluate(() => {
    const c = document.getElementById('heatmap') as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      set.add(v);
      hash = (Math.imul(hash, 31) + v) | 0;
    }
    return { colours: set.size, hash, width: c.width };
  });

  it('trains the gauss preset offline in a worker and shows what the API returns', async () => {
    // the library's pool workers started inside the page's analysis worker
    const cores = await page.evaluate(() => navigator.hardwareConcurrency || 1);
    const poolWorkers = Number(await page.evaluate(() => document.body.dataset.poolWorkers));
    expect(poolWorkers).toBe(cores > 1 ? Math.min(4, cores) : 0);

    // everything is loaded: the page must work without the network from here on
    await context.setOffline(true);
    expect(await page.evaluate(() => fetch('/dist/demo/index.html').then(() => 'reached', () => 'offline'))).toBe('offline');
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))); // the probe's own failure
    const before = requests.length;

    await page.selectOption('#source', 'preset:gauss-normal');
    await page.fill('#budget', String(BUDGET));
    await page.fill('#seed', String(SEED));
    await page.fill('#top', '10');
    await page.fill('#grid-res', '100');
    await page.click('#train');
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: 60_000 });
    expect(await state(), (await page.textContent('#status-text')) ?? '').toBe('done');
    const live = await page.evaluate(() => ({ progress: Number(document.body.dataset.progressEvents), wasm: (window as unknown as { wasmOnMain: { wasm: number } }).wasmOnMain.wasm }));
    expect(live.progress).toBeGreaterThan(0); // the live loss curve was fed while training
    // Training and analysis ran off the main thread: it never compiled or instantiated the kernels.
    // (A timer measuring the main thread's longest gap would say so too, but depends on the load.)
    expect(live.wasm).toBe(0);
    // the counter itself works: an empty module compiled on the main thread is counted
    expect(await page.evaluate(() => {
      new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      return (window as unknown as { wasmOnMain: { wasm: number } }).wasmOnMain.wasm;
    })).toBe(1);
    expect(requests.length).toBe(before); // nothing was fetched while offline

    const shown: Shown = await page.evaluate(() => ({
      lambda1: document.getElementById('lambda1')!.dataset.value ?? null,
      G: document.getElementById('G')!.dataset.value ?? null,
      margin: document.getElementById('margin')!.dataset.value ?? null,
    }));

    // the heat map: many colours; another eigenvector draws another map
    const a1 = await canvasStats();
    expect(a1.width).toBeGreaterThan(200);
    expect(a1.colours).toBeGreaterThan(50);
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
    await page.selectOption('#eigenvector', 'a1');
    const a2 = await canvasStats();
    expect(a2.colours).toBeGreaterThan(50);
    expect(a2.hash).not.toBe(a1.hash);
    await page.selectOption('#eigenvector', 'a0');

    // exports: the analysis JSON and the model as safetensors
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const exported = JSON.parse(readFileSync((await jsonDownload.path())!, 'utf8'));
    const [modelDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-model')]);
    const model = loadMlp(new Uint8Array(readFileSync((await modelDownload.path())!)));
    expect(model.spec.sizes).toEqual([2, 100, 100, 3]);
    expect(model.theta.length).toBe(exported.model.parameters);

    // the API in the same browser: analyze({ preset }) from dist/index.js
    await context.setOffline(false);
    // (a string, so the test runner's module transform leaves the browser's import() alone)
    const api = JSON.parse(await page.evaluate(`(async () => {
      const lib = await import('/dist/index.js');
      const engine = await lib.createEngine();
      try {
        return JSON.stringify(await lib.analyze(engine, { preset: 'gauss-normal', budget: ${BUDGET}, seed: ${SEED}, dense: false }));
      } finally {
        await engine.close();
      }
    })()`) as string);
    expect(Number(shown.lambda1)).toBe(api.spectrum.eigenvalues[0]);
    expect(Number(shown.G)).toBe(api.generalization.topK.G);
    expect(Number(shown.margin)).toBe(api.margin.margin);
    // the page's record is the API's record, field for field
    expect(exported).toEqual(api);

    // the API in Node from dist/node/ (what Node gets from the package): equal up to the kernel build's rounding
    const lib = await import('../../dist/node/index.js');
    const engine = await lib.createEngine({ threads: 1 });
    const node = await lib.analyze(engine, { preset: 'gauss-normal', budget: BUDGET, seed: SEED, dense: false });
    await engine.close();
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
    const diffs = { lambda1: rel(Number(shown.lambda1), node.spectrum.eigenvalues[0]!), G: rel(Number(shown.G), node.generalization.topK.G), margin: rel(Number(shown.margin), node.margin!.margin) };
    console.log(`demo vs Node (build ${node.settings.kernelBuild} vs ${api.settings.kernelBuild}): relative differences ${JSON.stringify(diffs)}`);
    if (node.settings.kernelBuild === api.settings.kernelBuild) {
      expect(diffs).toEqual({ lambda1: 0, G: 0, margin: 0 });
    } else {
      expect(diffs.lambda1, 'λ1').toBeLessThan(1e-9);
      expect(diffs.G, 'G').toBeLessThan(1e-9);
      expect(diffs.margin, 'margin').toBeLessThan(1e-2);
    }

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(server.url))).toEqual([]);
  });

  it('trains a chosen network on a toy set (moons, Adam) and redraws', async () => {
    await page.selectOption('#source', 'data:moons');
    await page.fill('#hidden', '16, 16');
    await page.selectOption('#activation', 'tanh');
    await page.selectOption('#optimizer', 'adam');
    await page.fill('#lr', '0.01');
    await page.fill('#epochs', '60');
    await page.fill('#batch', '32');
    await page.fill('#top', '6');
    await page.fill('#grid-res', '60');
    await trainAndWait();
    const r = await page.evaluate(() => ({
      model: document.getElementById('model-info')!.textContent,
      lambda1: Number(document.getElementById('lambda1')!.dataset.value),
      options: [...(document.getElementById('eigenvector') as HTMLSelectElement).options].map((o) => o.value),
    }));
    expect(r.model).toContain('2-16-16-2 tanh');
    expect(Number.isFinite(r.lambda1)).toBe(true);
    expect(r.options).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'boundary', 'classes']);
    await page.selectOption('#eigenvector', 'boundary');
    expect((await canvasStats()).colours).toBeGreaterThan(50);
    expect(errors).toEqual([]);
  });

  /** Whether the live loss chart draws any data (its series paths are empty without). */
  const lossDrawn = (): Promise<boolean> => page.evaluate(() => [...document.querySelectorAll('#fig-live-loss path[stroke-linejoin]')].some((p) => (p.getAttribute('d') ?? '') !== ''));

  it('the form: a source name fits its select; a toy set after a preset gets the toy defaults', async () => {
    const fit = await page.evaluate(() => {
      const select = document.getElementById('source') as HTMLSelectElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(select).font;
      const widest = Math.max(...[...select.options].map((o) => ctx.measureText(o.text).width));
      return { widest, room: select.clientWidth - 30 }; // padding and the arrow take ≈ 30 px
    });
    expect(fit.widest).toBeLessThanOrEqual(fit.room);
    const defaults = await page.evaluate(() => Object.fromEntries(['hidden', 'lr', 'epochs', 'batch'].map((id) => [id, (document.getElementById(id) as HTMLInputElement).defaultValue])));
    await page.selectOption('#source', 'preset:gauss-normal');
    await page.fill('#budget', '0.5');
    await page.dispatchEvent('#budget', 'input');
    expect(await page.inputValue('#epochs')).toBe('1000'); // the preset's 2000 epochs at budget 0.5
    await page.selectOption('#source', 'data:circles');
    const after = await page.evaluate(() => Object.fromEntries(['hidden', 'lr', 'epochs', 'batch', 'activation', 'optimizer'].map((id) => [id, (document.getElementById(id) as HTMLInputElement).value])));
    expect(after).toEqual({ ...defaults, activation: 'relu', optimizer: 'sgd' });
    // a toy set after a toy set keeps what the user typed
    await page.fill('#epochs', '77');
    await page.selectOption('#source', 'data:moons');
    expect(await page.inputValue('#epochs')).toBe('77');
  });

  it('a two-class run: the per-class figure shows its colour-bar title whole', async () => {
    await page.selectOption('#source', 'data:moons');
    await page.fill('#epochs', '20');
    await page.fill('#top', '6');
    await page.fill('#grid-res', '30');
    await trainAndWait();
    const outside = await page.evaluate(() => {
      const svg = document.querySelector('#class-alignment svg')!;
      const s = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text')].filter((t) => {
        const b = t.getBoundingClientRect();
        return b.left < s.left - 0.5 || b.top < s.top - 0.5 || b.right > s.right + 0.5 || b.bottom > s.bottom + 0.5;
      }).map((t) => t.textContent);
    });
    expect(outside).toEqual([]);
    expect(await lossDrawn()).toBe(true);
  });

  it('another data set and Stop clear the loss curve and the results', async () => {
    // after a finished run, choosing another data set forgets it
    expect(await state()).toBe('done');
    await page.selectOption('#source', 'data:xor');
    expect(await lossDrawn()).toBe(false);
    expect(await page.evaluate(() => ({ results: document.getElementById('results')!.hidden, lambda1: document.getElementById('lambda1')!.textContent, json: (document.getElementById('export-json') as HTMLButtonElement).disabled }))).toEqual({ results: true, lambda1: '–', json: true });
    // a long run, stopped while training: its partial curve does not stay
    await page.fill('#epochs', '100000');
    await page.click('#train');
    await page.waitForFunction(() => Number(document.body.dataset.progressEvents) > 3, null, { timeout: 60_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#fig-live-loss path[stroke-linejoin]')].some((p) => (p.getAttribute('d') ?? '') !== ''), null, { timeout: 10_000 });
    await page.click('#stop');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
    expect(await page.textContent('#status-text')).toBe('stopped');
    expect(await lossDrawn()).toBe(false);
    expect(await page.textContent('#fig-live-loss')).toContain('stopped');
    expect(errors).toEqual([]);
  });
});
