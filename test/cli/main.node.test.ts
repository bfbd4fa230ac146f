/**
 * The CLI against the PyTorch fixtures (independent: PyTorch autograd in float64) and its error
 * contract: one JSON document on stdout with --json, one line on stderr and exit 1 on bad input,
 * exit 2 on a malformed command line. Most cases run `runCli` in-process; one runs the built
 * `dist/cli.js` as a child process, as `npx hessian-lens` would.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { FIXTURE_CASES, loadFixture, relL2 } from '../helpers/fixtures.js';
import { CHILD_NODE_FLAGS } from '../helpers/node-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string, file: string): string => join(root, 'test', 'fixtures', name, file);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe.each(FIXTURE_CASES)('CLI on fixture %s', (name) => {
  const base = ['--model', fixture(name, 'model.safetensors'), '--data', fixture(name, 'data.csv'), '--json'];

  it('evaluate --json prints {"parameters","n","classes","loss","accuracy","gradNorm"} matching PyTorch', async () => {
    const { ref } = await loadFixture(name);
    for (const [precision, tol] of [['f64', 1e-10], ['f32', 1e-4]] as const) {
      const { code, stdout, stderr } = await cli(['evaluate', ...base, '--precision', precision]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = JSON.parse(stdout) as Record<string, number>;
      expect(Object.keys(out)).toEqual(['parameters', 'n', 'classes', 'loss', 'accuracy', 'gradNorm']);
      expect(out.parameters).toBe(ref.p);
      expect(out.n).toBe(ref.n);
      expect(Math.abs(out.loss! - ref.loss) / ref.loss).toBeLessThan(precision === 'f64' ? 1e-12 : 1e-6);
      expect(out.accuracy).toBe(ref.accuracy);
      expect(Math.abs(out.gradNorm! - ref.grad_norm) / ref.grad_norm).toBeLessThan(tol);
    }
  });

  it('hvp --vector V.json --json prints {"vector","rayleigh","hv":[…]} matching PyTorch', async () => {
    const { ref } = await loadFixture(name);
    const dir = await mkdtemp(join(tmpdir(), 'hl-cli-'));
    const vector = join(dir, 'v.json');
    await writeFile(vector, JSON.stringify(ref.hvp.v));
    const { code, stdout } = await cli(['hvp', ...base, '--vector', vector]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { hv: number[] };
    expect(Object.keys(out)).toEqual(['vector', 'rayleigh', 'hv']);
    expect(relL2(out.hv, ref.hvp.Hv)).toBeLessThan(1e-4);
    const precise = JSON.parse((await cli(['hvp', ...base, '--vector', vector, '--precision', 'f64'])).stdout) as { hv: number[] };
    expect(relL2(precise.hv, ref.hvp.Hv)).toBeLessThan(1e-10);
  });
});

describe('CLI errors', () => {
  const name = 'iris_4-16-3_relu';
  it('usage errors exit 2 with one line', async () => {
    for (const args of [['frobnicate'], ['evaluate'], ['evaluate', '--model'], ['evaluate', '--bogus', '1'], ['evaluate', '--precision', 'f16']]) {
      const { code, stderr, stdout } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('bad input exits 1 with one line naming the problem, never a wasm trap', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-cli-'));
    const shortVector = join(dir, 'short.json');
    await writeFile(shortVector, '[1, 2, 3]');
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, 'f0,f1,f2,f3,label\n1,2,3,4,0\n1,2,x,4,1\n');
    const cases: [string[], RegExp][] = [
      [['evaluate', '--model', join(dir, 'missing.safetensors'), '--data', fixture(name, 'data.csv')], /missing\.safetensors.*no such file/],
      [['evaluate', '--model', fixture(name, 'data.csv'), '--data', fixture(name, 'data.csv')], /data\.csv/],
      [['evaluate', '--model', fixture(name, 'model.safetensors'), '--data', badCsv], /bad\.csv.*line 3.*'x'/],
      [['evaluate', '--model', fixture(name, 'model.safetensors'), '--data', fixture('moons_2-16-16-2_tanh', 'data.csv')], /feature/],
      [['hvp', '--model', fixture(name, 'model.safetensors'), '--data', fixture(name, 'data.csv'), '--vector', shortVector], /3 entries.*p = 131/],
    ];
    for (const [args, pattern] of cases) {
      const { code, stderr } = await cli(args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(pattern);
      expect(stderr).not.toMatch(/unreachable|RuntimeError|memory access/);
    }
  });

  it('--help lists the commands; the built dist/cli.js runs as a program', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/evaluate/);
    expect(help.stdout).toMatch(/hvp/);
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...CHILD_NODE_FLAGS, join(root, 'dist', 'cli.js'), 'evaluate', '--model', fixture(name, 'model.safetensors'), '--data', fixture(name, 'data.csv'), '--json',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ parameters: 131, n: 150, classes: 3 });
  });

  it('the build leaves dist/cli.js executable (npx reuses its bin link after a rebuild)', async () => {
    const { mode } = await stat(join(root, 'dist', 'cli.js'));
    expect(mode & 0o111).toBe(0o111);
    const { stdout } = await promisify(execFile)(join(root, 'dist', 'cli.js'), ['--help']);
    expect(stdout).toMatch(/^hessian-lens — /);
  });
});
