/**
 * Fuzzing of the safetensors `__metadata__` that `loadMlp` reads (Node and Chromium): the `arch`
 * and `activation` strings, and the other fields, made random, huge and hostile — nested-quantifier
 * bait (millions of `2-` groups, the input that overflowed the stack), long digit runs, brackets,
 * control characters and lone surrogates, near-valid archs ("4 - 5 - 3", "[4,5,3]", "4x5x3"),
 * case and space variants of the activation names, non-string values.
 *
 * Property: every input ends in a loaded model whose spec agrees with the tensors (4-5-3) and with
 * the activation the metadata names, or in a typed HessianLensError whose message is one short line
 * (at most 400 characters, whatever the input's size); never another exception. The slowest input
 * is printed, not asserted (a hang, as a backtracking pattern would be, fails the test's time
 * limit). The reference is independent of the parser: the expected outcome of a valid
 * arch or activation is worked out here from the strings, not from the code under test.
 *
 * METADATA_FUZZ_RUNS inputs (default 10,000: the CI count, a few seconds), seed FUZZ_SEED;
 * `npm run fuzz` runs as many as its other parsers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HessianLensError } from '../../src/errors.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { ACTIVATIONS } from '../../src/model/mlp.js';
import { baseFile } from '../cases/errors.js';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const RUNS = Number(env.METADATA_FUZZ_RUNS ?? 10_000);
const SEED = Number(env.FUZZ_SEED ?? 20_240_808);
const TIMEOUT = Math.max(120_000, RUNS * 10);

const digits = fc.stringMatching(/^[0-9]{1,30}$/);
const sep = fc.constantFrom('-', ',', 'x', ' - ', ', ', '--', '', ' ', '\t', '\u0000', 'X', '—');
/** Archs near "4-5-3": right and wrong widths, odd separators, brackets and spaces. */
const nearArch = fc.tuple(fc.array(fc.oneof(fc.constantFrom('4', '5', '3', '04', '0', '6'), digits), { minLength: 0, maxLength: 6 }), sep, fc.boolean(), fc.boolean())
  .map(([ws, s, bracket, pad]) => {
    const body = ws.join(s);
    const b = bracket ? `[${body}]` : body;
    return pad ? ` ${b} ` : b;
  });
/**
 * A repeated unit: the shape of input that made a backtracking pattern recurse once per group
 * (it overflowed the stack from about 2 M groups; 1 in 100 of these is that large).
 */
const repeated = fc.tuple(fc.constantFrom('2-', '2', '1,', '9x', '-', ' ', '[', ']', '2 - ', '2-a', '\u0000'), fc.oneof({ weight: 90, arbitrary: fc.integer({ min: 1, max: 12_000 }) }, { weight: 9, arbitrary: fc.integer({ min: 1, max: 100_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 2_500_000 }) }), fc.constantFrom('', '2', 'x', '-', ']'))
  .map(([unit, count, tail]) => unit.repeat(count) + tail);
const activation = fc.oneof(
  fc.constantFrom(...ACTIVATIONS),
  fc.constantFrom(...ACTIVATIONS).map((a) => ` ${a.toUpperCase()}\t`),
  fc.constantFrom('swish', '', ' ', 'ReLU6', 'relu\u0000', '\ud800', 'none', 'Identity '),
  fc.tuple(fc.constantFrom('a', 'relu', '\u0000', '€'), fc.integer({ min: 1, max: 2_000 })).map(([u, k]) => u.repeat(k)),
  fc.string({ maxLength: 40 }),
);
const archValue = fc.oneof({ weight: 4, arbitrary: nearArch }, { weight: 3, arbitrary: repeated }, { weight: 2, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) });
const otherValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.constant({}));
const metadata = fc.record(
  {
    arch: archValue,
    activation,
    format: fc.oneof(fc.constant('pt'), otherValue),
    other: otherValue,
  },
  { requiredKeys: [] },
);

