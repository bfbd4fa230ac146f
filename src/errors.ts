/**
 * The typed errors hessian-lens throws. Every failure the library can foresee is one of these,
 * with a message that names the input, the field and the offending value.
 */

/** The kinds of {@link HessianLensError}, as literal strings (a minifier renames classes, not these). */
export type ErrorKind = 'HessianLensError' | 'InputError' | 'ShapeError' | 'NumericalError' | 'ResourceError' | 'AbortError' | 'UsageError';

/** Base class of every error hessian-lens throws on purpose. */
export class HessianLensError extends Error {
  /** Stable machine-readable kind, equal to the class's name in the source (also after minification). */
  readonly kind: ErrorKind;
  constructor(message: string, kind: ErrorKind = 'HessianLensError') {
    super(message);
    this.name = kind;
    this.kind = kind;
  }
}

/** Malformed or out-of-range input: a file, a CSV cell, an option value. */
export class InputError extends HessianLensError {
  constructor(message: string) {
    super(message, 'InputError');
  }
}

/** Sizes that do not fit together: vector lengths, layer widths, feature counts. */
export class ShapeError extends HessianLensError {
  constructor(message: string) {
    super(message, 'ShapeError');
  }
}

/** A computation produced or met non-finite numbers, or a solver could not do what was asked. */
export class NumericalError extends HessianLensError {
  constructor(message: string) {
    super(message, 'NumericalError');
  }
}

/** A request that would exceed a resource: wasm memory, a size limit, a dead worker. */
export class ResourceError extends HessianLensError {
  constructor(message: string) {
    super(message, 'ResourceError');
  }
}

/** The caller's AbortSignal fired; the engine stays usable. */
export class AbortError extends HessianLensError {
  constructor(message = 'The operation was aborted') {
    super(message, 'AbortError');
  }
}

/**
 * A signal that fires when `parent` does (with its reason) and when `release` is called: for work
 * started elsewhere (a worker) that must stop when the caller's own part ends, by success or by a
 * failure. Call `release` in a `finally`.
 */
export function childSignal(parent: AbortSignal | undefined): { readonly signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', stop, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      parent?.removeEventListener('abort', stop);
      controller.abort();
    },
  };
}

/** Throws {@link AbortError} when `signal` has fired. Call between units of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    const detail = reason instanceof Error ? `: ${reason.message}` : '';
    throw new AbortError(`The operation was aborted${detail}`);
  }
}
