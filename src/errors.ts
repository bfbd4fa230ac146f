/**
 * The typed errors hessian-lens throws. Every failure the library can foresee is one of these,
 * with a message that names the input, the field and the offending value.
 */

/** Base class of every error hessian-lens throws on purpose. */
export class HessianLensError extends Error {
  /** Stable machine-readable kind, equal to the class name. */
  readonly kind: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.kind = new.target.name;
  }
}

/** Malformed or out-of-range input: a file, a CSV cell, an option value. */
export class InputError extends HessianLensError {}

/** Sizes that do not fit together: vector lengths, layer widths, feature counts. */
export class ShapeError extends HessianLensError {}

/** A computation produced or met non-finite numbers, or a solver could not do what was asked. */
export class NumericalError extends HessianLensError {}

/** A request that would exceed a resource: wasm memory, a size limit, a dead worker. */
export class ResourceError extends HessianLensError {}

/** The caller's AbortSignal fired; the engine stays usable. */
export class AbortError extends HessianLensError {
  constructor(message = 'The operation was aborted') {
    super(message);
  }
}

/** Throws {@link AbortError} when `signal` has fired. Call between units of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    const detail = reason instanceof Error ? `: ${reason.message}` : '';
    throw new AbortError(`The operation was aborted${detail}`);
  }
}
