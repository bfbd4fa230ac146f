/**
 * The kind of error the page shows: a typed error's `kind`, a literal string in src/errors.ts, so
 * the minified build keeps it (class names it does not: the page once showed `r: …`).
 */
import { HessianLensError } from '../src/errors.js';

/** `InputError`, `ShapeError`, … for a typed error, else `Error`. */
export function errorKind(error: unknown): string {
  return error instanceof HessianLensError ? error.kind : 'Error';
}
