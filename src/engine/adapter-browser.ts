/**
 * The browser's side of the platform difference: module Web Workers, which are comlink
 * endpoints as they are. The `new Worker(new URL('./worker.js', import.meta.url))` form is the one
 * bundlers (Vite, rollup, webpack) recognise, so the worker entry travels with dist/index.js.
 */
import type { Endpoint } from 'comlink';
import type { WorkerHandle } from './platform.js';

/** Starts a module Web Worker running hessian-lens's worker entry. */
export async function spawnWorker(): Promise<WorkerHandle> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const listeners: ((error: Error) => void)[] = [];
  const fail = (error: Error): void => {
    for (const l of listeners.splice(0)) l(error);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fail(new Error(event.message || 'worker failed to load or crashed'));
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
