/**
 * The `hessian-lens` command line. stdout carries exactly one JSON document with `--json` (or a
 * short human summary without it); progress and logs go to stderr.
 * Exit codes: 0 ok, 1 failure (one line naming the problem), 2 usage error.
 */
import v8 from 'node:v8';
import { HessianLensError } from '../errors.js';
import { helpText, parseCommandLine, UsageError, type CommandSpec, type OptionSpec, type ParsedOptions } from './args.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import type { KernelBuildOption } from '../engine/wasm.js';
import { ACTIVATIONS, type Activation } from '../model/mlp.js';
import { readData, readModel, readVector, writeText } from './node-io.js';

const PROGRAM = 'hessian-lens';

const MODEL: OptionSpec = { name: 'model', kind: 'string', value: 'M.safetensors', required: true, description: 'model: state_dict of nn.Sequential(Linear, Act, …)' };
const DATA: OptionSpec = { name: 'data', kind: 'string', value: 'D.csv', required: true, description: 'data: features then an integer label per line' };
const ACTIVATION: OptionSpec = { name: 'activation', kind: 'string', value: 'A', choices: ACTIVATIONS, description: 'hidden activation (default: from the model file, else relu)' };
const JSON_OUT: OptionSpec = { name: 'json', kind: 'boolean', description: 'print one JSON document on stdout' };
const OUT: OptionSpec = { name: 'out', kind: 'string', value: 'R.json', description: 'also write the JSON result to this file' };
const BUILD: OptionSpec = { name: 'build', kind: 'string', value: 'B', choices: ['auto', 'simd128', 'relaxed'], default: 'auto', description: 'kernel build' };
const PRECISION: OptionSpec = { name: 'precision', kind: 'string', value: 'P', choices: ['f32', 'f64'], default: 'f32', description: 'kernel arithmetic: f32 fast, f64 precise' };
const COMMON = [JSON_OUT, OUT, BUILD, PRECISION];

/** Every command: its spec and what it runs. */
interface Command extends CommandSpec {
  run(options: ParsedOptions, positionals: readonly string[], engine: () => Promise<Engine>): Promise<Record<string, unknown>>;
}

const COMMANDS: Command[] = [
  {
    name: 'evaluate',
    summary: 'loss, accuracy and gradient norm of a model on a dataset',
    options: [MODEL, DATA, ACTIVATION, ...COMMON],
    async run(o, _p, engine) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const e = await engine();
      const result = await e.evaluate(model, data, { precision: o.precision as Precision });
      return { ...result };
    },
  },
  {
    name: 'hvp',
    summary: 'exact Hessian-vector product H·v of the mean loss (Pearlmutter R-operator)',
    options: [MODEL, DATA, { name: 'vector', kind: 'string', value: 'V.json', required: true, description: 'JSON array of p numbers, PyTorch parameter order' }, ACTIVATION, ...COMMON],
    async run(o, _p, engine) {
      const model = await readModel(o.model as string, o.activation as Activation | undefined);
      const data = await readData(o.data as string, model);
      const v = await readVector(o.vector as string, model.theta.length);
      const e = await engine();
      const hv = await e.hvp(model, data, v, { precision: o.precision as Precision });
      return { hv: Array.from(hv) };
    },
  },
];

function summarize(result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.length} values]` : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** Runs the CLI on `argv`; returns the exit code. Output goes to the given streams. */
export async function runCli(argv: readonly string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    io.stdout(`${helpText(PROGRAM, COMMANDS, parsed.command || undefined)}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === parsed.command)!;
  const o = parsed.options;
  let enginePromise: Promise<Engine> | undefined;
  const engine = (): Promise<Engine> => (enginePromise ??= createEngine({ build: o.build as KernelBuildOption }));
  try {
    const result = await command.run(o, parsed.positionals, engine);
    const json = JSON.stringify(result);
    if (typeof o.out === 'string') await writeText(o.out, `${json}\n`);
    io.stdout(o.json ? `${json}\n` : `${summarize(result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof HessianLensError) {
      io.stderr(`${PROGRAM}: ${error.kind}: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${PROGRAM}: internal error: ${message}\n`);
    return 1;
  }
}

/** True when this module is the program being run (not imported by a test). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return /(?:^|[\\/])(?:cli\.js|main\.ts|hessian-lens)$/.test(entry);
}

if (isMain()) {
  // Node 20 validates relaxed SIMD only behind this V8 flag; the CLI owns its process, so it
  // turns the flag on (Node ≥ 22 and Chromium have the feature on by default).
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
  process.exitCode = code;
}
