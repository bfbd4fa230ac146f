/** A synchronous call's typed error, for the reader tests of src/io/. */
import { expect } from 'vitest';
import type { InputError, ShapeError } from '../../src/errors.js';

/** Expects `f` to throw `kind` with a message matching `fragment`. */
export function expectThrow(f: () => unknown, kind: typeof InputError | typeof ShapeError, fragment: string | RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(kind);
  expect((caught as Error).message).toMatch(fragment);
}
