/**
 * The package in other people's apps (issue 16). `npm pack` of the built checkout is extracted
 * into the node_modules of four small apps, each built with its tool's defaults and nothing else:
 * Vite (`vite build`, no config file), esbuild (`--bundle --format=esm`), webpack 5 (the Node API
 * with `mode: 'production'` only: default context, entry ./src/index.js and output dist/) and a
 * page with no bundler that imports node_modules/hessian-lens/dist/index.js. The bundlers are the
 * repository's devDependencies; nothing is downloaded.
 *
 * Each build must print no warning or error; each app, served from 127.0.0.1 and opened in
 * Chromium, trains a few epochs, evaluates, runs Lanczos top-3 on a session over the worker pool
 * (test/pages/consumer-app.js), and must have run on 2 workers — the engine's threads and the
 * samples each worker reported holding — with numbers equal bit for bit to the same code run in
 * Node from the package's dist/node/. The reference is independent of the bundles: another build
 * of the library (the Node variant, with worker_threads), another runtime. esbuild does not
 * rewrite `new URL('./worker.js', import.meta.url)`, so its app first runs without the worker
 * (the engine must say 1 thread and warn with the URL and the fix), then with dist/worker.js
 * copied next to the bundle, as the README says. Each app's build log and the bytes the page
 * loaded (raw and gzip) are printed.
 *
 * Also: the packed declarations compile in a strict Node-only TypeScript project (lib ES2022,
 * types node) and in a DOM one, both with skipLibCheck false, and `require()` of the ESM package
 * works in this Node. Needs `npm run build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchChromium, repoRoot, serveRepo } from '../helpers/chromium.js';

const run = promisify(execFile);
const bin = (path: string): string => join(repoRoot, 'node_modules', path);
const IMPORTS = ['createEngine', 'generateToy', 'mlpSpec', 'initParameters', 'train', 'lanczos'];
const FIX = 'copy node_modules/hessian-lens/dist/worker.js next to the bundle';

type Result = Record<string, unknown> & { threads: number; sessionThreads: number; shards: number[] };

let dir: string;
let tarball: string;
let reference: Result;

/** An app directory with the packed package extracted into node_modules/hessian-lens. */
async function app(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'node_modules'), { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', join(root, 'node_modules')]);
  await cp(join(root, 'node_modules/package'), join(root, 'node_modules/hessian-lens'), { recursive: true });
  await rm(join(root, 'node_modules/package'), { recursive: true });
  return root;
}

/** The app's entry: imports what it uses by name, runs consumer-app.js, exposes the result. */
function entry(specifier: string, computeModule: string): string {
  return `import { ${IMPORTS.join(', ')} } from '${specifier}';
import { consumerRun } from '${computeModule}';
window.result = consumerRun({ ${IMPORTS.join(', ')} }).then((r) => r, (e) => ({ error: String(e && e.stack || e) }));
`;
}

const page = (script: string): string =>
  `<!doctype html>\n<meta charset="utf-8">\n<title>consumer app</title>\n<link rel="icon" href="data:,">\n<script type="module" src="${script}"></script>\n`;

async function jsFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Raw and gzip bytes of files, one line each and a total. */
async function sizes(files: string[], base: string): Promise<string> {
  let raw = 0;
  let gz = 0;
  const lines: string[] = [];
  for (const f of files) {
    const bytes = await readFile(f);
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    lines.push(`  ${relative(base, f)}: ${(bytes.length / 1000).toFixed(1)} kB (gzip ${(g / 1000).toFixed(1)} kB)`);
  }
  return `${lines.join('\n')}\n  total: ${(raw / 1000).toFixed(1)} kB (gzip ${(gz / 1000).toFixed(1)} kB)`;
}

/** What a build printed that reads as a warning or an error. */
const complaints = (log: string): string[] => log.split('\n').filter((line) => /\b(?:warn|warning|warnings|error|errors)\b|\(!\)|✘|▲/i.test(line));

