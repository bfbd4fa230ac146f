/**
 * What the memory-estimate tests share (src/hessian/memory.ts and analyze's estimate before
 * training): operators that throw on any product, so a refusal must come before the first one,
 * and the estimate a refusal names, read back from its own message.
 */
import { expect } from 'vitest';
import { ResourceError } from '../../src/errors.js';

export const GIB = 2 ** 30;

/** An operator of `size` that throws if any product is taken. */
export const noProduct = (size: number) => ({ size, matvec: (): never => { throw new Error('no product should be taken'); } });

/** The ResourceError `run` rejects with (fails the test when it does not). */
export async function refusal(run: () => Promise<unknown>): Promise<ResourceError> {
  const error = await run().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ResourceError);
  return error as ResourceError;
}

/** The estimate a refusal names, in bytes. */
export const estimateOf = (e: Error): number => Number(/needs an estimated (?:[\d.]+ [GM]iB \()?(\d+) bytes/.exec(e.message)![1]);
