/**
 * The whole command line, end to end: generated argument lists over the real command specs of
 * `runCli` (evaluate and hvp, plus help and unknown commands), pointing at good, bad, missing and
 * non-file inputs. Every run must resolve with exit code 0, 1 or 2, never print an internal error
 * or a wasm trap, print exactly one stderr line when it fails, and print JSON with --json when it
 * succeeds. (The parser alone gets 10,000+ inputs in fuzz.test.ts; each run here reads files and
 * may compute, so there are fewer.) FUZZ_CLI_RUNS overrides the count (default 1,000).
 */
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { MODEL_CASES } from '../cases/errors.js';

const RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_808);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string, file: string): string => join(root, 'test/fixtures', name, file);

describe('fuzzing runCli', () => {
  let paths: string[] = [];
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hl-fuzz-cli-'));
    const write = async (name: string, content: string | Uint8Array): Promise<string> => {
      const file = join(dir, name);
      await writeFile(file, content);
      return file;
    };
    paths = [
      fixture('iris_4-16-3_relu', 'model.safetensors'),
      fixture('iris_4-16-3_relu', 'data.csv'),
      fixture('moons_2-16-16-2_tanh', 'model.safetensors'),
      fixture('moons_2-16-16-2_tanh', 'data.csv'),
      await write('v131.json', JSON.stringify(Array.from({ length: 131 }, (_, i) => Math.sin(i)))),
      await write('short.json', '[1, 2, 3]'),
      await write('bad.json', '{"v": '),
      await write('bad.csv', 'f0,f1,f2,f3,label\n1,2,x,4,0\n'),
      await write('bad.safetensors', MODEL_CASES[10]!.bytes),
      join(dir, 'missing.csv'),
      dir,
      '',
    ];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`${RUNS} generated command lines end in exit 0, 1 or 2 with one clean line on failure`, async () => {
    const path = fc.nat(100).map((i) => ({ path: i }));
    type Token = string | { path: number };
    /** A mostly valid value per option, sometimes a bad one. */
    const valueOf: Record<string, fc.Arbitrary<Token>> = {
      '--model': path,
      '--data': path,
      '--vector': path,
      '--activation': fc.constantFrom('tanh', 'relu', 'gelu', 'identity', 'sigmoid', 'swish'),
      '--build': fc.constantFrom('auto', 'simd128', 'relaxed', 'avx'),
      '--precision': fc.constantFrom('f32', 'f64', 'f64', 'f16'),
      '--threads': fc.constantFrom('1', '2', '3', '0', '1.5'),
    };
    // option–value pairs, mostly well formed and not repeated, so many runs reach the files and the engine
    const pair: fc.Arbitrary<Token[]> = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...Object.keys(valueOf)).chain((o) => valueOf[o]!.map((v): Token[] => [o, v])) },
      { weight: 2, arbitrary: fc.constantFrom<Token[]>(['--json'], ['--quiet'], ['--json=true']) },
      { weight: 1, arbitrary: fc.constantFrom<Token[]>(['--help'], ['-h'], ['--bogus'], ['--'], ['--='], ['extra'], ['--model']) },
    );
    const argvArb = fc.tuple(
      fc.constantFrom('evaluate', 'evaluate', 'evaluate', 'hvp', 'hvp', 'hvp', 'help', 'frobnicate', '--model'),
      fc.array(pair, { maxLength: 5 }),
      fc.boolean(),
      fc.boolean(),
    );
    const codes = [0, 0, 0];
    await fc.assert(
      fc.asyncProperty(argvArb, async ([command, generated, iris, allowRepeats]) => {
        const seen = new Set<string>();
        const pairs = generated.filter((p) => {
          const name = p[0] as string;
          if (command !== 'hvp' && name === '--vector' && !allowRepeats) return false;
          if (allowRepeats || !name.startsWith('--') || !seen.has(name)) return seen.add(name);
          return false;
        });
        const args = pairs.flat().map((t) => (typeof t === 'string' ? t : paths[t.path % paths.length]!));
        // in half the runs the required files the generated pairs leave out are the valid iris ones
        const defaults: [string, string][] = [['--model', paths[0]!], ['--data', paths[1]!], ...(command === 'hvp' ? [['--vector', paths[4]!] as [string, string]] : [])];
        const base = iris ? defaults.filter(([o]) => !args.includes(o)).flat() : [];
        const argv = [command, ...base, ...args];
        let stdout = '';
        let stderr = '';
        const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
        const context = `${JSON.stringify(argv)} → ${code}: ${stderr}`;
        expect([0, 1, 2], context).toContain(code);
        codes[code]!++;
        if (process.env.FUZZ_VERBOSE) console.log(code, stderr.trim().replace(/'[^']*'/g, '#').slice(0, 60));
        expect(stderr, context).not.toMatch(/internal error|unreachable|RuntimeError|memory access/);
        if (code !== 0) {
          // with --json a failure prints its JSON error document on stdout
          if (argv.includes('--json') || argv.includes('--json=true')) expect(Object.keys(JSON.parse(stdout) as object), context).toEqual(['error']);
          else expect(stdout, context).toBe('');
          expect(stderr.split('\n'), context).toHaveLength(2);
        } else if (argv.includes('--json') && !argv.some((a) => a === '--help' || a === '-h' || a === 'help')) {
          expect(() => JSON.parse(stdout), context).not.toThrow();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzz runCli: ${RUNS} command lines (seed ${SEED}): exit 0 ×${codes[0]}, exit 1 ×${codes[1]}, exit 2 ×${codes[2]}`);
    expect(codes.every((c) => c > 0)).toBe(true);
  }, 120_000);
});
