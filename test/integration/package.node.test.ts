/**
 * The package as npm delivers it: `npm pack` of the built checkout has the license, the README,
 * the docs it links to and dist/ (nothing else of the repository); dist/ imports nothing but
 * Node's built-ins (in dist/node/ and dist/cli.js only) and its own files, so the package needs no
 * runtime dependency, and the browser build mentions no `node:` module at all; and the tarball
 * installed globally into a fresh prefix runs `hessian-lens analyze` outside the checkout.
 * Needs `npm run build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/chromium.js';

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
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/report.js', 'dist/report.d.ts',
      'dist/node/index.js', 'dist/node/worker.js', 'dist/node/report.js', 'dist/cli.js']) expect(files).toContain(f);
    const tops = new Set(files.map((f) => f.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json']);
    // npm's page resolves no relative link without a repository: the README links to this
    // version's copy of the shipped files on a package CDN, which must be in the tarball
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(readme).not.toMatch(/\]\((?!https?:|#)[^)]+\)/); // no relative link or image
    const links = [...readme.matchAll(/\]\(https:\/\/unpkg\.com\/hessian-lens@([^/]+)\/([^)#\s]+)\)/g)];
    expect(links.length).toBeGreaterThan(5);
    for (const [, at, path] of links) {
      expect(at, `README links to ${path} of version ${at}`).toBe(version);
      expect(files, `README links to ${path}`).toContain(path);
    }
  });

  it('dist imports only node: built-ins (Node build) and its own files, so it declares no runtime dependency', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    const dist = join(repoRoot, 'dist');
    const js = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.js') && !f.startsWith('demo/'));
    expect(js).toContain('node/index.js');
    for (const file of js) {
      const text = await readFile(join(dist, file), 'utf8');
      const browser = !file.startsWith('node/') && file !== 'cli.js';
      if (browser) expect(text, `${file} is in the browser build`).not.toMatch(/\bnode:/);
      const specifiers = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]!);
      // 'mnist' is the optional peer dependency; 'tsx/esm/api' appears only inside the source text the
      // Node adapter evaluates in a worker when it is handed a .ts entry (tests run from src/), never from dist
      const allowed = (s: string): boolean => s.startsWith('./') || (!browser && (s.startsWith('node:') || s === 'tsx/esm/api' || s.startsWith('../'))) || s === 'mnist';
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