beforeAll(async () => {
  await stat(join(repoRoot, 'dist/index.js')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build` first');
  });
  dir = await mkdtemp(join(tmpdir(), 'hl-consumers-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, maxBuffer: 16 << 20 });
  tarball = join(dir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  // the reference: the same code in Node, from the packed package's Node variant
  const node = await app('node-reference');
  const lib = await import(pathToFileURL(join(node, 'node_modules/hessian-lens/dist/node/index.js')).href);
  const { consumerRun } = await import('../pages/consumer-app.js');
  reference = (await consumerRun(lib)) as Result;
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('Node, from the packed dist/node/, runs the pool on 2 worker threads', () => {
  expect(reference.threads).toBe(2);
  expect(reference.sessionThreads).toBe(2);
  expect(reference.shards).toEqual([256, 44]); // blocks of 256 samples, split over the workers
});

it('the packed browser build (dist/ but dist/node/ and the CLI) mentions no node: module', async () => {
  const root = join(dir, 'node-reference/node_modules/hessian-lens/dist');
  const browser = (await jsFiles(root)).filter((f) => !relative(root, f).startsWith('node/') && !f.endsWith('/cli.js'));
  expect(browser.map((f) => relative(root, f))).toEqual(expect.arrayContaining(['index.js', 'worker.js', 'report.js']));
  for (const file of browser) expect(await readFile(file, 'utf8'), relative(root, file)).not.toMatch(/\bnode:/);
});

it('require() of the ESM package works (Node ≥ 20.19 / 22.12, the engines range)', async () => {
  const root = await app('require');
  const { stdout } = await run(process.execPath, ['-e',
    "const l = require('hessian-lens'); const r = require('hessian-lens/report'); console.log(typeof l.createEngine, typeof r.renderHtmlReport)"], { cwd: root });
  expect(stdout.trim()).toBe('function function');
});

describe('TypeScript consumers compile against the packed declarations (skipLibCheck false)', () => {
  const source = `import { createEngine, generateToy, type Engine, type ToyName } from 'hessian-lens';
import { renderHtmlReport } from 'hessian-lens/report';
const name: ToyName = 'moons';
const engine: Engine = await createEngine({ threads: 1 });
const data = generateToy(name);
// @ts-expect-error a name outside ToyName
generateToy('mooons');
const session = await engine.session({ spec: { sizes: [2, 3], activation: 'relu' }, theta: new Float32Array(9) }, data);
const shards: readonly number[] = session.shards;
console.log(engine.threads, shards, typeof renderHtmlReport);
`;
  const cases = {
    node: { lib: ['ES2022'], types: ['node'], module: 'NodeNext', moduleResolution: 'NodeNext', typeRoots: [bin('@types')] },
    dom: { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], module: 'ESNext', moduleResolution: 'Bundler' },
  };
  it.each(Object.keys(cases) as (keyof typeof cases)[])('%s project', async (kind) => {
    const root = await app(`ts-${kind}`);
    await writeFile(join(root, 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(join(root, 'main.ts'), source);
    await writeFile(join(root, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, ...cases[kind] },
      include: ['main.ts'],
    }, null, 2));
    const result = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', root], { cwd: root }).then(() => '', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('');
  });
});

describe.runIf(browserAvailable())('apps built with default bundler settings, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Serves `root`, opens `path`, waits for the app's result; returns it with the console and the JS loaded. */
  async function open(root: string, path: string): Promise<{ result: Result; warnings: string[]; errors: string[]; loaded: string[]; url: string }> {
    const server = await serveRepo(root);
    const context = await browser.newContext();
    const tab = await context.newPage();
    const warnings: string[] = [];
    const errors: string[] = [];
    const loaded: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
      if (m.type() === 'error') errors.push(m.text());
    });
    tab.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    context.on('response', (r) => {
      if (r.ok() && r.url().endsWith('.js')) loaded.push(r.url().slice(server.url.length + 1));
    });
    try {
      await tab.goto(`${server.url}/${path}`);
      const result = (await tab.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as Result & { error?: string };
      if (result.error) throw new Error(`the app failed: ${result.error}`);
      return { result, warnings, errors, loaded: [...new Set(loaded)], url: server.url };
    } finally {
      await context.close();
      await server.close();
    }
  }

  /** The checks every app passes once its worker is where the page looks for it. */
  async function check(name: string, root: string, path: string, log: string): Promise<void> {
    const { result, warnings, errors, loaded } = await open(root, path);
    console.log(`[${name}] build log:\n${log.trim() || '(nothing)'}\n[${name}] JavaScript the page loaded:\n${await sizes(loaded.map((f) => join(root, f)), root)}`);
    expect(complaints(log), `${name}: the build warned`).toEqual([]);
    for (const f of loaded) expect(await readFile(join(root, f), 'utf8'), `${f} holds the build machine's path`).not.toContain(dir);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(result.threads).toBe(2);
    expect(result.sessionThreads).toBe(2);
    expect(result.shards).toEqual([256, 44]); // what each of the 2 workers said it holds
    expect(result.build).toBe(reference.build);
    expect(result).toEqual(reference);
  }

  it('Vite: vite build, no config', async () => {
    const root = await app('vite');
    await writeFile(join(root, 'index.html'), page('./main.js'));
    await writeFile(join(root, 'main.js'), entry('hessian-lens', './consumer-app.js'));
    await copyFile(join(repoRoot, 'test/pages/consumer-app.js'), join(root, 'consumer-app.js'));
    const { stdout, stderr } = await run(process.execPath, [bin('vite/bin/vite.js'), 'build'], { cwd: root, env: { ...process.env, NO_COLOR: '1', CI: 'true' } });
    await check('vite', join(root, 'dist'), '', stdout + stderr);
  });

  it('esbuild: --bundle --format=esm; without dist/worker.js next to the bundle it says so, with it runs 2 workers', async () => {
    const root = await app('esbuild');
    await writeFile(join(root, 'main.js'), entry('hessian-lens', './consumer-app.js'));
    await copyFile(join(repoRoot, 'test/pages/consumer-app.js'), join(root, 'consumer-app.js'));
    const { stdout, stderr } = await run(bin('.bin/esbuild'), ['main.js', '--bundle', '--format=esm', '--outfile=out/main.js'], { cwd: root });
    await writeFile(join(root, 'out/index.html'), page('./main.js'));

    // esbuild leaves new URL('./worker.js', import.meta.url) as it is: out/worker.js is missing
    const missing = await open(join(root, 'out'), '');
    expect(missing.result.threads).toBe(1);
    expect(missing.result.sessionThreads).toBe(1);
    expect(missing.result.shards).toEqual([300]);
    expect(missing.warnings).toHaveLength(1);
    expect(missing.warnings[0]).toContain(`the page asked for ${missing.url}/worker.js`);
    expect(missing.warnings[0]).toContain(FIX);
    expect(missing.warnings[0]).toContain('engine.threads is now 1 instead of 2');
    const strip = (r: Result): Result => ({ ...r, threads: 0, sessionThreads: 0, shards: [] });
    expect(strip(missing.result)).toEqual(strip(reference)); // same bits in the calling thread
    console.log(`[esbuild] without out/worker.js the page warned: ${missing.warnings[0]}`);

    await copyFile(join(root, 'node_modules/hessian-lens/dist/worker.js'), join(root, 'out/worker.js'));
    await check('esbuild', join(root, 'out'), '', stdout + stderr);
  });

  it('webpack 5: the Node API with mode production only', async () => {
    const root = await app('webpack');
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/index.js'), entry('hessian-lens', './consumer-app.js'));
    await copyFile(join(repoRoot, 'test/pages/consumer-app.js'), join(root, 'src/consumer-app.js'));
    const script = `import webpack from ${JSON.stringify(pathToFileURL(bin('webpack/lib/index.js')).href)};
webpack({ mode: 'production' }, (error, stats) => {
  if (error) { console.error(error); process.exit(1); }
  console.log(stats.toString({ colors: false }));
  process.exit(stats.hasErrors() || stats.hasWarnings() ? 1 : 0);
});`;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`webpack failed:\n${e.stdout}\n${e.stderr}`);
    });
    await writeFile(join(root, 'dist/index.html'), page('./main.js'));
    // webpack's stats name the sizes ("asset main.js 205 KiB") and say "compiled successfully"
    await check('webpack', join(root, 'dist'), '', stdout + stderr);
  });

  it('no bundler: a module script importing node_modules/hessian-lens/dist/index.js', async () => {
    const root = await app('plain');
    await writeFile(join(root, 'main.js'), entry('./node_modules/hessian-lens/dist/index.js', './consumer-app.js'));
    await copyFile(join(repoRoot, 'test/pages/consumer-app.js'), join(root, 'consumer-app.js'));
    await writeFile(join(root, 'index.html'), page('./main.js'));
    await check('no bundler', root, '', '');
  });
});
