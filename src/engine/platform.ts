/**
 * The one function that picks the platform: Node (worker_threads) or browsers (Web Workers).
 * The two adapters are the only files that differ; nothing is imported from `node:*` unless the
 * code runs in Node.
 */
import type { Endpoint } from 'comlink';

/** A started worker. */
export interface WorkerHandle {
  readonly endpoint: Endpoint;
  terminate(): Promise<void>;
  /** Called once if the worker fails to load, throws at top level, or exits. */
  onFailure(listener: (error: Error) => void): void;
}

/** The adapter functions both platforms provide. */
export interface PlatformAdapter {
  spawnWorker(url: URL): Promise<WorkerHandle>;
  parentEndpoint(): Promise<Endpoint>;
  hardwareThreads(): Promise<number>;
}

/** True in Node (main thread or worker thread), false in browsers and their workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

let adapter: Promise<PlatformAdapter> | undefined;

/** The adapter for this platform (loaded once). */
export function platform(): Promise<PlatformAdapter> {
  adapter ??= isNode() ? import('./adapter-node.js') : (import('./adapter-browser.js') as Promise<PlatformAdapter>);
  return adapter;
}

/** What a worker posts once it listens for calls. */
export const READY_MESSAGE = { hessianLensWorkerReady: true } as const;

/** Resolves when the worker behind `endpoint` has posted {@link READY_MESSAGE}. */
export function workerReady(endpoint: Endpoint): Promise<void> {
  return new Promise((resolve) => {
    const listener = (event: Event): void => {
      const data = (event as MessageEvent).data as { hessianLensWorkerReady?: boolean } | undefined;
      if (data?.hessianLensWorkerReady) {
        endpoint.removeEventListener('message', listener);
        resolve();
      }
    };
    endpoint.addEventListener('message', listener);
    (endpoint as { start?: () => void }).start?.();
  });
}

/** URL of the worker entry next to this module (worker.js in dist/, worker.ts in src/). */
export function workerUrl(): URL {
  return new URL('./worker.js', import.meta.url);
}
