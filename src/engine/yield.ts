/**
 * Cooperative yielding for long loops in the calling thread: a macrotask turn lets timers,
 * AbortSignal handlers and UI events run between units of work. `setImmediate` in Node; a
 * MessageChannel round trip in browsers (not clamped to 4 ms like nested setTimeout).
 */
import { throwIfAborted } from '../errors.js';

const YIELD_EVERY_MS = 40;

function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new g.MessageChannel!();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Returns a function that yields a macrotask turn when more than ~40 ms passed since the last. */
export function cooperativeYield(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last >= YIELD_EVERY_MS) {
      await macrotask();
      last = performance.now();
    }
  };
}

/**
 * Runs a step generator to its end, checking `signal` before every piece and giving the event loop
 * a turn through `pause` between them; an abort stops the generator (its `finally` blocks run).
 */
export async function runSteps<T>(steps: Generator<void, T, void>, signal: AbortSignal | undefined, pause: () => Promise<void> = cooperativeYield()): Promise<T> {
  try {
    for (;;) {
      throwIfAborted(signal);
      const r = steps.next();
      if (r.done) return r.value;
      await pause();
    }
  } finally {
    steps.return(undefined as T);
  }
}

/** Runs a step generator (work that yields between pieces) to its end, synchronously. */
export function drain<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
