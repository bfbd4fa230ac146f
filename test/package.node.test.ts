/**
 * The package as npm delivers it: `npm pack` of the built checkout has the license, the README,
 * the docs it links to and dist/ (nothing else of the repository); dist/ imports nothing but
 * Node's built-ins and its own files, so the package needs no runtime dependency; and the tarball
 * installed globally into a fresh prefix runs `hessian-lens analyze` outside the checkout.
 * Needs `npm run build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/chromium.js';

const run = promisify(execFile);
let dir: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hl-pack-'));
  // scripts off: npm test has just built dist/, and `prepare` would build it again
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info!.filename);
  files = info!.files.map((f) => f.path);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds LICENSE, README, the docs the README links to, and dist — nothing else', async () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/cli.js']) expect(files).toContain(f);
    const tops = new Set(files.map((f) => f.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json']);
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(files, `README links to ${link}`).toContain(link);
  });

  it('dist imports only node: built-ins and its own files, so it declares no runtime dependency', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    const dist = join(repoRoot, 'dist');
    for (const file of (await readdir(dist)).filter((f) => f.endsWith('.js'))) {
      const text = await readFile(join(dist, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]!);
      // 'mnist' is the optional peer dependency; 'tsx/esm/api' appears only inside the source text the
      // Node adapter evaluates in a worker when it is handed a .ts entry (tests run from src/), never from dist
      const allowed = (s: string): boolean => s.startsWith('./') || s.startsWith('node:') || s === 'mnist' || s === 'tsx/esm/api';
      for (const s of specifiers) expect(allowed(s), `${file} imports '${s}'`).toBe(true);
    }
  });

  it('installed from the tarball into a fresh prefix, `hessian-lens analyze` runs outside the checkout', async () => {
    const prefix = join(dir, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', tarball], { cwd: dir, maxBuffer: 16 << 20 });
    const cwd = await mkdtemp(join(dir, 'user-'));
    const { stdout } = await run(join(prefix, 'bin', 'hessian-lens'), ['analyze', '--budget', '0.05', '--dense=false', '--quiet', '--json', '--threads', '1'], { cwd, maxBuffer: 64 << 20, timeout: 110_000 });
    const report = JSON.parse(stdout) as { schema: string; spectrum: { eigenvalues: number[] } };
    expect(report.schema).toBe('hessian-lens/analysis@1');
    expect(report.spectrum.eigenvalues.length).toBe(10);
  }, 120_000);
});
