/**
 * `npm run fuzz`: the fuzz properties of test/integration/fuzz.test.ts and
 * test/integration/fuzz.node.test.ts run long, in Node, with a fresh seed (printed, so a failure
 * can be replayed with FUZZ_SEED=<seed>).
 *
 * usage: npm run fuzz [-- <malformed inputs per parser>]   (default 200,000; also FUZZ_RUNS)
 * env:   FUZZ_SEED (default: random), FUZZ_CLI_RUNS (default runs / 20), METADATA_FUZZ_RUNS
 *        (safetensors `__metadata__` contents, test/integration/fuzz-metadata.test.ts; default: runs),
 *        REPORT_FUZZ_RUNS (mutated result JSON for the report renderer,
 *        test/integration/report-fuzz.node.test.ts; default runs / 20, at least 10,000: `npm test`
 *        runs 2,000 of them),
 *        FUZZ_VERBOSE=1 lists the distinct checks each parser reached.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = process.argv[2] ?? process.env.FUZZ_RUNS ?? '200000';
if (!/^\d+$/.test(runs)) {
  console.error(`fuzz: the run count must be a whole number, got '${runs}'`);
  process.exit(2);
}
const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const cliRuns = process.env.FUZZ_CLI_RUNS ?? String(Math.max(1000, Math.floor(Number(runs) / 20)));
const metadataRuns = process.env.METADATA_FUZZ_RUNS ?? runs;
const reportRuns = process.env.REPORT_FUZZ_RUNS ?? String(Math.max(10_000, Math.floor(Number(runs) / 20)));
console.log(`fuzz: ${runs} malformed inputs per parser, ${cliRuns} CLI runs, ${metadataRuns} __metadata__ inputs, ${reportRuns} mutated report results, seed ${seed}`);

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const files = ['fuzz.test.ts', 'fuzz.node.test.ts', 'fuzz-metadata.test.ts', 'report-fuzz.node.test.ts'].map((f) => `test/integration/${f}`);
const result = spawnSync(process.execPath, [vitest, 'run', '--project', 'node', ...files], {
  stdio: 'inherit',
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, FUZZ_CLI_RUNS: cliRuns, METADATA_FUZZ_RUNS: metadataRuns, REPORT_FUZZ_RUNS: reportRuns },
});
process.exit(result.status ?? 1);
