/** Option checks shared by the Hessian algorithms; each throws {@link InputError} naming the option. */
import { InputError } from '../errors.js';

/** Checks a seed option (a safe integer) and returns it. */
export function checkSeed(seed: number, where: string): number {
  if (!Number.isSafeInteger(seed)) throw new InputError(`${where}: seed must be a safe integer, got ${String(seed)}`);
  return seed;
}

/** Checks a tolerance option (finite, ≥ 0) and returns it. */
export function checkTol(tol: number, where: string): number {
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new InputError(`${where}: tol must be a finite number ≥ 0, got ${String(tol)}`);
  return tol;
}

/** Checks an integer option within [min, max] and returns it. */
export function checkInteger(value: number, name: string, min: number, max: number, where: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in ${min}..${max}`;
    throw new InputError(`${where}: ${name} must be an integer ${range}, got ${String(value)}`);
  }
  return value;
}

/** Checks a re-orthogonalisation option (default 'partial') and returns it. */
export function checkReorthogonalization(value: Reorthogonalization | undefined, where: string): Reorthogonalization {
  const r = value ?? 'partial';
  if (r !== 'full' && r !== 'partial') throw new InputError(`${where}: reorthogonalization must be 'full' or 'partial', got ${String(r)}`);
  return r;
}

/** A size for a ResourceError's message in decimal units: '94.6 GB' from 1 GB up, else whole MB rounded up ('917 MB'). */
export function decimalSize(bytes: number): string {
  const gb = bytes / 1e9;
  return gb >= 1 ? `${gb.toFixed(1)} GB` : `${Math.ceil(gb * 1000)} MB`;
}

/** How the Krylov basis is kept orthogonal: `full` or `partial` (see the Krylov basis, krylov.ts). */
export type Reorthogonalization = 'full' | 'partial';
