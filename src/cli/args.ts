/**
 * The command-line parser: `hessian-lens <command> [--option value | --option=value | --flag | --no-flag]…`.
 * Every failure is a {@link UsageError} (the CLI exits 2) that names the option and the value.
 */
import { HessianLensError } from '../errors.js';

/** A malformed command line: unknown command or option, missing or malformed value. */
export class UsageError extends HessianLensError {
  constructor(message: string) {
    super(message, 'UsageError');
  }
}

/** Value kinds an option can take. */
export type OptionKind = 'string' | 'number' | 'int' | 'boolean' | 'ints';

/** One option of a command. */
export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** value placeholder in help, e.g. `M.safetensors` */
  readonly value?: string;
  readonly required?: boolean;
  /** allowed values for `string` options */
  readonly choices?: readonly string[];
  /** lower bound for `number` / `int` options and each entry of `ints` (default 1 there) */
  readonly min?: number;
  readonly default?: string | number | boolean;
  /** for a `boolean` option whose absence is not the same as false: help shows `--[no-]name` */
  readonly negatable?: boolean;
}

/** One command. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** positional arguments, by name (e.g. ['result.json']) */
  readonly positionals?: readonly string[];
}

/** Parsed option values by name (defaults applied). */
export type ParsedOptions = Record<string, string | number | boolean | number[] | undefined>;

/** The result of parsing. */
export interface ParsedCommand {
  readonly command: string;
  readonly options: ParsedOptions;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

function parseValue(spec: OptionSpec, raw: string): string | number | boolean | number[] {
  const where = `--${spec.name}`;
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`${where} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
      }
      return raw;
    case 'number':
    case 'int': {
      const text = raw.trim();
      const v = text === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) throw new UsageError(`${where} needs a number, got '${raw}'`);
      if (spec.kind === 'int' && !Number.isInteger(v)) throw new UsageError(`${where} needs an integer, got '${raw}'`);
      if (spec.min !== undefined && v < spec.min) throw new UsageError(`${where} must be ≥ ${spec.min}, got ${v}`);
      return v;
    }
    case 'ints': {
      const parts = raw.split(',').map((s) => s.trim());
      const values = parts.map((s) => (s === '' ? NaN : Number(s)));
      const least = spec.min ?? 1;
      if (values.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v < least)) {
        throw new UsageError(`${where} needs a comma-separated list of integers ≥ ${least}, got '${raw}'`);
      }
      return values;
    }
    case 'boolean': {
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new UsageError(`${where} is a flag (true or false), got '${raw}'`);
    }
  }
}

/**
 * Parses `argv` (without `node` and the script) against `commands`. `--help`/`-h` anywhere asks for
 * help; a command's missing required options are reported only when help was not asked.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandSpec[]): ParsedCommand {
  const args = [...argv];
  const wantsHelp = args.some((a) => a === '--help' || a === '-h');
  const first = args[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? args[1] : undefined;
    return { command: target ?? '', options: {}, positionals: [], help: true };
  }
  if (first.startsWith('-')) throw new UsageError(`expected a command before '${first}' (try --help)`);
  const spec = commands.find((c) => c.name === first);
  if (!spec) throw new UsageError(`unknown command '${first}' (commands: ${commands.map((c) => c.name).join(', ')})`);
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') continue;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    let opt = spec.options.find((o) => o.name === name);
    // --no-X turns the flag X off (every boolean option takes it)
    let negated = false;
    if (!opt && name.startsWith('no-')) {
      const positive = spec.options.find((o) => o.name === name.slice(3) && o.kind === 'boolean');
      if (positive) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value (got '${arg.slice(eq + 1)}'); use --${positive.name}=${arg.slice(eq + 1)}`);
        opt = positive;
        name = positive.name;
        negated = true;
      }
    }
    if (!opt) {
      throw new UsageError(`unknown option '--${name}' for '${spec.name}' (options: ${spec.options.map((o) => `--${o.name}`).join(' ')})`);
    }
    let raw: string;
    if (negated) raw = 'false';
    else if (eq >= 0) raw = arg.slice(eq + 1);
    else if (opt.kind === 'boolean') raw = 'true';
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value${opt.value ? ` (${opt.value})` : ''}`);
      raw = next;
      i++;
    }
    if (Object.prototype.hasOwnProperty.call(options, name)) throw new UsageError(`--${name} is given more than once${opt.kind === 'boolean' ? ` (counting --no-${name})` : ''}`);
    options[name] = parseValue(opt, raw);
  }
  const maxPositionals = spec.positionals?.length ?? 0;
  if (positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals[maxPositionals]}' for '${spec.name}'`);
  }
  if (!wantsHelp) {
    for (const opt of spec.options) {
      if (options[opt.name] === undefined) {
        if (opt.required) throw new UsageError(`'${spec.name}' needs --${opt.name}${opt.value ? ` ${opt.value}` : ''}`);
        if (opt.default !== undefined) options[opt.name] = opt.default;
      }
    }
  }
  return { command: spec.name, options, positionals, help: wantsHelp };
}

/** Help text for one command, or the overview when `command` is undefined. */
export function helpText(program: string, commands: readonly CommandSpec[], command?: string): string {
  const spec = command ? commands.find((c) => c.name === command) : undefined;
  if (!spec) {
    const width = Math.max(...commands.map((c) => c.name.length));
    return [
      `${program} — loss-Hessian analysis of dense MLP classifiers`,
      '',
      `usage: ${program} <command> [options]`,
      '',
      'commands:',
      ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      `Run '${program} <command> --help' for a command's options.`,
      'Exit codes: 0 ok, 1 failure, 2 usage error.',
    ].join('\n');
  }
  const lines = spec.options.map((o) => {
    const left = o.kind === 'boolean' ? `  --${o.negatable ? '[no-]' : ''}${o.name}` : `  --${o.name} ${o.value ?? o.kind.toUpperCase()}`;
    const extra = [o.required ? 'required' : '', o.default !== undefined ? `default ${String(o.default)}` : '', o.choices ? `one of ${o.choices.join('|')}` : '']
      .filter(Boolean)
      .join('; ');
    return { left, right: `${o.description}${extra ? ` (${extra})` : ''}` };
  });
  const width = Math.max(...lines.map((l) => l.left.length));
  const pos = spec.positionals?.map((p) => ` [${p}]`).join('') ?? '';
  return [`usage: ${program} ${spec.name}${pos} [options]`, '', spec.summary, '', 'options:', ...lines.map((l) => `${l.left.padEnd(width)}  ${l.right}`)].join('\n');
}
