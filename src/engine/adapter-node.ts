/**
 * Node's side of the platform difference: workers are `node:worker_threads` Workers, whose
 * message events are adapted to the `Endpoint` shape comlink expects (addEventListener with
 * `{ data }` events). Imported only dynamically, and only in Node.
 */
import type { Endpoint } from 'comlink';
import type { WorkerHandle } from './platform.js';

interface NodePort {
  postMessage(message: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
}

function endpointOf(port: NodePort): Endpoint {
  const listeners = new WeakMap<object, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, listener: EventListenerOrEventListenerObject) => {
      const wrapped = (data: unknown): void => {
        const event = { data } as MessageEvent;
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      listeners.set(listener, wrapped);
      port.on('message', wrapped);
    },
    removeEventListener: (_type: string, listener: EventListenerOrEventListenerObject) => {
      const wrapped = listeners.get(listener);
      if (wrapped) port.off('message', wrapped);
    },
  };
}

/** Starts a worker_threads Worker on `url` (a .ts source runs through tsx, for tests from src/). */
export async function spawnWorker(url: URL): Promise<WorkerHandle> {
  const { Worker } = await import('node:worker_threads');
  const { existsSync } = await import('node:fs');
  let worker: InstanceType<typeof Worker>;
  const ts = new URL(url.href.replace(/\.js$/, '.ts'));
  if (!existsSync(url) && existsSync(ts)) {
    // Running from TypeScript sources (tests, dev): register tsx in the worker, then load the entry.
    const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ts.href)}); })`;
    worker = new Worker(bootstrap, { eval: true });
  } else {
    worker = new Worker(url);
  }
  return {
    endpoint: endpointOf(worker),
    terminate: async () => {
      await worker.terminate();
    },
    onFailure: (listener) => {
      worker.on('error', (error) => listener(error instanceof Error ? error : new Error(String(error))));
      worker.on('exit', (code) => listener(new Error(`worker exited with code ${code}`)));
    },
  };
}

/** The endpoint a worker uses to talk to its parent. */
export async function parentEndpoint(): Promise<Endpoint> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('not running in a worker thread');
  return endpointOf(parentPort as unknown as NodePort);
}

/** Logical cores. */
export async function hardwareThreads(): Promise<number> {
  const os = await import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
