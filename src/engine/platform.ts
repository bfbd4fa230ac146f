/**
 * What the two platforms share: the adapter shape, and the handshake a worker makes once it
 * listens. Which adapter runs is decided by package.json conditions, not at run time: the source
 * imports `#platform` (package.json `imports`: `node` → adapter-node.ts, `default` →
 * adapter-browser.ts), and rollup binds one adapter into each variant of dist/ (dist/ for
 * browsers and bundlers, dist/node/ for Node, chosen by the `exports` conditions). So nothing a
 * browser bundle contains mentions `node:*`.
 */
import type { Endpoint } from 'comlink';

/** A started worker. */
export interface WorkerHandle {
  readonly endpoint: Endpoint;
  terminate(): Promise<void>;
  /** Called once if the worker fails to load, throws at top level, or exits. */
  onFailure(listener: (error: Error) => void): void;
}

/** The functions each platform's adapter (src/engine/adapter-*.ts) exports. */
export interface PlatformAdapter {
  /** Starts a worker running hessian-lens's worker entry (worker.js next to the adapter's module). */
  spawnWorker(): Promise<WorkerHandle>;
  parentEndpoint(): Promise<Endpoint>;
  hardwareThreads(): Promise<number>;
  /** The machine's memory in bytes as the platform tells it (undefined where it does not). */
  totalMemory(): number | undefined;
  /** Bytes of one core's L2 cache as the platform tells it (undefined where it does not: browsers, VMs that hide it). */
  l2CacheBytes(): number | undefined;
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

/** How to make a worker that did not load findable, for the warning the engine prints. */
export const WORKER_FIX =
  'if a bundler did not emit hessian-lens\'s worker (esbuild leaves its URL, ./worker.js, relative to the bundle), ' +
  'copy node_modules/hessian-lens/dist/worker.js next to the bundle that imports hessian-lens';
