/**
 * Node's side of the platform difference: workers are `node:worker_threads` Workers, whose
 * message events are adapted to the `Endpoint` shape comlink expects (addEventListener with
 * `{ data }` events). Bound through `#platform`'s `node` condition (package.json `imports`), and
 * in dist/node/ only: the browser build never contains this file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
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

/** Starts a worker thread on hessian-lens's worker entry, worker.js next to this module. */
export function spawnWorker(): Promise<WorkerHandle> {
  return spawnWorkerAt(new URL('./worker.js', import.meta.url));
}

/**
 * Starts a worker thread on the entry at `url`; a .ts source next to a missing .js runs through
 * tsx (tests and scripts run from src/).
 */
export async function spawnWorkerAt(url: URL): Promise<WorkerHandle> {
  let worker: Worker;
  const ts = new URL(url.href.replace(/\.js$/, '.ts'));
  if (!existsSync(url) && existsSync(ts)) {
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
      // Node's error for a missing entry names its path ("Cannot find module '…/worker.js'")
      worker.on('error', (error) => listener(error instanceof Error ? error : new Error(String(error))));
      worker.on('exit', (code) => listener(new Error(`worker exited with code ${code}`)));
    },
  };
}

/** The endpoint a worker uses to talk to its parent. */
export async function parentEndpoint(): Promise<Endpoint> {
  if (!parentPort) throw new Error('not running in a worker thread');
  return endpointOf(parentPort as unknown as NodePort);
}

/** Logical cores. */
export async function hardwareThreads(): Promise<number> {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/**
 * Bytes of memory this process may use: the machine's (`os.totalmem()`), or the container's limit
 * when one is set and smaller (`process.constrainedMemory()`, Node ≥ 19.6).
 */
export function totalMemory(): number | undefined {
  const machine = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return constrained !== undefined && constrained > 0 && constrained < machine ? constrained : machine;
}

/** One of the CPU's caches as Linux tells it. */
export interface CpuCache {
  readonly level: number;
  readonly type: 'Data' | 'Instruction' | 'Unified';
  readonly bytes: number;
}

const SIZE_UNITS = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 } as const;

/**
 * cpu0's caches as Linux tells them (/sys/devices/system/cpu/cpu0/cache/index*: `level`, `type`,
 * `size` as "1024K" or "2M"), in index order; undefined elsewhere (macOS, Windows, a VM or
 * container that hides them) or when an entry does not read as expected.
 */
export function cpuCaches(): readonly CpuCache[] | undefined {
  // read once per process: the caches do not change, and every createEngine asks for the L2
  if (cachesRead === null) cachesRead = readCpuCaches();
  return cachesRead;
}

let cachesRead: readonly CpuCache[] | undefined | null = null;

function readCpuCaches(): CpuCache[] | undefined {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  try {
    const caches: CpuCache[] = [];
    for (const entry of readdirSync(dir).filter((e) => /^index\d+$/.test(e)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
      const read = (f: string): string => readFileSync(`${dir}/${entry}/${f}`, 'utf8').trim();
      const type = read('type');
      const size = /^(\d+)([KMG]?)$/.exec(read('size'));
      const level = Number(read('level'));
      if (!size || !Number.isInteger(level) || (type !== 'Data' && type !== 'Instruction' && type !== 'Unified')) return undefined;
      caches.push({ level, type, bytes: Number(size[1]) * SIZE_UNITS[size[2] as keyof typeof SIZE_UNITS] });
    }
    return caches.length > 0 ? caches : undefined;
  } catch {
    // not Linux, or the VM does not expose the caches
    return undefined;
  }
}

/** Bytes of cpu0's L2 (its data or unified cache) as Linux tells it ({@link cpuCaches}); undefined where it does not. */
export function l2CacheBytes(): number | undefined {
  return cpuCaches()?.find((c) => c.level === 2 && c.type !== 'Instruction')?.bytes;
}
