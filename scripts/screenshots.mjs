#!/usr/bin/env node
// Regenerates the README's screenshots with Debian's Chromium (playwright-core, no browser
// download): docs/img/report.png — the HTML report of the gauss preset (the input-plane maps),
// docs/img/demo.png — the playground after training the same preset.
// Usage: npm run screenshots   (= node --import tsx scripts/screenshots.mjs; the analysis runs from src/)
// Options: --budget B (default 0.1), --out DIR (default docs/img). $CHROMIUM_PATH overrides /usr/bin/chromium.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildDemo } from './build-demo.mjs';
import { serveDir } from './serve-demo.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const budget = Number(arg('--budget', '0.1'));
const out = resolve(arg('--out', join(root, 'docs/img')));
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
if (!executablePath) {
  console.error('screenshots: Chromium not found (install Debian\'s `chromium` or set CHROMIUM_PATH)');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const { createEngine, analyze } = await import(pathToFileURL(join(root, 'src/index.ts')).href);
const { renderHtmlReport } = await import(pathToFileURL(join(root, 'src/report/html.ts')).href);
const { chromium } = await import('playwright-core');

const engine = await createEngine();
console.log(`analysing the gauss-normal preset at budget ${budget}…`);
const report = await analyze(engine, { preset: 'gauss-normal', budget });
await engine.close();
const tmp = mkdtempSync(join(tmpdir(), 'hessian-lens-shots-'));
const reportFile = join(tmp, 'report.html');
writeFileSync(reportFile, renderHtmlReport(report));

const { outdir } = await buildDemo();
const server = await serveDir(outdir, 0);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  await page.goto(pathToFileURL(reportFile).href);
  // the maps: class regions, reconstruction, margin, then the first alignment maps
  const top = await page.evaluate(() => document.getElementById('maps').getBoundingClientRect().top + window.scrollY);
  await page.screenshot({ path: join(out, 'report.png'), fullPage: true, clip: { x: 0, y: top - 8, width: 1300, height: 820 } });
  console.log(`wrote ${join(out, 'report.png')}`);

  const demo = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  await demo.goto(server.url);
  await demo.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
  await demo.selectOption('#source', 'preset:gauss-normal');
  await demo.fill('#budget', String(budget));
  await demo.click('#train');
  await demo.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 300_000 });
  await demo.screenshot({ path: join(out, 'demo.png'), fullPage: true });
  console.log(`wrote ${join(out, 'demo.png')}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
