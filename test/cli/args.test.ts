/**
 * The command-line parser (src/cli/args.ts) on a small command table written here: values of each
 * kind, defaults, `--no-X`, `--option=value`, help, and a UsageError naming the option and the
 * value for each malformed line. Expected values and messages are literals. (Ten thousand
 * generated command lines: test/integration/fuzz.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine, UsageError, type CommandSpec } from '../../src/cli/args.js';

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'fit',
    summary: 'fit a model',
    positionals: ['data.csv'],
    options: [
      { name: 'model', kind: 'string', description: 'the model', value: 'M.safetensors', required: true },
      { name: 'precision', kind: 'string', description: 'kernel precision', choices: ['f32', 'f64'], default: 'f32' },
      { name: 'lr', kind: 'number', description: 'learning rate', min: 0, default: 0.01 },
      { name: 'epochs', kind: 'int', description: 'epochs', min: 1 },
      { name: 'hidden', kind: 'ints', description: 'hidden widths', value: 'W,W' },
      { name: 'dense', kind: 'boolean', description: 'the dense path', negatable: true },
    ],
  },
  { name: 'show', summary: 'show a result', options: [] },
];

const parse = (line: string): ReturnType<typeof parseCommandLine> => parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);

function usageError(line: string): string {
  try {
    parse(line);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).kind).toBe('UsageError');
    return (e as Error).message;
  }
  throw new Error(`'${line}' parsed without a usage error`);
}

describe('parseCommandLine', () => {
  it('reads every kind of value, applies defaults, and keeps the positionals', () => {
    expect(parse('fit d.csv --model m.st --lr=0.5 --epochs 3 --hidden 16,8 --dense')).toEqual({
      command: 'fit',
      options: { model: 'm.st', lr: 0.5, epochs: 3, hidden: [16, 8], dense: true, precision: 'f32' },
      positionals: ['d.csv'],
      help: false,
    });
    expect(parse('fit --model m.st --no-dense --precision f64').options).toEqual({ model: 'm.st', dense: false, precision: 'f64', lr: 0.01 });
    expect(parse('fit --model m.st --dense=0').options.dense).toBe(false);
  });

  it('asks for help with --help anywhere, help <command> or nothing, without checking required options', () => {
    expect(parse('')).toEqual({ command: '', options: {}, positionals: [], help: true });
    expect(parse('help fit')).toEqual({ command: 'fit', options: {}, positionals: [], help: true });
    expect(parse('fit --help')).toEqual({ command: 'fit', options: {}, positionals: [], help: true });
  });

  it('names the option and the value of every malformed line', () => {
    expect(usageError('fot')).toBe("unknown command 'fot' (commands: fit, show)");
    expect(usageError('--model m.st')).toBe("expected a command before '--model' (try --help)");
    expect(usageError('fit')).toBe("'fit' needs --model M.safetensors");
    expect(usageError('fit --model')).toBe('--model needs a value (M.safetensors)');
    expect(usageError('fit --model m.st --bogus 1')).toBe("unknown option '--bogus' for 'fit' (options: --model --precision --lr --epochs --hidden --dense)");
    expect(usageError('fit --model m.st --precision f16')).toBe("--precision must be one of f32, f64, got 'f16'");
    expect(usageError('fit --model m.st --lr x')).toBe("--lr needs a number, got 'x'");
    expect(usageError('fit --model m.st --lr -1')).toBe('--lr must be ≥ 0, got -1');
    expect(usageError('fit --model m.st --epochs 1.5')).toBe("--epochs needs an integer, got '1.5'");
    expect(usageError('fit --model m.st --hidden 16,,8')).toBe("--hidden needs a comma-separated list of integers ≥ 1, got '16,,8'");
    expect(usageError('fit --model m.st --dense=maybe')).toBe("--dense is a flag (true or false), got 'maybe'");
    expect(usageError('fit --model m.st --no-dense=1')).toBe("--no-dense takes no value (got '1'); use --dense=1");
    expect(usageError('fit --model m.st --dense --no-dense')).toBe('--dense is given more than once (counting --no-dense)');
    expect(usageError('fit --model a --model b')).toBe('--model is given more than once');
    expect(usageError('fit a.csv b.csv --model m.st')).toBe("unexpected argument 'b.csv' for 'fit'");
    expect(usageError('show extra')).toBe("unexpected argument 'extra' for 'show'");
  });
});

describe('helpText', () => {
  it('lists the commands, or one command\'s options with their defaults, choices and --[no-] flags', () => {
    expect(helpText('hl', COMMANDS).split('\n')).toEqual([
      'hl — loss-Hessian analysis of dense MLP classifiers',
      '',
      'usage: hl <command> [options]',
      '',
      'commands:',
      '  fit   fit a model',
      '  show  show a result',
      '',
      "Run 'hl <command> --help' for a command's options.",
      'Exit codes: 0 ok, 1 failure, 2 usage error.',
    ]);
    expect(helpText('hl', COMMANDS, 'fit').split('\n')).toEqual([
      'usage: hl fit [data.csv] [options]',
      '',
      'fit a model',
      '',
      'options:',
      '  --model M.safetensors  the model (required)',
      '  --precision STRING     kernel precision (default f32; one of f32|f64)',
      '  --lr NUMBER            learning rate (default 0.01)',
      '  --epochs INT           epochs',
      '  --hidden W,W           hidden widths',
      '  --[no-]dense           the dense path',
    ]);
  });
});
