/**
 * The typed errors (src/errors.ts): each class's kind and name are its literal class name (what
 * survives minification; the minified build itself: test/integration/errors.node.test.ts, row E8),
 * every class is a HessianLensError and an Error, and throwIfAborted names the abort's reason.
 * The docs/errors.md table row by row: test/integration/errors.test.ts and errors.node.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, HessianLensError, InputError, NumericalError, ResourceError, ShapeError, throwIfAborted } from '../src/errors.js';

describe('error classes', () => {
  it('carry their kind as a literal name and share one base class', () => {
    const made = [new InputError('a'), new ShapeError('b'), new NumericalError('c'), new ResourceError('d'), new AbortError()];
    expect(made.map((e) => [e.kind, e.name, e.message])).toEqual([
      ['InputError', 'InputError', 'a'],
      ['ShapeError', 'ShapeError', 'b'],
      ['NumericalError', 'NumericalError', 'c'],
      ['ResourceError', 'ResourceError', 'd'],
      ['AbortError', 'AbortError', 'The operation was aborted'],
    ]);
    for (const e of made) {
      expect(e).toBeInstanceOf(HessianLensError);
      expect(e).toBeInstanceOf(Error);
    }
    expect(new ShapeError('x')).not.toBeInstanceOf(InputError);
    const base = new HessianLensError('plain');
    expect([base.kind, base.name, String(base)]).toEqual(['HessianLensError', 'HessianLensError', 'HessianLensError: plain']);
  });
});

describe('throwIfAborted', () => {
  it('returns while the signal has not fired, and throws AbortError with the reason\'s message once it has', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort(new Error('the user pressed Stop'));
    expect(() => throwIfAborted(controller.signal)).toThrow(new AbortError('The operation was aborted: the user pressed Stop'));
    // a reason that is not an Error adds nothing to the message
    expect(() => throwIfAborted(AbortSignal.abort('why'))).toThrow(new AbortError('The operation was aborted'));
    let caught: unknown;
    try {
      throwIfAborted(AbortSignal.abort());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AbortError);
  });
});