/** Widths a well-formed arch names, worked out here (undefined when it is not a plain list). */
function expectedArch(arch: string): string | undefined {
  let body = arch.trim();
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  const pieces = body.split(/[-,x]/).map((p) => p.trim());
  if (pieces.some((p) => !/^[0-9]+$/.test(p))) return undefined;
  return pieces.map(Number).join('-');
}

describe('fuzzing __metadata__ (loadMlp)', () => {
  it(`${RUNS} generated metadata end in a consistent model or a typed error with a short message`, () => {
    const tally = { loaded: 0, typed: new Map<string, number>(), slowest: 0, huge: 0 };
    fc.assert(
      fc.property(metadata, (meta) => {
        const bytes = baseFile(meta as Record<string, unknown>);
        if (bytes.length > 1_000_000) tally.huge++;
        const start = performance.now();
        let outcome: ReturnType<typeof loadMlp> | HessianLensError;
        try {
          outcome = loadMlp(bytes, { source: 'm.safetensors' });
        } catch (error) {
          if (!(error instanceof HessianLensError)) throw new Error(`untyped ${String(error).slice(0, 200)}`);
          outcome = error;
        }
        const ms = performance.now() - start;
        tally.slowest = Math.max(tally.slowest, ms); // printed, not asserted: a hang fails the test's time limit
        const stringsOnly = Object.values(meta).every((v) => typeof v === 'string');
        if (outcome instanceof HessianLensError) {
          expect(outcome.message.length).toBeLessThanOrEqual(400);
          expect(outcome.message).not.toMatch(/[\n\r\u0000]/);
          expect(outcome.message.startsWith('m.safetensors: ')).toBe(true);
          tally.typed.set(outcome.kind, (tally.typed.get(outcome.kind) ?? 0) + 1);
          // a valid file must load: an error needs a bad field
          const archOk = meta.arch === undefined || (meta.arch.length <= 10_000 && expectedArch(meta.arch) === '4-5-3');
          const act = meta.activation === undefined ? 'relu' : meta.activation.trim().toLowerCase();
          expect(stringsOnly && archOk && (ACTIVATIONS as readonly string[]).includes(act) && meta.activation !== undefined && meta.activation.length <= 100 ? outcome.message : 'a bad field').toBe('a bad field');
        } else {
          tally.loaded++;
          expect(stringsOnly).toBe(true);
          expect(outcome.spec.sizes).toEqual([4, 5, 3]);
          if (meta.arch !== undefined) expect(expectedArch(meta.arch)).toBe('4-5-3');
          expect(outcome.spec.activation).toBe(meta.activation === undefined ? 'relu' : meta.activation.trim().toLowerCase());
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzz __metadata__: ${RUNS} inputs (seed ${SEED}): ${tally.huge} above 1 MB, ${tally.loaded} loaded, typed ${JSON.stringify(Object.fromEntries(tally.typed))}, slowest ${tally.slowest.toFixed(1)} ms`);
    expect(tally.loaded).toBeGreaterThan(0);
    expect(tally.typed.size).toBeGreaterThan(1);
  }, TIMEOUT);

  it('the 4 MB arch of 2 M groups that overflowed the stack, and a 5 MB activation, are short typed errors', () => {
    for (const [meta, fragment] of [
      [{ arch: `${'2-'.repeat(2_000_000)}2` }, "m.safetensors: __metadata__.arch '2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-…' (4,000,001 characters) is longer than the 10,000-character limit"],
      [{ activation: 'x'.repeat(5_000_000) }, "(5,000,000 characters) from __metadata__.activation: longer than the 100-character limit"],
      [{ arch: '4-5-3', activation: 'relu\u0000' }, "unsupported activation 'relu\\x00' from __metadata__.activation"],
    ] as const) {
      let caught: unknown;
      try {
        loadMlp(baseFile(meta), { source: 'm.safetensors' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(HessianLensError);
      expect((caught as Error).message).toContain(fragment);
      expect((caught as Error).message.length).toBeLessThan(300);
    }
  });
});
