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

/** What a worker posts when its entry could not start (browsers do not report that otherwise). */
export function workerFailedMessage(error: unknown): { hessianLensWorkerFailed: string } {
  return { hessianLensWorkerFailed: error instanceof Error ? error.message : String(error) };
}

/**
 * Resolves when the worker behind `endpoint` has posted {@link READY_MESSAGE}; rejects when it
 * posts that it could not start.
 */
export function workerReady(endpoint: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (event: Event): void => {
      const data = (event as MessageEvent).data as { hessianLensWorkerReady?: boolean; hessianLensWorkerFailed?: string } | undefined;
      if (data?.hessianLensWorkerReady) {
        endpoint.removeEventListener('message', listener);
        resolve();
      } else if (typeof data?.hessianLensWorkerFailed === 'string') {
        endpoint.removeEventListener('message', listener);
        reject(new Error(`the worker entry could not start: ${data.hessianLensWorkerFailed}`));
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
