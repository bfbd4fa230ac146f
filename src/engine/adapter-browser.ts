/**
 * The browser's side of the platform difference: module Web Workers, which are comlink
 * endpoints as they are. The worker is created with the literal
 * `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`, the form Vite and
 * webpack detect and bundle with no configuration; it is the only `import.meta.url` in the
 * browser build. Bound through `#platform`'s `default` condition (package.json `imports`).
 */
import type { Endpoint } from 'comlink';
import { WORKER_FIX, type WorkerHandle } from './platform.js';

/**
 * Where `./worker.js` is when nothing rewrote the worker's URL (esbuild, a page with no bundler):
 * next to the script this code runs from, read off a stack trace because a second
 * `import.meta.url` would be rewritten by webpack into the build machine's file path. For the
 * warning only; undefined when the stack names no URL.
 */
function unbundledWorkerUrl(): string | undefined {
  const match = /\b((?:https?|file|blob):[^\s()]+?):\d+:\d+/.exec(new Error().stack ?? '');
  try {
    return match ? new URL('./worker.js', match[1]).href : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a module Web Worker running hessian-lens's worker entry. */
export async function spawnWorker(): Promise<WorkerHandle> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const unbundled = unbundledWorkerUrl();
  const listeners: ((error: Error) => void)[] = [];
  const fail = (error: Error): void => {
    for (const l of listeners.splice(0)) l(error);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    // A script that did not load gives a plain Event with no message; a crash gives an ErrorEvent.
    if (event.message) {
      fail(new Error(event.message));
      return;
    }
    const where = unbundled ? ` (unless a bundler moved it, the page asked for ${unbundled})` : '';
    fail(new Error(`hessian-lens's worker script did not load${where}; ${WORKER_FIX}`));
  });
  return {
    endpoint: worker,
    // A terminated Web Worker fires no event: report it here so waiting calls reject, not hang.
    terminate: async () => {
      worker.terminate();
      fail(new Error('worker terminated'));
    },
    onFailure: (listener) => {
      listeners.push(listener);
    },
  };
}

/** The endpoint a worker uses to talk to its parent. */
export async function parentEndpoint(): Promise<Endpoint> {
  return globalThis as unknown as Endpoint;
}

/** Logical cores the browser reports. */
export async function hardwareThreads(): Promise<number> {
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1);
}

/**
 * Bytes of device memory the browser reports (`navigator.deviceMemory`, in GiB, coarsened to
 * 0.25–8 and Chromium-only), or undefined when it reports none.
 */
export function totalMemory(): number | undefined {
  const gib = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory;
  return typeof gib === 'number' && gib > 0 ? gib * 2 ** 30 : undefined;
}

/** Browsers do not tell the caches. */
export function l2CacheBytes(): number | undefined {
  return undefined;
}
