/**
 * The README's library example runs as written (against the built dist/ under the package name),
 * and its first command line is the one the CLI tests exercise.
 */
import { readFile, writeFile, mkdtemp, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/chromium.js';
import { CHILD_NODE_FLAGS } from '../helpers/node-child.js';

describe('README', () => {
  it('the first lines give the install-and-run command and npm test', async () => {
    const text = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const firstBlock = text.split('```')[1]!;
    expect(firstBlock).toMatch(/npm install && npx hessian-lens analyze/);
    expect(firstBlock).toMatch(/npm test/);
  });

  /** Runs the README's `n`-th js example (0-based) as written against the package; returns stdout. */
  async function runExample(n: number): Promise<string> {
    const text = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const code = text.split('```js\n')[n + 1]!.split('```')[0]!;
    const dir = await mkdtemp(join(tmpdir(), 'hl-readme-'));
    await mkdir(join(dir, 'node_modules'));
    await symlink(repoRoot, join(dir, 'node_modules', 'hessian-lens'));
    await writeFile(join(dir, 'example.mjs'), code);
    // (CHILD_NODE_FLAGS: no flag the example needs; it avoids a deadlock of Node's at exit)
    // killed before vitest's own 120 s timeout, so a stall reports how far the example got (its
    // stderr: the dense path's progress) instead of only that the test timed out
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [...CHILD_NODE_FLAGS, join(dir, 'example.mjs')], { cwd: dir, timeout: 100_000 });
      return stdout;
    } catch (error) {
      const { stdout = '', stderr = '', signal } = error as { stdout?: string; stderr?: string; signal?: string };
      throw new Error(`example ${n} failed${signal ? ` (killed by ${signal})` : ''}: ${(error as Error).message.split('\n')[0]}\n` +
        `stdout: ${stdout.slice(-2000)}\nstderr (last 2000 characters): ${stderr.slice(-2000)}`);
    }
  }

  it('the library example runs as written', async () => {
    const lines = (await runExample(0)).trim().split('\n');
    // loss accuracy gradNorm [eigenvalues] [residuals], then G and the margin
    expect(lines[0]).toMatch(/^\d[\d.e-]* \d[\d.e-]* \d[\d.e-]* \[/);
    expect(lines.at(-1)).toMatch(/^[\d.]+ [\d.e-]+$/);
  });

  it('the dense-path example runs as written: eigenvalues, residuals, G over all p eigenvectors', async () => {
    const out = (await runExample(1)).trim();
    expect(out).toMatch(/^\[[^\]]+\] \[[^\]]+\] [\d.]+ \d+ of 1113$/);
  });
});
