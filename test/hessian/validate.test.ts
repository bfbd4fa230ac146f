/**
 * The option checks shared by the Hessian algorithms (src/hessian/validate.ts): each returns a
 * valid value and refuses an invalid one with an InputError naming the function, the option and
 * the value; decimalSize's units and rounding. Messages and values are literals.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkInteger, checkReorthogonalization, checkSeed, checkTol, decimalSize, type Reorthogonalization } from '../../src/hessian/validate.js';

describe('option checks', () => {
  it('return valid values and name the function, the option and the value of invalid ones', () => {
    expect(checkSeed(-7, 'lanczos')).toBe(-7);
    expect(() => checkSeed(1.5, 'lanczos')).toThrow(new InputError('lanczos: seed must be a safe integer, got 1.5'));
    expect(() => checkSeed(2 ** 53, 'lanczos')).toThrow(InputError);
    expect(checkTol(0, 'power')).toBe(0);
    expect(() => checkTol(-1e-3, 'power')).toThrow(new InputError('power: tol must be a finite number ≥ 0, got -0.001'));
    expect(() => checkTol(Infinity, 'power')).toThrow(InputError);
    expect(() => checkTol(NaN, 'power')).toThrow(InputError);
    expect(checkInteger(5, 'k', 1, 10, 'lanczos')).toBe(5);
    expect(() => checkInteger(11, 'k', 1, 10, 'lanczos')).toThrow(new InputError('lanczos: k must be an integer in 1..10, got 11'));
    expect(() => checkInteger(0, 'probes', 2, Infinity, 'traceEstimate')).toThrow(new InputError('traceEstimate: probes must be an integer ≥ 2, got 0'));
    expect(() => checkInteger(2.5, 'k', 1, 10, 'lanczos')).toThrow(InputError);
    expect(checkReorthogonalization(undefined, 'lanczos')).toBe('partial');
    expect(checkReorthogonalization('full', 'lanczos')).toBe('full');
    expect(() => checkReorthogonalization('none' as Reorthogonalization, 'lanczos')).toThrow(new InputError("lanczos: reorthogonalization must be 'full' or 'partial', got none"));
  });

  it('decimalSize: GB with one decimal from 1 GB, else whole MB rounded up', () => {
    expect(decimalSize(94.6e9)).toBe('94.6 GB');
    expect(decimalSize(1e9)).toBe('1.0 GB');
    expect(decimalSize(916_200_001)).toBe('917 MB');
    expect(decimalSize(1)).toBe('1 MB');
  });
});
